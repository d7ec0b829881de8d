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
const sessionCookie = "hubid_session"

// session is the signed-in state of a request.
type session struct {
	store.Session
	User store.User
}

// currentSession returns the request's live browser session, or nil.
func (s *Server) currentSession(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
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
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
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
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(protocol.SessionTTL.Seconds()),
	})
	return &session{Session: ss}, nil
}

// endSession deletes the request's session and clears the cookie.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	c, err := r.Cookie(sessionCookie)
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
