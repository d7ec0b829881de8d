// Package signin is "Sign in with HF" for any Go web app: the login,
// callback and logout routes, a login button, sessions that survive the
// Spaces iframe, expiry and refresh, RequireLogin / RequireOrg
// middleware, a hook at each login (Config.OnLogin) and an HTTP client
// for the hub's API on the user's behalf (Client). It works against
// huggingface.co and against a hubid provider alike, with no code change:
// only the issuer differs. APIs and MCP servers that accept the hub's
// access tokens use package signin/resource instead.
//
//	cfg, err := signin.FromEnv() // what hf_oauth: true gives a Space
//	s, err := signin.New(ctx, cfg)
//	mux := http.NewServeMux()
//	s.Register(mux) // /login/huggingface, /login/callback, /logout
//	mux.Handle("GET /me", s.RequireLogin(me)) // me calls signin.UserFrom(r.Context())
//
// # Middleware and accessors
//
// Every middleware of the SDK has one shape, func(http.Handler)
// http.Handler, so that it composes with any router or middleware chain.
// One without arguments is a method of that type (pass s.RequireLogin
// itself); one with arguments takes them and returns a middleware:
// s.RequireOrg("demo-org"), and rs.RequireScope("read-repos") in package
// resource.
//
//	mux.Handle("GET /me", s.RequireLogin(me))
//	mux.Handle("GET /team", s.RequireOrg("demo-org")(team))
//
// What a middleware learned about the request travels in the request's
// context, and an accessor named after it with "From" reads it back from
// any context derived from that one, so code far from the handler needs
// only ctx: UserFrom and TokenFrom here, resource.TokenInfoFrom there.
// s.User(r) and s.Token(r) also work on requests no middleware saw (a
// home page that greets a signed-in visitor), reading the session from
// the Store.
//
// # What it owns
//
// The package owns the relying-party side of the authorization-code flow
// (RFC 6749 §4.1) with OpenID Connect: PKCE S256 (RFC 7636) on every
// login, a fresh state and nonce per login, the ID token verified
// (signature against the provider's JWKS, refetched when a token names an
// unknown key id; iss, aud, exp and iat with a configurable leeway; the
// nonce always), and the provider's userinfo fetched for what HF puts only
// there (isPro, orgs). It owns the app's session: an opaque random id in a
// cookie, everything else (tokens, profile) in a server-side Store.
//
// It must not: import hubid's internal packages or any database driver (a
// test checks this), read configuration from a context (the HTTP client is
// Config.HTTPClient), trust X-Forwarded-* headers unless Config says so,
// fake a provider for local development (run "hubid dev" or "hubid space
// run": the real provider), or redirect anywhere but to same-origin paths
// and the provider's own endpoints.
//
// # The callback URL
//
// The callback URL (redirect_uri) must be one the provider accepts and the
// host the browser is on, or the flow cookie will not come back with it.
// The rule:
//
//  1. Config.RedirectURL, when set, is used as is.
//  2. The host is the request's Host when it is one of Config.Hosts
//     (SPACE_HOST, comma separated), else the first of them. With no
//     Hosts, the request's Host is used if it is loopback (localhost,
//     *.localhost, 127.0.0.1, [::1]); any other host gets an error page
//     asking for configuration.
//  3. A host that is not loopback always gets https: providers accept
//     plain http only on loopback, and Spaces terminate TLS in front of the
//     app, which itself sees plain http.
//  4. A loopback host gets the scheme the browser used: https when the
//     request came over TLS, or, with Config.TrustForwardedProto, when
//     X-Forwarded-Proto says https; else http. "hubid space run" serves
//     the Space host over both http and https through a proxy that sets
//     X-Forwarded-Proto, and FromEnv trusts that header when SYSTEM=spaces,
//     so a browser on http://127.0.0.1:PORT gets an http callback and one
//     on https://owner-name.localhost:PORT an https one.
//
// The path is Config.Prefix + "/login/callback" (or Config.CallbackPath).
// On Spaces that is https://{SPACE_HOST}/login/callback, which
// huggingface.co accepts for any Space app.
//
// # Cookies
//
// The session cookie holds only a random 256-bit id; the Store holds the
// tokens under its SHA-256. Each login in progress has its own small cookie
// named after a short hash of its state (hf_signin_flow_<16 hex>), bound to
// a server-side record of that state, nonce, PKCE verifier, return path and
// restart count, so two tabs signing in at once do not disturb each other.
//
// Over https the cookies are SameSite=None; Secure; Partitioned and named
// with the __Host- prefix: SameSite=None is what lets them work inside the
// Spaces iframe (a third-party context), Partitioned (CHIPS) keeps them
// working where third-party cookies are otherwise blocked, and __Host-
// stops a neighbouring host from planting one. Over plain http (local
// development on loopback) they are SameSite=Lax and not Secure, since
// browsers drop SameSite=None cookies that are not Secure.
//
// When the callback arrives without its flow cookie (lost in the iframe),
// the login is never completed, because that is also what a stolen
// callback URL looks like: it starts over, at most MaxRedirects times, and
// then sends the browser to the primary Space host at top level (for a
// framed request, a page with a link that opens a new tab, since a redirect
// would stay in the frame). If even that fails, a page says that cookies
// are blocked. Flow cookies that are undecodable or point to no login in
// progress are cleared, with the attributes they were set with, whenever
// they are seen by a login or a failed callback.
//
// # Logout
//
// The logout route deletes the session from the Store and expires its
// cookie. When the provider's discovery document advertises an
// end_session_endpoint (hubid does; huggingface.co does not), the browser
// then goes there (OpenID Connect RP-Initiated Logout 1.0) with
// id_token_hint, client_id, post_logout_redirect_uri =
// {origin}{Prefix}/logout and the page to land on as state; the provider
// signs the user out and sends the browser back to the logout route, which
// redirects to that page after checking it again. Space apps accept any
// URL on their hosts; other apps register {origin}{Prefix}/logout with the
// provider. Config.LocalLogout skips the provider.
//
// # Framed pages
//
// LoginButton opens the login in a new tab (target="_blank") when the page
// is inside a frame, as HF advises for Spaces, and in the same tab
// otherwise. The server can tell from the Sec-Fetch-Dest request header,
// which browsers set to "iframe" when they load a page into a frame.
//
// # Lifetimes
//
//	What                          Governs                                Default
//	access token (expires_in)     signed in until then                   the provider's (Spaces: hf_oauth_expiration_minutes, 8 h)
//	refresh token (if issued)     silent renewal at expiry               while the provider accepts it
//	Config.SessionLifetime        absolute cap on a refreshable session  30 days
//	FlowLifetime                  time to finish signing in              10 minutes
//	ID token exp                  checked once, at the callback          1 h (with Config.Leeway, 60 s)
//
// Expired means signed out in every handler: User, Token, Client,
// RequireLogin, RequireOrg and LoginButton all see the same session,
// refreshed first when the provider issued a refresh token (at most once
// at a time per session, so a rotating refresh token is not used twice),
// and saved refreshed. Client also refreshes the token when it expires
// during a long request.
//
// # Sessions and stores
//
// Sessions live in Config.Store, a MemoryStore by default (its zero value
// works too). Another Store (a database, Redis) lets sessions survive
// restarts and be shared by replicas; signintest.TestStore checks one
// against the rules the SDK relies on.
//
// # Local development and tests
//
// There is no mock mode. Run "hubid dev" (a provider with a demo user and
// app) or "hubid space run DIR -- go run ." (the Space environment, on
// your machine); package signintest starts a provider in-process for tests.
package signin
