package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
)

// sessionCookie holds an opaque session id; the store keeps its digest.
// When the issuer is https it is named secureSessionCookie: browsers keep
// a __Host- cookie only when it is Secure, on Path=/ and without Domain,
// so neither a plain-http response nor a sibling host (a Space under a
// shared parent domain) can set or overwrite it. Moving an https hub to
// this name signed its users out once.
const (
	sessionCookie       = "hubid_session"
	secureSessionCookie = "__Host-hubid_session"
)

// cookieName is the session cookie's name on this hub.
func (s *Server) cookieName() string {
	if s.secure {
		return secureSessionCookie
	}
	return sessionCookie
}

// hsts adds Strict-Transport-Security to every answer of an https hub:
// a browser that has seen it never again talks plain http to the hub (no
// downgrade, no cookie over http). Not includeSubDomains: Spaces and
// other services may live under the hub's domain without TLS.
func (s *Server) hsts(h http.Handler) http.Handler {
	if !s.secure {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}

// session is the signed-in state of a request.
type session struct {
	store.Session
	User store.User
}

// currentSession returns the request's live browser session, or nil.
func (s *Server) currentSession(r *http.Request) (*session, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil, nil
	}
	sess, u, err := s.store.SessionWithUser(r.Context(), store.Hash(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return nil, nil
	}
	return &session{Session: sess, User: u}, nil
}

// startSession creates a session for user and sets its cookie, replacing
// the request's session if it has one.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, userID string) (*session, error) {
	if c, err := r.Cookie(s.cookieName()); err == nil && c.Value != "" && len(c.Value) <= 128 {
		if err := s.store.DeleteSession(ctx, store.Hash(c.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	id, digest := store.NewSecret("")
	now := s.now()
	ss := store.Session{Hash: digest, UserID: userID, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(protocol.SessionTTL)}
	if err := s.store.CreateSession(ctx, ss); err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(), Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(protocol.SessionTTL.Seconds()),
	})
	return &session{Session: ss}, nil
}

// endSession deletes the request's session and clears the cookie.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return nil
	}
	err = s.store.DeleteSession(r.Context(), store.Hash(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// safeNext returns next when it is a path on this hub, and "/" otherwise,
// so that the login form cannot be turned into an open redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n\t\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// sessionMAC binds a form to the browser session and to what it is about:
// an HMAC (with the server's CSRF key) over the session id's digest, the
// form's purpose and parts. A form posted from another session, or for
// other values, does not verify. Compare with hmac.Equal.
func (s *Server) sessionMAC(sess *session, purpose string, parts ...string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(hex.EncodeToString(sess.Hash[:])))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
