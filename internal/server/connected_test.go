package server_test

import (
	"net/url"
	"strings"
	"testing"
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
	if resp.StatusCode != 200 || !strings.Contains(body, "Confidential app") || !strings.Contains(body, "<code>email</code>") || strings.Contains(body, "last used never") {
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
