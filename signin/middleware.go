package signin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/hubid/hubid/oidc"
)

// RequireLogin is a middleware (use s.RequireLogin itself as a
// func(http.Handler) http.Handler) that lets only signed-in users through
// to h; inside h,
// UserFrom and TokenFrom (with r.Context() or any context derived from
// it), and User and Token, return them at no extra cost. Others get, for a page request, a
// 303 to the login route that comes back to this page; for a request made
// by a script (Accept: application/json without text/html,
// X-Requested-With: XMLHttpRequest, or Sec-Fetch-Mode other than
// navigate) a 401 with a JSON body
// {"error":"login_required","error_description":…,"login_url":…}, since a
// redirect to the provider would only confuse fetch.
func (s *SignIn) RequireLogin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si := s.current(r)
		if si == nil {
			s.unauthorized(w, r)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, si)))
	})
}

// RequireOrg returns a middleware that is RequireLogin for members of the
// organization org (its handle, e.g. "demo-org", or its id):
//
//	mux.Handle("GET /team", s.RequireOrg("demo-org")(team))
//
// A signed-in user who is not a member gets a 403 page (JSON for scripts)
// that offers to sign in again, which picks up memberships granted since.
// Membership comes from the provider's userinfo orgs at sign-in and at
// each refresh.
func (s *SignIn) RequireOrg(org string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sess := fromContext(r.Context()).sess
			if sess.User.InOrg(org) {
				h.ServeHTTP(w, r)
				return
			}
			s.notMember(w, r, org, sess.User.Username)
		}))
	}
}

// notMember answers a signed-in user who is not a member of org.
func (s *SignIn) notMember(w http.ResponseWriter, r *http.Request, org, username string) {
	noStore(w)
	msg := fmt.Sprintf("Only members of the organization %s may open this page; @%s is not a member.", org, username)
	if username == "" {
		msg = fmt.Sprintf("Only members of the organization %s may open this page, and your account is not a member.", org)
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusForbidden, map[string]string{
			"error": string(oidc.CodeAccessDenied), "error_description": msg,
		})
		return
	}
	s.renderPage(w, r, http.StatusForbidden, page{
		Title: "Members only", Message: msg,
		Hint: "If you joined the organization recently, or did not grant it to this app when signing in, sign in again.",
		Link: s.loginURL(s.returnTarget(r.URL.RequestURI()), 0, false), LinkText: "Sign in again",
	})
}

// unauthorized answers a request that needs a signed-in user.
func (s *SignIn) unauthorized(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if o, err := s.originFor(r); err == nil {
		if _, ok := readCookie(r, s.cfg.Cookie.Name, o); ok {
			s.clearSessionCookies(w, r, o) // expired or unknown: drop it
		}
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error":             string(oidc.CodeLoginRequired),
			"error_description": "Sign in with HF first.",
			"login_url":         s.LoginPath(),
		})
		return
	}
	target := s.cfg.Prefix + "/"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target = s.returnTarget(r.URL.RequestURI())
	}
	http.Redirect(w, r, s.loginURL(target, 0, false), http.StatusSeeOther)
}

// writeJSON writes v with its headers set before the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
