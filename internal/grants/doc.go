// Package grants is the token endpoint. Handler owns the phases every grant
// shares, so no grant can forget one: parse the form once (single-valued,
// bounded) into a typed Request, authenticate the client
// (client_secret_basic, client_secret_post, or none), enforce the grant's
// declared Policy (required parameters, which clients may use it, what a
// scope parameter means), dispatch on grant_type, and write the JSON answer
// with Cache-Control: no-store. A Grant fills in only what is unique to it
// and returns an *oidc.Error instead of writing. Device authorization,
// revocation and introspection declare a Policy too and share the same
// phases.
//
// The package mints tokens through Minter, which is also what other grants
// (refresh, device) will use, so that every token is made the same way:
// opaque, prefixed, stored only as a digest.
//
// Authorization codes (Codes) carry their grant sealed with AES-256-GCM, so
// that the authorization endpoint writes nothing: the store sees a code only
// when it is redeemed, in the transaction that stores its tokens, and that
// record makes it single use. A replay, in time or after expiry, revokes
// what the code issued (RFC 6749 §4.1.2), through the code's digest that
// every token it issued carries.
package grants
