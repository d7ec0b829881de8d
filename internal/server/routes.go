package server

import (
	"net/http"

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
		mux.Handle("OPTIONS "+path, httpx.CORS(http.HandlerFunc(methodNotAllowed)))
		mux.Handle(path, httpx.CORS(http.HandlerFunc(methodNotAllowed)))
	}
	api("/.well-known/openid-configuration", s.serveDiscovery, "GET")
	api("/oauth/jwks", s.serveJWKS, "GET")
	api("/oauth/token", s.token.ServeHTTP, "POST")
	api("/oauth/userinfo", s.serveUserinfo, "GET", "POST")
	api("/api/whoami-v2", s.serveWhoami, "GET")

	// Browser pages: strict headers; forms behind CrossOriginProtection.
	page := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, pageHeaders(h)) }
	form := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, pageHeaders(csrf.Handler(h))) }
	page("GET /oauth/authorize", s.serveAuthorize)
	form("POST /oauth/authorize", s.serveAuthorize)
	page("GET /login", s.serveLoginPage)
	form("POST /login", s.serveLogin)
	page("GET /logout", s.serveLogoutPage)
	form("POST /logout", s.serveLogout)
	page("GET /{$}", s.serveHome)
	page("/", s.serveNotFound)

	mux.Handle("GET /avatars/{file}", http.HandlerFunc(s.serveAvatar))
	mux.Handle("GET /static/", staticHandler())
	return mux
}

// methodNotAllowed answers a method an API endpoint does not serve.
func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	httpx.WriteError(w, r, oidc.InvalidRequest("method "+r.Method+" is not allowed on "+r.URL.Path).WithStatus(http.StatusMethodNotAllowed))
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
