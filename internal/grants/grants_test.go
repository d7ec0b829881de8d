package grants

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

const (
	confID     = "conf-app"
	confSecret = "hf_oauth_secret_conf"
	pubID      = "pub-app"
	aliceID    = "alice-id"
	redirect   = "https://app.example/login/callback"
	// verifier and its S256 challenge, BASE64URL(SHA256(verifier)).
	verifier  = "dBjftJeZ4CVP-mJ92ZYWy9yA5wPjhEKhaj1tgCNbJrw"
	challenge = "MQYuOam4VDTEhqG8SxoIdCuHdlPeDc1c1CFjv1wcyJo"
)

// tokenEnv is a token endpoint over a fake store, with a confidential and
// a public app and one user.
type tokenEnv struct {
	t     *testing.T
	st    *fakeStore
	clock *fakeClock
	codes *Codes
	h     *Handler
}

func newTokenEnv(t *testing.T) *tokenEnv {
	t.Helper()
	clock := &fakeClock{t: t0}
	st := newFakeStore()
	st.users[aliceID] = store.User{ID: aliceID, Username: "alice", FullName: "Alice", Email: "alice@example.com", EmailVerified: true}
	st.apps[confID] = store.App{ClientID: confID, Name: "conf", SecretHash: store.Hash(confSecret),
		RedirectURIs: []string{redirect}, Scopes: []string{"email", "read-repos"}, RefreshTokens: true}
	st.apps[pubID] = store.App{ClientID: pubID, Name: "pub", Public: true, RedirectURIs: []string{redirect}, Scopes: []string{"email"}, RefreshTokens: true}
	codes := newCodes(t, testKey)
	minter := &Minter{Issuer: "https://hub.test", Signer: fakeSigner{}, Now: clock.Now}
	h := NewHandler(st, "https://hub.test", clock.Now,
		AuthorizationCode{Store: st, Minter: minter, Codes: codes},
		RefreshToken{Store: st, Minter: minter},
		DeviceCode{Store: st, Minter: minter},
	)
	return &tokenEnv{t: t, st: st, clock: clock, codes: codes, h: h}
}

// code seals a code for client, issued now, with the given PKCE challenge.
func (e *tokenEnv) code(client, challenge string) string {
	e.t.Helper()
	now := e.clock.Now()
	c, _, err := e.codes.Seal(store.AuthCode{ClientID: client, UserID: aliceID, RedirectURI: redirect,
		Scopes: []string{"openid", "profile", "email"}, Nonce: "n", CodeChallenge: challenge,
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(protocol.CodeTTL)})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// auth says how a test request authenticates.
type auth struct{ basicID, basicSecret string }

var (
	asConf = auth{confID, confSecret}
	noAuth = auth{}
)

// post sends form to path and returns the status and the decoded answer.
func (e *tokenEnv) post(path string, form url.Values, a auth) (int, map[string]any) {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a.basicID != "" {
		r.SetBasicAuth(url.QueryEscape(a.basicID), url.QueryEscape(a.basicSecret))
	}
	w := httptest.NewRecorder()
	switch path {
	case "/oauth/token":
		e.h.ServeHTTP(w, r)
	case "/oauth/revoke":
		e.h.ServeRevoke(w, r)
	case "/oauth/introspect":
		e.h.ServeIntrospect(w, r)
	case "/oauth/device":
		e.h.ServeDeviceAuthorization(w, r)
	default:
		e.t.Fatalf("no endpoint %s", path)
	}
	var body map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			e.t.Fatalf("%s answered %d with no JSON: %q", path, w.Code, w.Body)
		}
	}
	return w.Code, body
}

// wantError checks an OAuth error answer.
func wantError(t *testing.T, status int, body map[string]any, wantStatus int, code oidc.ErrorCode, desc string) {
	t.Helper()
	if status != wantStatus || body["error"] != string(code) || !strings.Contains(body["error_description"].(string), desc) {
		t.Errorf("got %d %v, want %d %s containing %q", status, body, wantStatus, code, desc)
	}
}

// TestPolicies: every grant and endpoint enforces its declared client and
// parameter policy through the handler, in order: client authentication,
// required parameters, then the client rule.
func TestPolicies(t *testing.T) {
	e := newTokenEnv(t)
	tests := []struct {
		name   string
		path   string
		form   url.Values
		auth   auth
		status int
		code   oidc.ErrorCode
		desc   string
	}{
		{"wrong-secret-first", "/oauth/token", url.Values{"grant_type": {"refresh_token"}}, auth{confID, "nope"}, 401, oidc.CodeInvalidClient, "wrong client secret"},
		{"unknown-client", "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"nobody"}}, noAuth, 401, oidc.CodeInvalidClient, "unknown client"},
		{"public-with-secret", "/oauth/token", url.Values{"grant_type": {"refresh_token"}}, auth{pubID, "x"}, 401, oidc.CodeInvalidClient, "public client"},

		{"code-missing", "/oauth/token", url.Values{"grant_type": {"authorization_code"}}, asConf, 400, oidc.CodeInvalidRequest, "code is missing"},
		{"code-redirect-missing", "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, asConf, 400, oidc.CodeInvalidRequest, "redirect_uri is missing"},

		{"refresh-token-missing", "/oauth/token", url.Values{"grant_type": {"refresh_token"}}, noAuth, 400, oidc.CodeInvalidRequest, "refresh_token is missing"},
		{"refresh-no-client", "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, noAuth, 400, oidc.CodeInvalidRequest, "client_id is missing"},
		{"refresh-confidential-unauthenticated", "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {confID}}, noAuth, 401, oidc.CodeInvalidClient, "client authentication is required for this client"},
		{"refresh-public-passes-policy", "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {pubID}}, noAuth, 400, oidc.CodeInvalidGrant, "refresh token is invalid"},
		{"refresh-unknown-scope", "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "scope": {"nope"}}, asConf, 400, oidc.CodeInvalidScope, "unknown scope"},

		{"device-code-missing", "/oauth/token", url.Values{"grant_type": {oidc.GrantDeviceCode}}, noAuth, 400, oidc.CodeInvalidRequest, "device_code is missing"},
		{"device-code-no-client", "/oauth/token", url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {"x"}}, noAuth, 400, oidc.CodeInvalidRequest, "client_id is missing"},
		{"device-code-confidential-unauthenticated", "/oauth/token", url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {"x"}, "client_id": {confID}}, noAuth, 401, oidc.CodeInvalidClient, "client authentication is required"},

		{"device-authorization-no-client", "/oauth/device", url.Values{}, noAuth, 401, oidc.CodeInvalidClient, "client_id is missing"},
		{"device-authorization-unauthenticated", "/oauth/device", url.Values{"client_id": {confID}}, noAuth, 401, oidc.CodeInvalidClient, "this app has a client secret"},
		{"device-authorization-unknown-scope", "/oauth/device", url.Values{"client_id": {pubID}, "scope": {"nope"}}, noAuth, 400, oidc.CodeInvalidRequest, "unknown scope"},
		{"device-authorization-scope-not-given", "/oauth/device", url.Values{"client_id": {pubID}, "scope": {"read-repos"}}, noAuth, 400, oidc.CodeInvalidScope, "read-repos"},

		{"revoke-no-client", "/oauth/revoke", url.Values{"token": {"x"}}, noAuth, 401, oidc.CodeInvalidClient, "client authentication is required"},
		{"revoke-unauthenticated", "/oauth/revoke", url.Values{"token": {"x"}, "client_id": {confID}}, noAuth, 401, oidc.CodeInvalidClient, "required for this client"},
		{"revoke-token-missing", "/oauth/revoke", url.Values{"client_id": {pubID}}, noAuth, 400, oidc.CodeInvalidRequest, "token is missing"},

		{"introspect-public", "/oauth/introspect", url.Values{"token": {"x"}, "client_id": {pubID}}, noAuth, 401, oidc.CodeInvalidClient, "confidential client"},
		{"introspect-no-client", "/oauth/introspect", url.Values{"token": {"x"}}, noAuth, 401, oidc.CodeInvalidClient, "confidential client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.post(tt.path, tt.form, tt.auth)
			wantError(t, status, body, tt.status, tt.code, tt.desc)
		})
	}
}

func TestAuthorizationCode(t *testing.T) {
	form := func(code string, extra ...string) url.Values {
		v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	t.Run("confidential", func(t *testing.T) {
		e := newTokenEnv(t)
		status, body := e.post("/oauth/token", form(e.code(confID, "")), asConf)
		if status != 200 || !strings.HasPrefix(body["access_token"].(string), PrefixAccessToken) || body["id_token"] != "signed-with-RS256" ||
			body["scope"] != "openid profile email" || body["refresh_token"] == nil {
			t.Fatalf("%d %v", status, body)
		}
	})
	t.Run("huggingface.js-pkce-without-client", func(t *testing.T) {
		e := newTokenEnv(t)
		status, body := e.post("/oauth/token", form(e.code(confID, challenge), "code_verifier", verifier), noAuth)
		if status != 200 || body["access_token"] == nil {
			t.Fatalf("%d %v", status, body)
		}
	})
	t.Run("public-pkce", func(t *testing.T) {
		e := newTokenEnv(t)
		status, body := e.post("/oauth/token", form(e.code(pubID, challenge), "code_verifier", verifier, "client_id", pubID), noAuth)
		if status != 200 || body["access_token"] == nil {
			t.Fatalf("%d %v", status, body)
		}
	})
	errs := []struct {
		name   string
		client string
		chall  string
		extra  []string
		auth   auth
		edit   func(*tokenEnv)
		status int
		code   oidc.ErrorCode
		desc   string
	}{
		{"no-client-no-pkce", confID, "", nil, noAuth, nil, 401, oidc.CodeInvalidClient, "client authentication is required: send Authorization"},
		{"confidential-named-unauthenticated", confID, "", []string{"client_id", confID}, noAuth, nil, 401, oidc.CodeInvalidClient, "required for this client"},
		{"other-client", pubID, challenge, []string{"code_verifier", verifier}, asConf, nil, 400, oidc.CodeInvalidGrant, "another client"},
		{"verifier-missing", confID, challenge, nil, asConf, nil, 400, oidc.CodeInvalidGrant, "code_verifier is missing"},
		{"verifier-wrong", confID, challenge, []string{"code_verifier", strings.Repeat("a", 43)}, asConf, nil, 400, oidc.CodeInvalidGrant, "does not match"},
		{"verifier-without-challenge", confID, "", []string{"code_verifier", verifier}, asConf, nil, 400, oidc.CodeInvalidGrant, "no code_challenge"},
		{"redirect-mismatch", confID, "", []string{"redirect_uri", redirect + "?x"}, asConf, nil, 400, oidc.CodeInvalidGrant, "redirect_uri does not match"},
		{"garbage", "", "", nil, asConf, nil, 400, oidc.CodeInvalidGrant, "invalid or has expired"},
		{"expired", confID, "", nil, asConf, func(e *tokenEnv) { e.clock.Add(protocol.CodeTTL) }, 400, oidc.CodeInvalidGrant, "has expired"},
		{"app-disabled", confID, challenge, []string{"code_verifier", verifier}, noAuth, func(e *tokenEnv) {
			a := e.st.apps[confID]
			a.Disabled = true
			e.st.apps[confID] = a
		}, 401, oidc.CodeInvalidClient, "disabled"},
		{"user-gone", confID, "", nil, asConf, func(e *tokenEnv) { delete(e.st.users, aliceID) }, 400, oidc.CodeInvalidGrant, "no longer exists"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			e := newTokenEnv(t)
			code := "not-a-code"
			if tt.client != "" {
				code = e.code(tt.client, tt.chall)
			}
			if tt.edit != nil {
				tt.edit(e)
			}
			status, body := e.post("/oauth/token", form(code, tt.extra...), tt.auth)
			wantError(t, status, body, tt.status, tt.code, tt.desc)
			if n := e.st.live(); n != 0 {
				t.Errorf("%d live tokens after a refused exchange", n)
			}
		})
	}
	t.Run("replay-revokes", func(t *testing.T) {
		e := newTokenEnv(t)
		code := e.code(confID, "")
		if status, body := e.post("/oauth/token", form(code), asConf); status != 200 {
			t.Fatalf("%d %v", status, body)
		}
		if e.st.live() != 2 {
			t.Fatalf("%d live tokens after the first redemption, want 2", e.st.live())
		}
		status, body := e.post("/oauth/token", form(code), asConf)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "already used")
		if n := e.st.live(); n != 0 {
			t.Errorf("%d live tokens after a replay, want them revoked", n)
		}
	})
	t.Run("late-replay-revokes", func(t *testing.T) {
		e := newTokenEnv(t)
		code := e.code(confID, "")
		e.post("/oauth/token", form(code), asConf)
		e.clock.Add(time.Hour)
		// Whoever holds the code without the client's secret revokes
		// nothing.
		status, body := e.post("/oauth/token", form(code), noAuth)
		wantError(t, status, body, 401, oidc.CodeInvalidClient, "client authentication is required")
		status, body = e.post("/oauth/token", form(code, "client_id", confID, "code_verifier", verifier), noAuth)
		if status == 200 || e.st.live() != 2 {
			t.Fatalf("a late replay without the client's secret: %d %v, %d live tokens, want 2", status, body, e.st.live())
		}
		status, body = e.post("/oauth/token", form(code), asConf)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "expired")
		if n := e.st.live(); n != 0 {
			t.Errorf("%d live tokens after a late replay, want them revoked", n)
		}
	})
	t.Run("late-replay-pkce", func(t *testing.T) {
		e := newTokenEnv(t)
		code := e.code(pubID, challenge)
		if status, body := e.post("/oauth/token", form(code, "code_verifier", verifier), noAuth); status != 200 {
			t.Fatalf("%d %v", status, body)
		}
		e.clock.Add(time.Hour)
		// The public client's id is no proof: its PKCE verifier is.
		status, body := e.post("/oauth/token", form(code, "client_id", pubID), noAuth)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "code_verifier is missing")
		if e.st.live() != 2 {
			t.Fatalf("a late replay without the verifier left %d live tokens, want 2", e.st.live())
		}
		status, body = e.post("/oauth/token", form(code, "code_verifier", verifier), noAuth)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "expired")
		if n := e.st.live(); n != 0 {
			t.Errorf("%d live tokens after a late replay with the verifier, want them revoked", n)
		}
	})
}

func TestRefreshToken(t *testing.T) {
	// login redeems a code for the confidential app and returns the
	// refresh token.
	login := func(e *tokenEnv) string {
		t.Helper()
		status, body := e.post("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {e.code(confID, "")}, "redirect_uri": {redirect}}, asConf)
		if status != 200 {
			t.Fatalf("%d %v", status, body)
		}
		return body["refresh_token"].(string)
	}
	refresh := func(e *tokenEnv, rt string, extra ...string) (int, map[string]any) {
		v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return e.post("/oauth/token", v, asConf)
	}
	t.Run("rotates", func(t *testing.T) {
		e := newTokenEnv(t)
		rt := login(e)
		status, body := refresh(e, rt)
		if status != 200 || body["refresh_token"] == rt || body["scope"] != "openid profile email" {
			t.Fatalf("%d %v", status, body)
		}
	})
	t.Run("narrows", func(t *testing.T) {
		e := newTokenEnv(t)
		status, body := refresh(e, login(e), "scope", "openid")
		if status != 200 || body["scope"] != "openid" {
			t.Fatalf("%d %v", status, body)
		}
	})
	t.Run("never-widens", func(t *testing.T) {
		e := newTokenEnv(t)
		status, body := refresh(e, login(e), "scope", "openid read-repos")
		wantError(t, status, body, 400, oidc.CodeInvalidScope, "read-repos")
	})
	t.Run("retry-in-grace-gets-same-pair", func(t *testing.T) {
		e := newTokenEnv(t)
		rt := login(e)
		_, first := refresh(e, rt)
		e.clock.Add(time.Second)
		status, again := refresh(e, rt)
		if status != 200 || again["refresh_token"] != first["refresh_token"] || again["access_token"] != first["access_token"] {
			t.Fatalf("retry: %d %v, want %v", status, again, first)
		}
	})
	t.Run("reuse-after-grace-revokes-family", func(t *testing.T) {
		e := newTokenEnv(t)
		rt := login(e)
		refresh(e, rt)
		e.clock.Add(time.Minute)
		status, body := refresh(e, rt)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "already used")
		if n := e.st.live(); n != 0 {
			t.Errorf("%d live tokens after reuse, want the family revoked", n)
		}
	})
	t.Run("other-client", func(t *testing.T) {
		e := newTokenEnv(t)
		rt := login(e)
		status, body := e.post("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {pubID}}, noAuth)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "invalid")
	})
	t.Run("revoked", func(t *testing.T) {
		e := newTokenEnv(t)
		rt := login(e)
		e.st.RevokeTokens(context.Background(), store.TokenFilter{ClientID: confID}, e.clock.Now())
		status, body := refresh(e, rt)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "revoked")
	})
	t.Run("idle-expired", func(t *testing.T) {
		e := newTokenEnv(t)
		rt := login(e)
		e.clock.Add(DefaultRefreshLifetimes.Idle + 48*time.Hour)
		status, body := refresh(e, rt)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "expired")
	})
	t.Run("left-the-authorized-org", func(t *testing.T) {
		e := newTokenEnv(t)
		a := e.st.apps[confID]
		a.AuthorizedOrgs = []string{"Acme"}
		e.st.apps[confID] = a
		e.st.members[aliceID] = []store.Membership{{Org: store.Org{ID: "o-acme", Name: "acme"}, Role: store.RoleRead}}
		rt := login(e)
		status, body := refresh(e, rt)
		if status != 200 {
			t.Fatalf("a member refreshes: %d %v", status, body)
		}
		e.st.members[aliceID] = nil
		status, body = refresh(e, body["refresh_token"].(string))
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "no longer")
		if n := e.st.live(); n != 0 {
			t.Errorf("%d live tokens after a refresh by a former member, want the family revoked", n)
		}
	})
}

func TestDeviceCode(t *testing.T) {
	start := func(e *tokenEnv) string {
		t.Helper()
		status, body := e.post("/oauth/device", url.Values{"client_id": {pubID}, "scope": {"openid email"}}, noAuth)
		if status != 200 || body["device_code"] == nil || body["verification_uri"] != "https://hub.test/oauth/device" {
			t.Fatalf("device authorization: %d %v", status, body)
		}
		return body["device_code"].(string)
	}
	poll := func(e *tokenEnv, dc string) (int, map[string]any) {
		return e.post("/oauth/token", url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {dc}, "client_id": {pubID}}, noAuth)
	}
	decide := func(e *tokenEnv, dc, status string) {
		e.st.UpdateDeviceCode(context.Background(), store.Hash(dc), func(d *store.DeviceCode) error {
			d.Status, d.UserID, d.AuthTime = status, aliceID, e.clock.Now()
			return nil
		})
	}
	t.Run("pending-then-slow-down", func(t *testing.T) {
		e := newTokenEnv(t)
		dc := start(e)
		status, body := poll(e, dc)
		wantError(t, status, body, 400, oidc.CodeAuthorizationPending, "not yet approved")
		status, body = poll(e, dc)
		wantError(t, status, body, 400, oidc.CodeSlowDown, "every 10 seconds")
		e.clock.Add(10 * time.Second)
		status, body = poll(e, dc)
		wantError(t, status, body, 400, oidc.CodeAuthorizationPending, "")
	})
	t.Run("approved-once", func(t *testing.T) {
		e := newTokenEnv(t)
		dc := start(e)
		decide(e, dc, store.DeviceApproved)
		status, body := poll(e, dc)
		if status != 200 || body["scope"] != "openid profile email" || body["refresh_token"] == nil {
			t.Fatalf("%d %v", status, body)
		}
		status, body = poll(e, dc)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "already used")
	})
	t.Run("left-the-authorized-org", func(t *testing.T) {
		e := newTokenEnv(t)
		a := e.st.apps[pubID]
		a.AuthorizedOrgs = []string{"acme"}
		e.st.apps[pubID] = a
		dc := start(e)
		decide(e, dc, store.DeviceApproved) // alice is a member of no org
		status, body := poll(e, dc)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "no longer")
		if n := e.st.live(); n != 0 {
			t.Errorf("%d tokens issued to a non-member", n)
		}
	})
	t.Run("denied", func(t *testing.T) {
		e := newTokenEnv(t)
		dc := start(e)
		decide(e, dc, store.DeviceDenied)
		status, body := poll(e, dc)
		wantError(t, status, body, 400, oidc.CodeAccessDenied, "denied")
	})
	t.Run("expired", func(t *testing.T) {
		e := newTokenEnv(t)
		dc := start(e)
		e.clock.Add(protocol.DeviceCodeTTL)
		status, body := poll(e, dc)
		wantError(t, status, body, 400, oidc.CodeExpiredToken, "expired")
	})
	t.Run("other-client", func(t *testing.T) {
		e := newTokenEnv(t)
		dc := start(e)
		status, body := e.post("/oauth/token", url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {dc}}, asConf)
		wantError(t, status, body, 400, oidc.CodeInvalidGrant, "another client")
	})
}

func TestRevokeAndIntrospect(t *testing.T) {
	e := newTokenEnv(t)
	_, body := e.post("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {e.code(confID, "")}, "redirect_uri": {redirect}}, asConf)
	access, rt := body["access_token"].(string), body["refresh_token"].(string)

	status, in := e.post("/oauth/introspect", url.Values{"token": {access}}, asConf)
	if status != 200 || in["active"] != true || in["username"] != "alice" || in["token_type"] != "bearer" {
		t.Fatalf("introspect access: %d %v", status, in)
	}
	// Another client's revocation changes nothing and says nothing.
	if status, _ := e.post("/oauth/revoke", url.Values{"token": {rt}, "client_id": {pubID}}, noAuth); status != 200 {
		t.Fatalf("revoke by another client: %d", status)
	}
	if e.st.live() != 2 {
		t.Fatalf("another client's revocation revoked something")
	}
	if status, _ := e.post("/oauth/revoke", url.Values{"token": {rt}}, asConf); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	if n := e.st.live(); n != 0 {
		t.Errorf("%d live tokens after revoking the refresh token, want its family revoked", n)
	}
	status, in = e.post("/oauth/introspect", url.Values{"token": {access}}, asConf)
	if status != 200 || in["active"] != false {
		t.Errorf("introspect revoked: %d %v", status, in)
	}
	status, body = e.post("/oauth/revoke", url.Values{"token": {"x"}, "token_type_hint": {"id_token"}}, asConf)
	wantError(t, status, body, 400, "unsupported_token_type", "token_type_hint")
}

// TestIntrospectOrgs: introspection names the orgs the token's grant
// reaches among those the user is still a member of; a token without org
// grant has none.
func TestIntrospectOrgs(t *testing.T) {
	e := newTokenEnv(t)
	acme := store.Org{ID: "org-acme", Name: "acme"}
	e.st.members[aliceID] = []store.Membership{{Org: acme, Role: store.RoleWrite}, {Org: store.Org{ID: "org-beta", Name: "beta"}, Role: store.RoleRead}}
	now := e.clock.Now()
	sealed := func(orgs []string) string {
		c, _, err := e.codes.Seal(store.AuthCode{ClientID: confID, UserID: aliceID, RedirectURI: redirect,
			Scopes: []string{"openid", "read-repos"}, Orgs: orgs, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(protocol.CodeTTL)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		orgs []string
		want string
	}{
		{"granted-and-member", []string{"org-acme", "org-left"}, `[map[preferred_username:acme sub:org-acme]]`},
		{"no-grant", nil, `<nil>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tok := e.post("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {sealed(tc.orgs)}, "redirect_uri": {redirect}}, asConf)
			status, in := e.post("/oauth/introspect", url.Values{"token": {tok["access_token"].(string)}}, asConf)
			if status != 200 || in["active"] != true || fmt.Sprint(in["orgs"]) != tc.want {
				t.Errorf("introspect: %d orgs %v, want %s", status, in["orgs"], tc.want)
			}
		})
	}
}

// TestSlidingRefresh: an app with no absolute limit keeps a client that
// refreshes within its idle window signed in for as long as it does
// (here, a year of refreshes every 60 days with a 90-day window), and an
// idle gap longer than the window ends it. An app on the hub's defaults
// ends at its absolute limit however often it refreshes.
func TestSlidingRefresh(t *testing.T) {
	refreshEvery := func(e *tokenEnv, rt string, every time.Duration, n int) (string, int, map[string]any) {
		t.Helper()
		var status int
		var body map[string]any
		for i := range n {
			e.clock.Add(every)
			status, body = e.post("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, asConf)
			if status != 200 {
				return rt, i, body
			}
			rt = body["refresh_token"].(string)
		}
		return rt, n, body
	}
	login := func(e *tokenEnv) string {
		t.Helper()
		_, body := e.post("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {e.code(confID, "")}, "redirect_uri": {redirect}}, asConf)
		return body["refresh_token"].(string)
	}
	t.Run("sliding", func(t *testing.T) {
		e := newTokenEnv(t)
		a := e.st.apps[confID]
		a.RefreshIdle, a.RefreshAbsolute = 90*24*time.Hour, store.NoRefreshLimit
		e.st.apps[confID] = a
		rt, done, body := refreshEvery(e, login(e), 60*24*time.Hour, 6)
		if done != 6 {
			t.Fatalf("refresh %d of 6 (every 60 days) failed: %v", done+1, body)
		}
		_, done, body = refreshEvery(e, rt, 91*24*time.Hour, 1)
		if done != 0 || body["error"] != "invalid_grant" {
			t.Errorf("after 91 idle days: %v, want invalid_grant", body)
		}
	})
	t.Run("hub-default-absolute", func(t *testing.T) {
		e := newTokenEnv(t)
		_, done, body := refreshEvery(e, login(e), 10*24*time.Hour, 6)
		if done != 2 || body["error"] != "invalid_grant" {
			t.Errorf("with the hub's 30-day family, %d refreshes every 10 days passed (%v), want 2", done, body)
		}
	})
}

// TestIntrospectOtherAppsTokens: an app introspects its own tokens; another
// app's token looks inactive to it unless it is a resource server.
func TestIntrospectOtherAppsTokens(t *testing.T) {
	e := newTokenEnv(t)
	const apiID, apiSecret = "api-app", "hf_oauth_secret_api"
	e.st.apps[apiID] = store.App{ClientID: apiID, Name: "api", SecretHash: store.Hash(apiSecret)}
	_, tok := e.post("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {e.code(confID, "")}, "redirect_uri": {redirect}}, asConf)
	access := tok["access_token"].(string)
	introspect := func(a auth) any {
		_, in := e.post("/oauth/introspect", url.Values{"token": {access}}, a)
		return in["active"]
	}
	if introspect(asConf) != true {
		t.Errorf("the token's own app: not active")
	}
	if got := introspect(auth{apiID, apiSecret}); got != false {
		t.Errorf("another app that is no resource server: active = %v, want false", got)
	}
	a := e.st.apps[apiID]
	a.ResourceServer = true
	e.st.apps[apiID] = a
	if introspect(auth{apiID, apiSecret}) != true {
		t.Errorf("a resource server: not active")
	}
}
