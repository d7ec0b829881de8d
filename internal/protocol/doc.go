// Package protocol holds the pure rules of hubid's OAuth 2.0 / OpenID
// Connect dialect: parsing and validating authorization requests, the
// authorize decision (DecideAuthorize: login, consent, deny or issue),
// redirect-URI matching for authorize and logout, scope policy, PKCE,
// ID-token and userinfo claims, and lifetimes.
//
// Nothing here writes HTTP responses, reads storage or reads the clock: the
// callers pass values in and get values or *oidc.Error out. That keeps every
// rule table-testable and fuzzable. It may use the value types of
// internal/store, never a Store.
package protocol
