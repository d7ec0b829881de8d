package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/hubid/hubid/oidc"
)

// User is the signed-in user, from the provider's userinfo endpoint (which
// carries HF's extras, isPro and orgs, that the ID token lacks). Fields the
// granted scopes do not cover are empty: Name, Username, Picture and
// Profile need "profile", Email "email".
type User struct {
	// Sub is the user's id; it survives renames, so key your data on it.
	Sub string `json:"sub"`
	// Username is the handle (preferred_username), e.g. "julien-c".
	Username string `json:"username,omitempty"`
	// Name is the full name.
	Name string `json:"name,omitempty"`
	// Picture is the avatar's absolute URL.
	Picture string `json:"picture,omitempty"`
	// Profile is the user's page on the hub.
	Profile string `json:"profile,omitempty"`
	// Email is the address, with the email scope.
	Email string `json:"email,omitempty"`
	// EmailVerified says whether the provider verified Email.
	EmailVerified bool `json:"email_verified,omitempty"`
	// IsPro is HF's isPro.
	IsPro bool `json:"is_pro,omitempty"`
	// Orgs are the organizations the user belongs to.
	Orgs []Org `json:"orgs,omitempty"`
}

// Org is an organization the user belongs to.
type Org struct {
	// Sub is the org's id: the value for the orgIds authorization parameter.
	Sub string `json:"sub"`
	// Name is the org's handle (HF's preferred_username), e.g. "demo-org":
	// the name hf_oauth_authorized_org and RequireOrg use.
	Name string `json:"name"`
	// FullName is the display name (HF's name).
	FullName string `json:"full_name,omitempty"`
	// Picture is the org's avatar URL.
	Picture string `json:"picture,omitempty"`
	// Plan is "team", "enterprise" or "".
	Plan string `json:"plan,omitempty"`
	// Role is the user's role (admin, write, contributor, read) in an org
	// the user granted the app on the consent page, and in every org when
	// the read-memberships scope was granted; else "".
	Role string `json:"role,omitempty"`
	// Granted says the user granted the app this org on the consent page
	// (or the app is restricted to it): the org-reaching scopes
	// (read-repos, inference-api, …) apply to it. The provider discloses the
	// role only of granted orgs, so Granted is known from it unless the
	// read-memberships scope was granted as well (then every org has a role
	// and Granted is false for all; ask without read-memberships to tell).
	Granted bool `json:"granted,omitempty"`
}

// InOrg reports whether the user belongs to the org with that handle
// (case-insensitive) or id.
func (u *User) InOrg(name string) bool {
	if u == nil || name == "" {
		return false
	}
	for _, o := range u.Orgs {
		if strings.EqualFold(o.Name, name) || o.Sub == name {
			return true
		}
	}
	return false
}

// Token is the signed-in user's access token, for calls to the hub's API
// on their behalf (Authorization: Bearer).
type Token struct {
	// AccessToken is the bearer token (hf_oauth_… on HF).
	AccessToken string
	// Scopes are the scopes the provider granted.
	Scopes []string
	// Expiry is when the access token stops working; zero when the provider
	// did not say. A SignIn never hands out an expired token.
	Expiry time.Time
}

// HasScope reports whether scope was granted.
func (t *Token) HasScope(scope string) bool { return t != nil && slices.Contains(t.Scopes, scope) }

// session is what the Store keeps for a signed-in browser.
type session struct {
	User         User      `json:"user"`
	AccessToken  string    `json:"at"`
	TokenType    string    `json:"tt,omitempty"`
	RefreshToken string    `json:"rt,omitempty"`
	IDToken      string    `json:"idt,omitempty"`
	Scopes       []string  `json:"scope"`
	Expiry       time.Time `json:"exp,omitzero"`
	Created      time.Time `json:"at_login"`
}

func sessionKey(id string) string { return "session/" + digest(id) }

// refreshMargin: a token expiring sooner than this is refreshed before it
// is handed out, so a handler never gets one about to die.
const refreshMargin = time.Minute

// refreshTimeout bounds a refresh (token request and userinfo).
const refreshTimeout = 30 * time.Second

// storeExpiry is when the session's store entry (and cookie) ends: with a
// refresh token, the session lifetime since login; without, the access
// token's expiry.
func (s *SignIn) storeExpiry(sess *session) time.Time {
	end := sess.Created.Add(s.cfg.SessionLifetime)
	if sess.RefreshToken == "" && !sess.Expiry.IsZero() && sess.Expiry.Before(end) {
		return sess.Expiry
	}
	return end
}

// startSession stores sess under a new id and sets the session cookie,
// replacing (and deleting) the session the browser had.
func (s *SignIn) startSession(w http.ResponseWriter, r *http.Request, o origin, sess *session) error {
	if _, oldKey := s.readSession(r, o); oldKey != "" {
		s.cfg.Store.Delete(r.Context(), oldKey)
	}
	id := randomToken(32)
	b, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	until := s.storeExpiry(sess)
	if err := s.cfg.Store.Put(r.Context(), sessionKey(id), b, until); err != nil {
		return err
	}
	http.SetCookie(w, s.newCookie(o, s.cfg.Cookie.Name, id, until.Sub(s.cfg.Now())))
	return nil
}

// clearSessionCookies expires the session cookie under both names.
func (s *SignIn) clearSessionCookies(w http.ResponseWriter, r *http.Request, o origin) {
	s.clearCookie(w, o, s.cfg.Cookie.Name)
	if o.secure() {
		if _, err := r.Cookie(s.cfg.Cookie.Name); err == nil {
			s.clearRaw(w, origin{scheme: "http", host: o.host}, s.cfg.Cookie.Name)
		}
	}
}

// readSession returns the stored session the request's cookie points to,
// as stored (expired or not), and its store key; nil and "" when there is
// none.
func (s *SignIn) readSession(r *http.Request, o origin) (*session, string) {
	id, ok := readCookie(r, s.cfg.Cookie.Name, o)
	if !ok || !validToken(id, 32) {
		return nil, ""
	}
	key := sessionKey(id)
	b, err := s.cfg.Store.Get(r.Context(), key)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			s.log.ErrorContext(r.Context(), "signin: read session", "err", err)
		}
		return nil, ""
	}
	var sess session
	if err := json.Unmarshal(b, &sess); err != nil {
		return nil, key
	}
	return &sess, key
}

// ctxKey carries a request's live session (a *signedIn) from RequireLogin
// and RequireOrg to the handler and to UserFrom and TokenFrom.
type ctxKey struct{}

// signedIn is a live session and its store key.
type signedIn struct {
	sess *session
	key  string
}

// fromContext returns the session a middleware put in ctx, or nil.
func fromContext(ctx context.Context) *signedIn {
	si, _ := ctx.Value(ctxKey{}).(*signedIn)
	return si
}

// current returns the request's live session and its store key:
// expired means signed out, except that a session with a refresh token is
// refreshed first. It is nil when nobody is signed in.
func (s *SignIn) current(r *http.Request) *signedIn {
	if si := fromContext(r.Context()); si != nil {
		return si
	}
	o, err := s.originFor(r)
	if err != nil {
		return nil
	}
	sess, key := s.readSession(r, o)
	if sess == nil {
		return nil
	}
	if sess = s.live(r.Context(), sess, key); sess == nil {
		return nil
	}
	return &signedIn{sess: sess, key: key}
}

// live checks the session's lifetimes and refreshes its token when it is
// about to expire and can be refreshed. It returns nil when signed out.
func (s *SignIn) live(ctx context.Context, sess *session, key string) *session {
	now := s.cfg.Now()
	if !now.Before(sess.Created.Add(s.cfg.SessionLifetime)) {
		s.cfg.Store.Delete(ctx, key)
		return nil
	}
	if sess.Expiry.IsZero() || now.Before(sess.Expiry.Add(-refreshMargin)) {
		return sess
	}
	if sess.RefreshToken != "" {
		if fresh := s.refresh(ctx, key); fresh != nil {
			return fresh
		}
	}
	if now.Before(sess.Expiry) {
		return sess // within the margin, and no refresh possible: still valid
	}
	return nil
}

// refresh renews the session's access token with its refresh token, once
// per session at a time: concurrent requests wait and see the result, so a
// rotating refresh token is used only once.
func (s *SignIn) refresh(ctx context.Context, key string) *session {
	// A browser that gives up must not abandon a rotation half done: the
	// provider would have retired the old refresh token.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	unlock := s.sessions.lock(key)
	defer unlock()
	b, err := s.cfg.Store.Get(ctx, key)
	if err != nil {
		return nil
	}
	var sess session
	if json.Unmarshal(b, &sess) != nil {
		return nil
	}
	now := s.cfg.Now()
	if !sess.Expiry.IsZero() && now.Before(sess.Expiry.Add(-refreshMargin)) {
		return &sess // another request refreshed it while we waited
	}
	if sess.RefreshToken == "" {
		return nil
	}
	src := s.oauth.TokenSource(s.clientContext(ctx), &oauth2.Token{RefreshToken: sess.RefreshToken})
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == string(oidc.CodeInvalidGrant) {
			// Revoked, expired or already used: the session is over.
			s.log.InfoContext(ctx, "signin: refresh token refused; signing out", "sub", sess.User.Sub)
			s.cfg.Store.Delete(ctx, key)
		} else {
			s.log.WarnContext(ctx, "signin: refresh failed", "err", err)
		}
		return nil
	}
	s.seen()
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		// OpenID Connect Core §12.2: same iss and sub; no nonce to check.
		idt, err := s.verifier.Verify(s.clientContext(ctx), raw)
		if err != nil || idt.Subject != sess.User.Sub {
			s.log.WarnContext(ctx, "signin: refreshed ID token rejected", "err", err)
			return nil
		}
		sess.IDToken = raw
	}
	sess.AccessToken = tok.AccessToken
	sess.TokenType = tok.TokenType
	if tok.RefreshToken != "" {
		sess.RefreshToken = tok.RefreshToken // rotated
	}
	sess.Scopes = grantedScopes(tok, sess.Scopes)
	sess.Expiry = expiry(tok, now)
	if info, err := s.userinfo(ctx, tok.AccessToken); err == nil && info.Sub == sess.User.Sub {
		sess.User = userFrom(info, sess.Scopes) // orgs may have changed
	}
	nb, _ := json.Marshal(&sess)
	if err := s.cfg.Store.Put(ctx, key, nb, s.storeExpiry(&sess)); err != nil {
		s.log.ErrorContext(ctx, "signin: store refreshed session", "err", err)
	}
	return &sess
}

// User returns the signed-in user of the request, or nil when nobody is
// signed in or the session expired (a refreshable session is refreshed
// first). It works on any request; under RequireLogin or RequireOrg it is
// UserFrom(r.Context()). The result is a copy.
func (s *SignIn) User(r *http.Request) *User {
	return s.current(r).user()
}

// Token returns the signed-in user's access token, or nil when nobody is
// signed in. It is never expired. It works on any request; under
// RequireLogin or RequireOrg it is TokenFrom(r.Context()). For calls to
// the hub, Client refreshes the token when it expires during a long
// request.
func (s *SignIn) Token(r *http.Request) *Token {
	return s.current(r).token()
}

// UserFrom returns the signed-in user that RequireLogin or RequireOrg put
// in the request's context, for code that has only ctx (r.Context() or a
// context derived from it); nil outside those middlewares. The result is a
// copy.
func UserFrom(ctx context.Context) *User {
	return fromContext(ctx).user()
}

// TokenFrom returns the access token of the user that RequireLogin or
// RequireOrg put in the request's context; nil outside those middlewares.
// It was live when the middleware let the request through.
func TokenFrom(ctx context.Context) *Token {
	return fromContext(ctx).token()
}

func (si *signedIn) user() *User {
	if si == nil {
		return nil
	}
	u := si.sess.User
	u.Orgs = slices.Clone(u.Orgs)
	return &u
}

func (si *signedIn) token() *Token {
	if si == nil {
		return nil
	}
	return &Token{AccessToken: si.sess.AccessToken, Scopes: slices.Clone(si.sess.Scopes), Expiry: si.sess.Expiry}
}

// userinfo fetches the HF profile for an access token.
func (s *SignIn) userinfo(ctx context.Context, accessToken string) (*oidc.UserInfo, error) {
	endpoint := s.provider.UserInfoEndpoint()
	if endpoint == "" {
		return nil, errors.New("the provider advertises no userinfo_endpoint")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("userinfo: %s: %.200s", resp.Status, body)
	}
	var info oidc.UserInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	if info.Sub == "" {
		return nil, errors.New("userinfo: no sub")
	}
	return &info, nil
}

func userFrom(info *oidc.UserInfo, scopes []string) User {
	rolesOfAll := slices.Contains(scopes, oidc.ScopeReadMemberships)
	u := User{
		Sub: info.Sub, Username: info.PreferredUsername, Name: info.Name, Picture: info.Picture,
		Profile: info.Profile, Email: info.Email, IsPro: info.IsPro,
	}
	if info.EmailVerified != nil {
		u.EmailVerified = *info.EmailVerified
	}
	for _, o := range info.Orgs {
		u.Orgs = append(u.Orgs, Org{Sub: o.Sub, Name: o.PreferredUsername, FullName: o.Name, Picture: o.Picture, Plan: o.Plan, Role: o.RoleInOrg,
			Granted: o.RoleInOrg != "" && !rolesOfAll})
	}
	return u
}

// grantedScopes reads the scope the token response granted, or keeps
// fallback when it says none (RFC 6749 §5.1: then it is what was asked).
func grantedScopes(tok *oauth2.Token, fallback []string) []string {
	if sc, _ := tok.Extra("scope").(string); strings.TrimSpace(sc) != "" {
		return strings.Fields(sc)
	}
	return slices.Clone(fallback)
}

// expiry computes the access token's expiry from expires_in with the
// configured clock (x/oauth2 would use the wall clock).
func expiry(tok *oauth2.Token, now time.Time) time.Time {
	if tok.ExpiresIn > 0 {
		return now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return time.Time{}
}

// verifyIDToken checks an ID token from the code exchange: signature
// against the provider's JWKS (refetched on an unknown kid), iss, aud and
// exp by go-oidc with the leeway, then iat (not in the future beyond the
// leeway) and the nonce, which go-oidc leaves to the caller.
func (s *SignIn) verifyIDToken(ctx context.Context, raw, nonce string) (*gooidc.IDToken, error) {
	idt, err := s.verifier.Verify(s.clientContext(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("ID token: %w", err)
	}
	if idt.IssuedAt.After(s.cfg.Now().Add(s.cfg.Leeway)) {
		return nil, fmt.Errorf("ID token: issued in the future (iat %s)", idt.IssuedAt.UTC().Format(time.RFC3339))
	}
	if idt.Nonce == "" || !constantEqual(idt.Nonce, nonce) {
		return nil, errors.New("ID token: nonce does not match the one sent with this login")
	}
	return idt, nil
}
