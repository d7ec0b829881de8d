package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/store"
)

func TestRPInitiatedLogout(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	const back = "http://127.0.0.1:9999/signed-out"
	if err := h.db.UpdateApp(ctx, h.conf.ClientID, func(a *store.App) error {
		a.PostLogoutRedirectURIs = []string{back}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Sign in and get an ID token to use as the hint.
	signedIn := func() (*browser, string) {
		b := h.browser()
		loc := b.authorize(url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "state": {"s"}}, "alice", alicePassword)
		_, body, _ := h.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}, h.conf.ClientID, h.confSecret)
		return b, body["id_token"].(string)
	}
	signedInNow := func(b *browser) bool {
		_, body := b.get("/")
		return strings.Contains(body, "Welcome, @alice")
	}

	t.Run("hint-signs-out-and-returns-with-state", func(t *testing.T) {
		b, idt := signedIn()
		resp, _ := b.get("/oauth/logout?" + url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {back}, "state": {"st 1"}}.Encode())
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != back+"?state=st+1" {
			t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if signedInNow(b) {
			t.Error("still signed in")
		}
	})
	t.Run("without-hint-asks-first", func(t *testing.T) {
		b, _ := signedIn()
		resp, body := b.get("/oauth/logout?" + url.Values{"client_id": {h.conf.ClientID}, "post_logout_redirect_uri": {back}}.Encode())
		if resp.StatusCode != 200 || !strings.Contains(body, "asks you to sign out") || !signedInNow(b) {
			t.Fatalf("want a confirmation page and still signed in: %d %.300s", resp.StatusCode, body)
		}
		f := formFields(body)
		tampered := url.Values{}
		for k, v := range f {
			tampered[k] = v
		}
		tampered.Set("post_logout_redirect_uri", "http://127.0.0.1:9999/login/callback")
		if resp, _ := b.postForm("/oauth/logout", tampered); resp.StatusCode != 400 {
			t.Errorf("unregistered URI in the confirmation: %d", resp.StatusCode)
		}
		tampered = url.Values{}
		for k, v := range f {
			tampered[k] = v
		}
		tampered.Set("state", "other")
		if resp, _ := b.postForm("/oauth/logout", tampered); resp.StatusCode != 403 || !signedInNow(b) {
			t.Errorf("altered confirmation form: %d", resp.StatusCode)
		}
		resp, _ = b.postForm("/oauth/logout", f)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != back || signedInNow(b) {
			t.Errorf("confirmed: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("hint-of-another-user-asks", func(t *testing.T) {
		_, idt := signedIn()
		b := h.browser()
		b.login("bob", bobPassword)
		resp, body := b.get("/oauth/logout?" + url.Values{"id_token_hint": {idt}}.Encode())
		if resp.StatusCode != 200 || !strings.Contains(body, "@bob") {
			t.Errorf("want a confirmation for bob: %d %.200s", resp.StatusCode, body)
		}
	})
	bad := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"unregistered-uri", url.Values{"client_id": {h.conf.ClientID}, "post_logout_redirect_uri": {"https://evil.example/"}}, "is not registered"},
		{"uri-without-client", url.Values{"post_logout_redirect_uri": {back}}, "needs client_id"},
		{"forged-hint", url.Values{"id_token_hint": {"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}}, "was not issued by this hub"},
		{"unknown-client", url.Values{"client_id": {"nope"}}, "No app with client_id"},
		{"repeated-state", url.Values{"state": {"a", "b"}}, "given 2 times"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := signedIn()
			resp, body := b.get("/oauth/logout?" + tc.params.Encode())
			if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, tc.want) || !signedInNow(b) {
				t.Errorf("got %d %q %.300s; want 400 page with %q, still signed in", resp.StatusCode, resp.Header.Get("Location"), body, tc.want)
			}
		})
	}
	t.Run("signed-out-already", func(t *testing.T) {
		resp, body := h.browser().get("/oauth/logout")
		if resp.StatusCode != 200 || !strings.Contains(body, "You are signed out") {
			t.Errorf("%d %.200s", resp.StatusCode, body)
		}
	})
}

// TestLogoutStoreFailure: when the hub cannot look up the app, the answer is
// a 500 page that says the hub failed, not a 400 that blames the request.
func TestLogoutStoreFailure(t *testing.T) {
	h := newHub(t)
	b := h.browser()
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body := b.get("/oauth/logout?" + url.Values{"client_id": {h.conf.ClientID}}.Encode())
	if resp.StatusCode != 500 || !strings.Contains(body, "could not complete your request") {
		t.Errorf("logout with the store down: %d %s", resp.StatusCode, body)
	}
}
