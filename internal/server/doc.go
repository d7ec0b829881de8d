// Package server is hubid's HTTP layer: routes.go is the one place where
// routes are wired; each endpoint has its own file; pages are html/template
// files embedded in the binary.
//
// Handlers parse, call internal/protocol for the rules and the store for
// state, and write. Browser pages (login, consent, settings) are behind
// http.CrossOriginProtection with a strict CSP and frame-ancestors 'none';
// the endpoints browsers call across origins (discovery, JWKS, token,
// userinfo, whoami) answer CORS. Nothing here logs a code, token, secret or
// password.
package server
