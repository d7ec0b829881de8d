package signin

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
)

// ErrNotSignedIn is Client's error when nobody is signed in, and wrapped
// in the error of a request made with its client when the session ended
// since (it reached Config.SessionLifetime, or its token expired and could
// not be refreshed).
var ErrNotSignedIn = errors.New("signin: not signed in")

// Client returns an HTTP client for calls to the hub's API on behalf of
// the request's signed-in user, such as GET Issuer+"/api/whoami-v2". It
// sends the user's access token (Authorization: Bearer) with each request
// and, when the token is about to expire, first refreshes it with the
// session's refresh token and saves the new one in the session, so the
// browser's next request finds it there and does not refresh again. A
// refresh is shared with the middlewares and with other clients of the
// same session: at most one at a time per session.
//
// It works under RequireLogin and RequireOrg and on any other request;
// with nobody signed in it returns ErrNotSignedIn. The client is
// Config.HTTPClient (its timeout and transport) with the token added.
// The token goes with every request the client makes, redirects to other
// hosts included, so use it for the hub only. Make one per request.
func (s *SignIn) Client(r *http.Request) (*http.Client, error) {
	si := s.current(r)
	if si == nil {
		return nil, ErrNotSignedIn
	}
	c := *s.cfg.HTTPClient
	c.Transport = &oauth2.Transport{
		Source: &sessionTokens{s: s, ctx: context.WithoutCancel(r.Context()), key: si.key, sess: si.sess},
		Base:   s.cfg.HTTPClient.Transport,
	}
	return &c, nil
}

// sessionTokens is the oauth2.TokenSource of a Client: the session's
// access token, renewed as the middlewares renew it (live, refresh),
// with the configured clock. It keeps no token of its own beyond the
// session last seen, so the Store stays the one place of truth.
type sessionTokens struct {
	s   *SignIn
	ctx context.Context // the request's values; never cancelled
	key string

	mu   sync.Mutex
	sess *session
}

// Token returns the session's access token, refreshed first when it is
// about to expire.
func (ts *sessionTokens) Token() (*oauth2.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	sess := ts.s.live(ts.ctx, ts.sess, ts.key)
	if sess == nil {
		return nil, ErrNotSignedIn
	}
	ts.sess = sess
	return &oauth2.Token{AccessToken: sess.AccessToken, TokenType: sess.TokenType, Expiry: sess.Expiry}, nil
}
