// Package resource is the resource-server side of "Sign in with HF": an
// API (a repo API, an inference gateway, an MCP server) that accepts the
// hub's OAuth access tokens as bearer tokens. It checks each token, and
// its scopes, with the hub's introspection endpoint (RFC 7662),
// authenticating as a confidential app of its own (on hubid, one made with
// `hubid app create --resource-server`, so that it may introspect tokens
// issued to other apps), and caches the answers briefly.
//
//	rs, err := resource.New(ctx, resource.Config{
//		Issuer:       os.Getenv("OPENID_PROVIDER_URL"),
//		ClientID:     os.Getenv("OAUTH_CLIENT_ID"),
//		ClientSecret: os.Getenv("OAUTH_CLIENT_SECRET"),
//	})
//	mux.Handle("GET /api/repos", rs.RequireScope("read-repos")(repos))
//	mux.Handle("GET /api/orgs/acme/repos", rs.RequireScope("read-repos")(rs.RequireOrgAccess("acme")(orgRepos)))
//
// Scopes that reach organizations apply only to the orgs the user granted
// the app on the consent page: TokenInfo.Orgs lists them, and
// RequireOrgAccess refuses a token whose grant does not reach an org.
//
// # What it owns
//
// Bearer-token checks: the Authorization header read as RFC 6750 §2.1
// says, the token introspected (only access tokens, token_type "bearer",
// pass; a live refresh token is no bearer credential), its expiry, scopes
// and granted orgs checked, and the refusals answered with RFC 6750 §3's
// WWW-Authenticate header: 401 invalid_token, 403 insufficient_scope, and
// 503 when the hub cannot be reached.
//
// It must not: import hubid's internal packages or package signin's
// browser-session machinery (a test checks its dependencies: the standard
// library and package oidc only), or accept a token the hub did not
// vouch for within Config.CacheTTL.
package resource
