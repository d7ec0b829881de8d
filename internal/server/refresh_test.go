package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/grants"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store"
)

// loginTokens enables refresh tokens on the confidential app, signs alice
// in and redeems the code; it returns the token response.
func (h *hub) loginTokens(t *testing.T, scope string) map[string]any {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{h.conf.ClientID, h.pub.ClientID} {
		if err := h.db.UpdateApp(ctx, id, func(a *store.App) error { a.RefreshTokens = true; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	loc := h.browser().authorize(url.Values{
		"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {scope}, "state": {"s"},
	}, "alice", alicePassword)
	status, body, _ := h.postToken(url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI},
	}, h.conf.ClientID, h.confSecret)
	if status != 200 || body["refresh_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, body)
	}
	if !strings.HasPrefix(body["refresh_token"].(string), "hf_oauth_refresh_") {
		t.Errorf("refresh token %q lacks its prefix", body["refresh_token"])
	}
	return body
}

func (h *hub) refresh(rt string, extra url.Values) (int, map[string]any) {
	h.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for k, v := range extra {
		form[k] = v
	}
	status, body, _ := h.postToken(form, h.conf.ClientID, h.confSecret)
	return status, body
}

// userinfoStatus is the status userinfo answers for an access token.
func (h *hub) userinfoStatus(tok string) int {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRefreshRotation(t *testing.T) {
	h := newHub(t)
	first := h.loginTokens(t, "openid profile email")
	rt0 := first["refresh_token"].(string)

	status, second := h.refresh(rt0, nil)
	if status != 200 || second["refresh_token"] == rt0 || second["access_token"] == first["access_token"] || second["id_token"] == nil {
		t.Fatalf("refresh: %d %v", status, second)
	}
	if second["scope"] != "openid profile email" || second["expires_in"] != float64(28800) {
		t.Errorf("refresh answer %v", second)
	}

	// A retry inside the grace window gets the very same pair.
	h.clock.Advance(5 * time.Second)
	status, retry := h.refresh(rt0, nil)
	if status != 200 || retry["refresh_token"] != second["refresh_token"] || retry["access_token"] != second["access_token"] {
		t.Fatalf("retry in the grace window: %d %v", status, retry)
	}

	// The new refresh token rotates in turn.
	rt1 := second["refresh_token"].(string)
	status, third := h.refresh(rt1, nil)
	if status != 200 {
		t.Fatalf("second rotation: %d %v", status, third)
	}

	// Reusing rt0 after the window revokes the whole family.
	h.clock.Advance(6 * time.Second)
	status, body := h.refresh(rt0, nil)
	if status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse after the window: %d %v", status, body)
	}
	for _, tok := range []any{first["access_token"], second["access_token"], third["access_token"]} {
		if got := h.userinfoStatus(tok.(string)); got != 401 {
			t.Errorf("access token of a revoked family still works: %d", got)
		}
	}
	if status, _ := h.refresh(third["refresh_token"].(string), nil); status != 400 {
		t.Errorf("newest refresh token of a revoked family still works: %d", status)
	}
}

// TestRefreshConcurrent: 20 concurrent refreshes of one token, as retries or
// replicas would send, all succeed with one successor pair.
func TestRefreshConcurrent(t *testing.T) {
	h := newHub(t)
	rt := h.loginTokens(t, "openid profile")["refresh_token"].(string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for range 20 {
		wg.Go(func() {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			req, _ := http.NewRequest("POST", h.ts.URL+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(h.conf.ClientID, h.confSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body := decodeJSON(t, resp)
			mu.Lock()
			defer mu.Unlock()
			if resp.StatusCode != 200 {
				got["error "+body["error"].(string)]++
				return
			}
			got[body["refresh_token"].(string)+" "+body["access_token"].(string)]++
		})
	}
	wg.Wait()
	if len(got) != 1 {
		t.Fatalf("20 concurrent refreshes gave %d different answers: %v", len(got), got)
	}
	for k, n := range got {
		if strings.HasPrefix(k, "error") || n != 20 {
			t.Errorf("answers: %v", got)
		}
	}
	// Exactly one successor family member was stored.
	refreshes, _ := h.db.ListTokens(context.Background(), h.alice.ID, store.KindRefresh)
	if len(refreshes) != 2 {
		t.Errorf("%d refresh tokens stored; want the original and one successor", len(refreshes))
	}
}

func TestRefreshRules(t *testing.T) {
	h := newHub(t)
	first := h.loginTokens(t, "openid profile email")
	rt := first["refresh_token"].(string)

	cases := []struct {
		name      string
		form      url.Values
		user, pw  string
		status    int
		wantError string
	}{
		{"widen-scope", url.Values{"scope": {"openid read-repos"}}, h.conf.ClientID, h.confSecret, 400, "invalid_scope"},
		{"unknown-scope", url.Values{"scope": {"frobs"}}, h.conf.ClientID, h.confSecret, 400, "invalid_scope"},
		{"wrong-secret", nil, h.conf.ClientID, "nope", 401, "invalid_client"},
		{"other-client", url.Values{"client_id": {h.pub.ClientID}}, "", "", 400, "invalid_grant"},
		{"no-client", nil, "", "", 400, "invalid_request"},
		{"confidential-without-secret", url.Values{"client_id": {h.conf.ClientID}}, "", "", 401, "invalid_client"},
		{"garbage-token", url.Values{"refresh_token": {"hf_oauth_refresh_nope"}}, h.conf.ClientID, h.confSecret, 400, "invalid_grant"},
		{"access-token-as-refresh", url.Values{"refresh_token": {first["access_token"].(string)}}, h.conf.ClientID, h.confSecret, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			for k, v := range tc.form {
				form[k] = v
			}
			status, body, _ := h.postToken(form, tc.user, tc.pw)
			if status != tc.status || body["error"] != tc.wantError {
				t.Errorf("got %d %v, want %d %s", status, body, tc.status, tc.wantError)
			}
		})
	}
	// Narrowing works, and the successor refresh token keeps the full scopes.
	status, narrow := h.refresh(rt, url.Values{"scope": {"openid"}})
	if status != 200 || narrow["scope"] != "openid" {
		t.Fatalf("narrow: %d %v", status, narrow)
	}
	status, full := h.refresh(narrow["refresh_token"].(string), nil)
	if status != 200 || full["scope"] != "openid profile email" {
		t.Errorf("after narrowing: %d %v", status, full)
	}
}

func TestRefreshLifetimes(t *testing.T) {
	h := newHubWith(t, func(c *provider.Config) {
		c.Refresh = grants.RefreshLifetimes{Absolute: 10 * time.Hour, Idle: 4 * time.Hour, Grace: time.Second}
	})
	// The configured windows are floors raised for long-lived access
	// tokens; with 1-hour tokens they apply as configured.
	h.setTokenTTL(h.conf.ClientID, time.Hour)
	rt := h.loginTokens(t, "openid")["refresh_token"].(string)
	// Rotating every 3 h keeps it alive, until the absolute lifetime.
	for i := range 3 {
		h.clock.Advance(3 * time.Hour)
		status, body := h.refresh(rt, nil)
		if status != 200 {
			t.Fatalf("rotation %d at %dh: %d %v", i, 3*(i+1), status, body)
		}
		rt = body["refresh_token"].(string)
	}
	h.clock.Advance(90 * time.Minute) // 10h30 since login
	if status, body := h.refresh(rt, nil); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("past the absolute lifetime: %d %v", status, body)
	}

	// Idle: unused for longer than 4 h.
	h2 := newHubWith(t, func(c *provider.Config) { c.Refresh = grants.RefreshLifetimes{Idle: 4 * time.Hour} })
	h2.setTokenTTL(h2.conf.ClientID, time.Hour)
	rt2 := h2.loginTokens(t, "openid")["refresh_token"].(string)
	h2.clock.Advance(4*time.Hour + time.Second)
	if status, _ := h2.refresh(rt2, nil); status != 400 {
		t.Errorf("idle refresh token still works: %d", status)
	}
}

// setTokenTTL sets an app's access-token lifetime.
func (h *hub) setTokenTTL(clientID string, ttl time.Duration) {
	h.t.Helper()
	if err := h.db.UpdateApp(context.Background(), clientID, func(a *store.App) error { a.TokenTTL = ttl; return nil }); err != nil {
		h.t.Fatal(err)
	}
}

// TestRefreshOutlivesAccessToken: with access tokens longer than the
// default refresh windows (14 days idle, 30 days per family), the refresh
// token still outlives its access token (idle: TTL + 1 day; family: 2 ×
// TTL), and a refreshed access token never outlives its family: its
// expiry, and expires_in, stop at the family's end.
func TestRefreshOutlivesAccessToken(t *testing.T) {
	const day = 24 * time.Hour
	h := newHub(t)
	h.setTokenTTL(h.conf.ClientID, 20*day)
	start := h.clock.Now()
	toks := h.loginTokens(t, "openid")
	if toks["expires_in"] != float64(20*day/time.Second) {
		t.Fatalf("first access token: expires_in %v", toks["expires_in"])
	}
	rt := toks["refresh_token"].(string)

	// Day 19 (past the 14-day default idle window): the refresh works and
	// gives a full 20-day token.
	h.clock.Advance(19 * day)
	status, body := h.refresh(rt, nil)
	if status != 200 || body["expires_in"] != float64(20*day/time.Second) {
		t.Fatalf("refresh at day 19: %d %v", status, body)
	}
	// Day 38 (past the 30-day default family): the family lasts 40 days,
	// so the new access token gets 2 days, not 20.
	h.clock.Advance(19 * day)
	status, body = h.refresh(body["refresh_token"].(string), nil)
	if status != 200 || body["expires_in"] != float64(2*day/time.Second) {
		t.Fatalf("refresh at day 38: %d %v", status, body)
	}
	at := body["access_token"].(string)
	row, err := h.db.Token(context.Background(), store.Hash(at))
	if err != nil || !row.ExpiresAt.Equal(start.Add(40*day)) {
		t.Errorf("stored expiry %v (%v), want the family's end %v", row.ExpiresAt, err, start.Add(40*day))
	}
	h.clock.Advance(2*day - time.Second)
	if h.userinfoStatus(at) != 200 {
		t.Error("the capped access token stopped working before the family's end")
	}
	h.clock.Advance(time.Second)
	if h.userinfoStatus(at) != 401 {
		t.Error("an access token outlived its refresh family")
	}
	if status, body := h.refresh(body["refresh_token"].(string), nil); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh after the family's end: %d %v", status, body)
	}
}

func TestRefreshPublicClient(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	h.db.UpdateApp(ctx, h.pub.ClientID, func(a *store.App) error { a.RefreshTokens = true; return nil })
	verifier := strings.Repeat("v", 50)
	loc := h.browser().authorize(url.Values{
		"client_id": {h.pub.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "state": {"s"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	}, "alice", alicePassword)
	status, body, _ := h.postToken(url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI},
		"client_id": {h.pub.ClientID}, "code_verifier": {verifier},
	}, "", "")
	if status != 200 || body["refresh_token"] == nil {
		t.Fatalf("public code exchange: %d %v", status, body)
	}
	status, body, _ = h.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}, "client_id": {h.pub.ClientID}}, "", "")
	if status != 200 || body["refresh_token"] == nil {
		t.Errorf("public refresh: %d %v", status, body)
	}
}

func TestRevokeAndIntrospect(t *testing.T) {
	h := newHub(t)
	toks := h.loginTokens(t, "openid profile")
	at, rt := toks["access_token"].(string), toks["refresh_token"].(string)
	post := func(path string, form url.Values, user, pw string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", h.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pw)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if resp.ContentLength != 0 {
			m = decodeJSON(t, resp)
		}
		return resp.StatusCode, m
	}
	status, in := post("/oauth/introspect", url.Values{"token": {at}}, h.conf.ClientID, h.confSecret)
	if status != 200 || in["active"] != true || in["username"] != "alice" || in["sub"] != h.alice.ID || in["scope"] != "openid profile" ||
		in["client_id"] != h.conf.ClientID || in["token_type"] != "bearer" {
		t.Errorf("introspect: %d %v", status, in)
	}
	// A refresh token is active too, with a token_type that is not bearer.
	if status, in := post("/oauth/introspect", url.Values{"token": {rt}}, h.conf.ClientID, h.confSecret); status != 200 || in["active"] != true || in["token_type"] != "refresh_token" {
		t.Errorf("introspect a refresh token: %d %v", status, in)
	}
	if status, in := post("/oauth/introspect", url.Values{"token": {"nope"}}, h.conf.ClientID, h.confSecret); status != 200 || in["active"] != false || len(in) != 1 {
		t.Errorf("introspect unknown: %d %v", status, in)
	}
	if status, in := post("/oauth/introspect", url.Values{"token": {at}, "client_id": {h.pub.ClientID}}, "", ""); status != 401 || in["error"] != "invalid_client" {
		t.Errorf("introspect by a public client: %d %v", status, in)
	}
	// Another client cannot revoke alice's token: 200, nothing happens.
	other, otherSecret, _ := apps.Create(context.Background(), h.db, apps.Spec{Name: "other", RedirectURIs: []string{redirectURI}}, h.clock.Now())
	if status, _ := post("/oauth/revoke", url.Values{"token": {rt}}, other.ClientID, otherSecret); status != 200 {
		t.Errorf("revoke by another client: %d", status)
	}
	if h.userinfoStatus(at) != 200 {
		t.Fatal("another client's revoke took effect")
	}
	// Unknown tokens: 200.
	if status, _ := post("/oauth/revoke", url.Values{"token": {"nope"}}, h.conf.ClientID, h.confSecret); status != 200 {
		t.Errorf("revoke unknown: %d", status)
	}
	// Revoking the refresh token revokes its family, access token included.
	if status, _ := post("/oauth/revoke", url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}, h.conf.ClientID, h.confSecret); status != 200 {
		t.Errorf("revoke: %d", status)
	}
	if h.userinfoStatus(at) != 401 {
		t.Error("the family's access token survived revoking its refresh token")
	}
	if status, in := post("/oauth/introspect", url.Values{"token": {at}}, h.conf.ClientID, h.confSecret); status != 200 || in["active"] != false {
		t.Errorf("introspect revoked: %d %v", status, in)
	}
	if status, _ := h.refresh(rt, nil); status != 400 {
		t.Errorf("revoked refresh token still refreshes: %d", status)
	}
	if status, in := post("/oauth/revoke", url.Values{}, h.conf.ClientID, h.confSecret); status != 400 || in["error"] != "invalid_request" {
		t.Errorf("revoke without token: %d %v", status, in)
	}
}

func TestRotateSecretRevokesTokens(t *testing.T) {
	h := newHub(t)
	toks := h.loginTokens(t, "openid")
	if _, err := apps.RotateSecret(context.Background(), h.db, h.conf.ClientID, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if h.userinfoStatus(toks["access_token"].(string)) != 401 {
		t.Error("rotating the secret left the app's access token alive")
	}
}
