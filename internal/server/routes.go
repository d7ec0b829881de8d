package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/oidc"
)

// routes is the one place where routes are wired.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	csrf := http.NewCrossOriginProtection()

	// API endpoints browsers call across origins: CORS, JSON errors, and a
	// JSON 405 for other methods.
	api := func(path string, h http.HandlerFunc, methods ...string) {
		for _, m := range methods {
			mux.Handle(m+" "+path, httpx.CORS(h))
		}
		notAllowed := methodNotAllowed(allowHeader(methods))
		mux.Handle("OPTIONS "+path, httpx.CORS(notAllowed))
		mux.Handle(path, httpx.CORS(notAllowed))
	}
	api("/.well-known/openid-configuration", s.serveDiscovery, "GET")
	api("/.well-known/oauth-authorization-server", s.serveAuthorizationServer, "GET")
	api("/oauth/register", s.serveRegister, "POST")
	api("/oauth/jwks", s.serveJWKS, "GET")
	api("/oauth/token", s.token.ServeHTTP, "POST")
	api("/oauth/userinfo", s.serveUserinfo, "GET", "POST")
	api("/oauth/revoke", s.token.ServeRevoke, "POST")
	api("/oauth/introspect", s.token.ServeIntrospect, "POST")
	api("/api/whoami-v2", s.serveWhoami, "GET")
	api("/api/credentials/revoke", s.serveCredentialsRevoke, "POST")
	mux.Handle("PUT /api/spaces/{owner}/{name}", http.HandlerFunc(s.serveSpaceSync))
	mux.Handle("DELETE /api/spaces/{owner}/{name}", http.HandlerFunc(s.serveSpaceDelete))

	// Browser pages: strict headers; forms behind CrossOriginProtection.
	page := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, pageHeaders(h)) }
	form := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, pageHeaders(csrf.Handler(h))) }
	page("GET /oauth/authorize", s.limitAuthorize(s.serveAuthorize))
	form("POST /oauth/authorize", s.limitAuthorize(s.serveAuthorize))
	// /oauth/device is an API and a page at once, as on huggingface.co:
	// POST is device authorization (RFC 8628, CORS, JSON errors), GET the
	// page where people type the code. Wired by hand: api() would also take
	// the method-less pattern and answer GET with a JSON 405.
	mux.Handle("POST /oauth/device", httpx.CORS(http.HandlerFunc(s.token.ServeDeviceAuthorization)))
	mux.Handle("OPTIONS /oauth/device", httpx.CORS(methodNotAllowed("GET, HEAD, POST")))
	page("GET /oauth/device", s.serveDevice)
	page("/oauth/device", s.pageMethodNotAllowed("GET, HEAD, POST"))
	form("POST /oauth/device/confirm", s.serveDeviceConfirm)
	form("POST /oauth/device/decision", s.serveDeviceDecision)
	page("/oauth/device/confirm", s.pageMethodNotAllowed("POST"))
	page("/oauth/device/decision", s.pageMethodNotAllowed("POST"))
	page("GET /login", s.serveLoginPage)
	form("POST /login", s.serveLogin)
	page("GET /logout", s.serveLogoutPage)
	// RP-initiated logout: an RP may POST here from its own origin, so no
	// CrossOriginProtection; signing out needs a valid id_token_hint or the
	// session-bound confirmation form.
	page("GET /oauth/logout", s.serveLogoutEndpoint)
	page("POST /oauth/logout", s.serveLogoutEndpoint)
	form("POST /logout", s.serveLogout)
	page("GET /settings/connected-applications", s.serveConnectedApps)
	form("POST /settings/connected-applications/revoke", s.serveRevokeApp)
	form("POST /settings/connected-applications/orgs", s.serveAppOrgs)
	page("GET /settings/tokens", s.serveTokens)
	form("POST /settings/tokens/create", s.serveCreateToken)
	form("POST /settings/tokens/revoke", s.serveRevokeToken)
	form("POST /settings/tokens/rotate", s.serveRotateToken)
	page("GET /settings/password", s.servePasswordPage)
	form("POST /settings/password", s.serveChangePassword)
	page("GET /{$}", s.serveHome)
	if s.devClientID != "" {
		page("GET "+DevCallbackPath, s.serveDevCallback)
	}
	// Other methods on a page get a 405 page, not the catch-all's 404.
	for _, path := range []string{"/oauth/authorize", "/login", "/logout"} {
		page(path, s.pageMethodNotAllowed(allowHeader([]string{"GET", "POST"})))
	}
	page("/{$}", s.pageMethodNotAllowed(allowHeader([]string{"GET"})))
	page("/", s.serveNotFound)

	mux.Handle("GET /avatars/{file}", http.HandlerFunc(s.serveAvatar))
	mux.Handle("GET /static/", staticHandler())
	return s.hsts(httpx.WithLogger(mux, s.log))
}

// allowHeader is the Allow header for a route serving methods; a GET route
// also serves HEAD.
func allowHeader(methods []string) string {
	var out []string
	for _, m := range methods {
		out = append(out, m)
		if m == http.MethodGet {
			out = append(out, http.MethodHead)
		}
	}
	return strings.Join(out, ", ")
}

// methodNotAllowed answers a method an API endpoint does not serve: a JSON
// 405 with the Allow header RFC 9110 §15.5.6 requires.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		httpx.WriteError(w, r, oidc.InvalidRequest("method "+r.Method+" is not allowed on "+r.URL.Path).WithStatus(http.StatusMethodNotAllowed))
	}
}

// pageMethodNotAllowed answers a method a page does not serve.
func (s *Server) pageMethodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.renderError(w, r, http.StatusMethodNotAllowed, errorPage{Heading: "Method not allowed",
			Message: fmt.Sprintf("%s is not allowed on %s; use %s.", r.Method, r.URL.Path, allow)})
	}
}

// pageHeaders sets the security headers of every HTML page: a CSP that
// allows only our stylesheet and images, no framing (clickjacking on login
// and consent), no referrer (authorize URLs carry state), no caching.
func pageHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data: https:; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}
