package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/limits"
)

// Rate limits on browser pages (internal/limits): a limited request gets
// 429 with Retry-After and the error page. The token endpoint and device
// authorization answer 429 with JSON themselves (internal/grants).

// tooMany answers a limited page request.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, heading, message string) {
	ra := limits.RetryAfter(wait)
	w.Header().Set("Retry-After", ra)
	// Debug: a flood of refusals must not become a flood of log lines.
	s.log.DebugContext(r.Context(), "rate limited", "path", r.URL.Path, "ip", s.limits.ClientIP(r), "retry_after_s", ra)
	s.renderError(w, r, http.StatusTooManyRequests, errorPage{Heading: heading,
		Message: message, Hint: fmt.Sprintf("Try again in %s.", seconds(ra))})
}

func seconds(n string) string {
	if n == "1" {
		return "1 second"
	}
	return n + " seconds"
}

// limitAuthorize rate-limits the authorization endpoint per client IP.
func (s *Server) limitAuthorize(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := s.limits.Allow(limits.Key{Kind: limits.Authorize, Key: s.limits.ClientIP(r)}); !ok {
			s.tooMany(w, r, wait, "Too many requests", "Too many sign-in requests came from your network.")
			return
		}
		h(w, r)
	}
}

// takeLogin takes one sign-in attempt for username from the request's IP,
// per (username, IP) and per IP. The caller releases the hold when the
// password was right: only failures count. Keyed with the IP, guessing at
// a name never slows its owner down elsewhere.
func (s *Server) takeLogin(r *http.Request, username string) (*limits.Hold, time.Duration, bool) {
	ip := s.limits.ClientIP(r)
	return s.limits.Take(
		limits.Key{Kind: limits.LoginUserIP, Key: strings.ToLower(username) + " " + ip},
		limits.Key{Kind: limits.LoginIP, Key: ip})
}

// allowUserCode takes one user-code entry for the session and the
// request's IP, or answers 429 and returns false.
func (s *Server) allowUserCode(w http.ResponseWriter, r *http.Request, sess *session) bool {
	wait, ok := s.limits.Allow(
		limits.Key{Kind: limits.UserCodeSession, Key: string(sess.Hash[:])},
		limits.Key{Kind: limits.UserCodeIP, Key: s.limits.ClientIP(r)})
	if !ok {
		s.tooMany(w, r, wait, "Too many codes", "Too many device codes were entered from this session or your network.")
	}
	return ok
}
