// Package oidc is the protocol vocabulary shared by every part of hubid: the
// provider, the signin SDK and the tests. It holds OAuth 2.0 and OpenID
// Connect error codes and the Error type, grant and response types, the
// discovery document, the standard and Hugging Face specific claims, and the
// scope names of "Sign in with HF".
//
// The package imports only the standard library and performs no I/O: it names
// things, it does not do things. Protocol rules live in internal/protocol,
// HTTP in internal/server.
package oidc
