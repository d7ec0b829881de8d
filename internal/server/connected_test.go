package server_test

import (
	"context"
	"net/url"
	"time"

	"strings"
	"testing"

	"github.com/hubid/hubid/internal/store"
)

func TestConnectedApplications(t *testing.T) {
	h := newHub(t)
	b := h.browser()
	resp, body := b.get("/settings/connected-applications")
	if !strings.Contains(body, `name="password"`) {
		t.Fatalf("signed out: want the login page, got %d %.200s", resp.StatusCode, body)
	}
	loc := b.authorize(url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid email"}, "state": {"s"}}, "alice", alicePassword)
	_, tok, _ := h.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}, h.conf.ClientID, h.confSecret)
	at := tok["access_token"].(string)

	resp, body = b.get("/settings/connected-applications")
	if resp.StatusCode != 200 || !strings.Contains(body, "Confidential app") || !strings.Contains(body, "<code>email</code>") || !strings.Contains(body, "last token issued ") {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	f := formFields(body)
	forged := url.Values{"client_id": {h.conf.ClientID}, "token": {"forged"}}
	if resp, _ := b.postForm("/settings/connected-applications/revoke", forged); resp.StatusCode != 403 || h.userinfoStatus(at) != 200 {
		t.Errorf("forged revoke: %d", resp.StatusCode)
	}
	resp, body = b.postForm("/settings/connected-applications/revoke", f)
	if resp.StatusCode != 200 || !strings.Contains(body, "Access of <strong>Confidential app</strong> was revoked") || !strings.Contains(body, "not authorized any application") {
		t.Errorf("after revoke: %d %.400s", resp.StatusCode, body)
	}
	if h.userinfoStatus(at) != 401 {
		t.Error("revoking the app left its token alive")
	}
	// Consent is asked again.
	resp, body = b.get("/oauth/authorize?" + url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid"}}.Encode())
	if resp.StatusCode != 200 || !strings.Contains(body, "consent_token") {
		t.Errorf("after revoke, authorize should ask again: %d", resp.StatusCode)
	}
}

// TestConnectedApplicationsWithoutConsent: an app that holds live tokens
// without a stored consent (a device login) is listed and can be revoked.
func TestConnectedApplicationsWithoutConsent(t *testing.T) {
	h := newHub(t)
	tok, digest := store.NewSecret("hf_oauth_")
	now := h.clock.Now()
	if err := h.db.CreateToken(context.Background(), store.Token{Hash: digest, Kind: store.KindAccess, UserID: h.alice.ID,
		ClientID: h.conf.ClientID, Scopes: []string{"openid", "profile"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("alice", alicePassword)
	_, body := b.get("/settings/connected-applications")
	if !strings.Contains(body, "Confidential app") {
		t.Fatalf("an app with live tokens is not listed: %.400s", body)
	}
	if resp, _ := b.postForm("/settings/connected-applications/revoke", formFields(body)); resp.StatusCode != 200 || h.userinfoStatus(tok) != 401 {
		t.Errorf("revoke: %d", resp.StatusCode)
	}
}

// TestConnectedApplicationsLastTokenIssued: the page says when the app last
// got a token (a sign-in or a refresh), not when it last used one: nothing
// records use, so calls to userinfo do not move the date.
func TestConnectedApplicationsLastTokenIssued(t *testing.T) {
	h := newHub(t)
	toks := h.loginTokens(t, "openid email")
	issued := h.clock.Now()
	b := h.browser()
	b.login("alice", alicePassword)
	stamp := func(t time.Time) string { return "last token issued " + t.UTC().Format("2006-01-02 15:04 UTC") }

	h.clock.Advance(2 * time.Hour)
	if h.userinfoStatus(toks["access_token"].(string)) != 200 {
		t.Fatal("userinfo")
	}
	_, body := b.get("/settings/connected-applications")
	if !strings.Contains(body, stamp(issued)) || strings.Contains(body, "last used") {
		t.Errorf("after a userinfo call: want %q, no \"last used\": %.800s", stamp(issued), body)
	}
	// A refresh issues tokens: the date moves.
	if status, _ := h.refresh(toks["refresh_token"].(string), nil); status != 200 {
		t.Fatal("refresh")
	}
	_, body = b.get("/settings/connected-applications")
	if !strings.Contains(body, stamp(h.clock.Now())) {
		t.Errorf("after a refresh: want %q: %.800s", stamp(h.clock.Now()), body)
	}
}
