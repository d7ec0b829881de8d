package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func decodeJSON(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("decode JSON (status %d): %v", resp.StatusCode, err)
	}
	return m
}

// moduleVersion is the version of a module the tests link: from the
// binary's build info when it lists dependencies (test binaries do not),
// else the requirement in the repository's go.mod, which is what go test
// builds with (go.sum pins it).
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == path {
			return f[1]
		}
	}
	return "(unknown)"
}

// TestCodeFlowGoOIDC drives the whole flow with coreos/go-oidc and
// x/oauth2, the way a Go relying party does: login, consent, code, token
// (with and without PKCE, Basic and post authentication), ID-token
// verification, userinfo.
func TestCodeFlowGoOIDC(t *testing.T) {
	t.Logf("drove go-oidc %s, x/oauth2 %s", moduleVersion("github.com/coreos/go-oidc/v3"), moduleVersion("golang.org/x/oauth2"))
	cases := []struct {
		name      string
		pkce      bool
		authStyle oauth2.AuthStyle
		public    bool
	}{
		{"basic-no-pkce", false, oauth2.AuthStyleInHeader, false},
		{"basic-pkce", true, oauth2.AuthStyleInHeader, false},
		{"post-no-pkce", false, oauth2.AuthStyleInParams, false},
		{"post-pkce", true, oauth2.AuthStyleInParams, false},
		{"public-pkce", true, oauth2.AuthStyleInParams, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHub(t)
			ctx := gooidc.ClientContext(context.Background(), h.ts.Client())
			provider, err := gooidc.NewProvider(ctx, h.ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			app, secret := h.conf, h.confSecret
			if tc.public {
				app, secret = h.pub, ""
			}
			cfg := oauth2.Config{
				ClientID: app.ClientID, ClientSecret: secret, RedirectURL: redirectURI,
				Endpoint: oauth2.Endpoint{AuthURL: provider.Endpoint().AuthURL, TokenURL: provider.Endpoint().TokenURL, AuthStyle: tc.authStyle},
				Scopes:   []string{gooidc.ScopeOpenID, "profile", "email"},
			}
			verifier := oauth2.GenerateVerifier()
			opts := []oauth2.AuthCodeOption{gooidc.Nonce("n-0S6_WzA2Mj")}
			if tc.pkce {
				opts = append(opts, oauth2.S256ChallengeOption(verifier))
			}
			authURL, _ := url.Parse(cfg.AuthCodeURL("st-123", opts...))

			b := h.browser()
			loc := b.authorize(authURL.Query(), "alice", alicePassword)
			if got := loc.Query().Get("state"); got != "st-123" {
				t.Fatalf("state = %q", got)
			}
			code := loc.Query().Get("code")
			if code == "" {
				t.Fatalf("no code in %s", loc)
			}
			var xopts []oauth2.AuthCodeOption
			if tc.pkce {
				xopts = append(xopts, oauth2.VerifierOption(verifier))
			}
			tok, err := cfg.Exchange(ctx, code, xopts...)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if !strings.HasPrefix(tok.AccessToken, "hf_oauth_") || tok.TokenType != "bearer" {
				t.Errorf("access token %q type %q", tok.AccessToken[:9], tok.TokenType)
			}
			if got := tok.Extra("scope"); got != "openid profile email" {
				t.Errorf("scope = %v", got)
			}
			if got := tok.Extra("expires_in"); got != float64(28800) {
				t.Errorf("expires_in = %v", got)
			}
			rawID, _ := tok.Extra("id_token").(string)
			idt, err := provider.VerifierContext(ctx, &gooidc.Config{ClientID: app.ClientID, Now: h.clock.Now}).Verify(ctx, rawID)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			if idt.Nonce != "n-0S6_WzA2Mj" {
				t.Errorf("nonce = %q", idt.Nonce)
			}
			var claims struct {
				Username string `json:"preferred_username"`
				Name     string `json:"name"`
				Email    string `json:"email"`
				Verified bool   `json:"email_verified"`
				Picture  string `json:"picture"`
				Profile  string `json:"profile"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if claims.Username != "alice" || claims.Name != "Alice Liddell" || claims.Email != "alice@example.com" || !claims.Verified ||
				claims.Profile != h.ts.URL+"/alice" || !strings.HasPrefix(claims.Picture, h.ts.URL+"/avatars/") {
				t.Errorf("ID token claims = %+v", claims)
			}
			ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			if ui.Subject != idt.Subject || ui.Subject != h.alice.ID || ui.Email != "alice@example.com" {
				t.Errorf("userinfo sub %q email %q, ID token sub %q", ui.Subject, ui.Email, idt.Subject)
			}
			var extra map[string]any
			ui.Claims(&extra)
			if extra["isPro"] != false {
				t.Errorf("isPro = %v", extra["isPro"])
			}
			if orgs, ok := extra["orgs"].([]any); !ok || len(orgs) != 1 {
				t.Errorf("orgs = %v", extra["orgs"])
			}

			// Consent is remembered: the second login goes straight to the app.
			resp, _ := b.get("/oauth/authorize?" + authURL.Query().Encode())
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), redirectURI+"?code=") {
				t.Errorf("second authorize: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// TestHuggingFaceJSTokenRequest reproduces @huggingface/hub's exact token
// request: a form with only grant_type, code, redirect_uri and
// code_verifier, no client_id and no authentication, for an app that has a
// secret. The state is huggingface.js's JSON.
func TestHuggingFaceJSTokenRequest(t *testing.T) {
	h := newHub(t)
	verifier := "3f2b8c9e-6d41-4a7b-9c1e-2f5d8a7b6c3d" + "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	state := `{"nonce":"6f1c2b8e-1d3a-4c5b-9e7f-0a1b2c3d4e5f","redirectUri":"http://127.0.0.1:9999/login/callback","state":"{\"x\":1}"}`
	params := url.Values{
		"client_id": {h.conf.ClientID}, "scope": {"openid profile"}, "response_type": {"code"},
		"redirect_uri": {redirectURI}, "state": {state},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	}
	loc := h.browser().authorize(params, "alice", alicePassword)
	if got := loc.Query().Get("state"); got != state {
		t.Fatalf("state not echoed byte for byte:\n got %q\nwant %q", got, state)
	}
	status, body, hdr := h.postToken(url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier},
	}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("headers: %v", hdr)
	}
	if body["scope"] != "openid profile" || body["token_type"] != "bearer" || body["id_token"] == nil || body["expires_in"] != float64(28800) {
		t.Errorf("token response %v", body)
	}
	// Userinfo with the token, as huggingface.js does next (CORS preflight first).
	pre, _ := http.NewRequest("OPTIONS", h.ts.URL+"/oauth/userinfo", nil)
	pre.Header.Set("Origin", "http://127.0.0.1:9999")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	pre.Header.Set("Access-Control-Request-Headers", "authorization")
	presp, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if presp.StatusCode != 204 || !strings.Contains(presp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", presp.StatusCode, presp.Header)
	}
	req, _ := http.NewRequest("GET", h.ts.URL+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ui := decodeJSON(t, resp)
	if ui["sub"] != h.alice.ID || ui["preferred_username"] != "alice" || ui["email"] != nil {
		t.Errorf("userinfo %v", ui)
	}
}

// TestAuthorizeResponseIss: the success and the error redirects carry the
// issuer (RFC 9207), as discovery advertises.
func TestAuthorizeResponseIss(t *testing.T) {
	h := newHub(t)
	if !h.srv.Discovery().AuthorizationResponseIssParameterSupported {
		t.Error("discovery does not advertise authorization_response_iss_parameter_supported")
	}
	b := h.browser()
	ok := b.authorize(url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "state": {"s"}}, "alice", alicePassword)
	if ok.Query().Get("code") == "" || ok.Query().Get("iss") != h.ts.URL {
		t.Errorf("success redirect %s, want a code and iss=%s", ok, h.ts.URL)
	}
	resp, _ := b.get("/oauth/authorize?" + url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid no-such-scope"}, "state": {"s"}}.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") == "" || loc.Query().Get("iss") != h.ts.URL {
		t.Errorf("error redirect: %d %s, want an error and iss=%s", resp.StatusCode, loc, h.ts.URL)
	}
}
