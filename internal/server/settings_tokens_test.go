package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store"
)

// tokensHub is a hub whose default token expiry is 90 days.
func tokensHub(t *testing.T) *hub {
	return newHubWith(t, func(c *provider.Config) { c.TokenDefaultExpiry = 90 * 24 * time.Hour })
}

var formRE = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)".*?</form>`)

// formsFor returns the hidden fields of each form of the page posting to
// action, in page order.
func formsFor(body, action string) []url.Values {
	var out []url.Values
	for _, m := range formRE.FindAllStringSubmatch(body, -1) {
		if m[1] == action {
			out = append(out, formFields(m[0]))
		}
	}
	return out
}

var newTokenRE = regexp.MustCompile(`<textarea id="new-token"[^>]*>([^<]+)</textarea>`)

// newTokenOn returns the token shown once on the page, or "".
func newTokenOn(body string) string {
	if m := newTokenRE.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// whoamiStatus is the status /api/whoami-v2 answers for a bearer token.
func (h *hub) whoamiStatus(tok string) int {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/api/whoami-v2", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (h *hub) userTokens(u store.User) []store.Token {
	h.t.Helper()
	ts, err := h.db.ListTokens(context.Background(), u.ID, store.KindUser)
	if err != nil {
		h.t.Fatal(err)
	}
	return ts
}

// createToken fills the create form of the tokens page.
func (b *browser) createToken(name, role, days string) (*http.Response, string) {
	b.h.t.Helper()
	_, page := b.get("/settings/tokens")
	f := formsFor(page, "/settings/tokens/create")
	if len(f) != 1 {
		b.h.t.Fatalf("the tokens page has %d create forms: %.600s", len(f), page)
	}
	f[0].Set("name", name)
	f[0].Set("role", role)
	f[0].Set("expiry_days", days)
	return b.postForm("/settings/tokens/create", f[0])
}

// TestTokensPage: create a token on the page, use it at whoami-v2, revoke
// it on the page and get 401; the secret is shown once; forged and other
// sessions' forms are refused.
func TestTokensPage(t *testing.T) {
	h := tokensHub(t)
	b := h.browser()
	if _, body := b.get("/settings/tokens"); !strings.Contains(body, `name="password"`) {
		t.Fatalf("signed out: want the login page, got %.200s", body)
	}
	b.login("alice", alicePassword)
	_, body := b.get("/settings/tokens")
	if !strings.Contains(body, `name="expiry_days" type="text" inputmode="numeric" value="90"`) || !strings.Contains(body, "default: 90 days") ||
		!strings.Contains(body, `href="/settings/tokens"`) || !strings.Contains(body, "no access tokens yet") {
		t.Fatalf("empty page: %s", body)
	}

	resp, body := b.createToken("laptop", "write", "30")
	tok := newTokenOn(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(tok, "hf_") || !strings.Contains(body, "shown only this once") {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if st := h.userTokens(h.alice); len(st) != 1 || st[0].Role != "write" || st[0].Name != "laptop" || !st[0].ExpiresAt.Equal(h.clock.Now().Add(30*24*time.Hour)) {
		t.Errorf("stored %+v", st)
	}
	if got := h.whoamiStatus(tok); got != 200 {
		t.Fatalf("whoami-v2 with the new token: %d", got)
	}
	_, body = b.get("/settings/tokens")
	if strings.Contains(body, tok) || newTokenOn(body) != "" {
		t.Error("the secret is shown again on the next visit")
	}
	if !strings.Contains(body, "laptop") || !strings.Contains(body, "last used not recorded") {
		t.Errorf("list: %s", body)
	}

	revoke := formsFor(body, "/settings/tokens/revoke")
	if len(revoke) != 1 {
		t.Fatalf("%d revoke forms", len(revoke))
	}
	forged := url.Values{"id": {revoke[0].Get("id")}, "token": {"forged"}}
	if resp, _ := b.postForm("/settings/tokens/revoke", forged); resp.StatusCode != 403 || h.whoamiStatus(tok) != 200 {
		t.Errorf("forged revoke: %d", resp.StatusCode)
	}
	// Bound to the session: bob's browser cannot use alice's form, even
	// with alice's token id.
	bob := h.browser()
	bob.signIn(h.bob)
	if resp, _ := bob.postForm("/settings/tokens/revoke", revoke[0]); resp.StatusCode != 403 || h.whoamiStatus(tok) != 200 {
		t.Errorf("another session's form: %d", resp.StatusCode)
	}
	// Cross-origin posts are refused before the handler.
	hdr := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	if resp, _ := b.send("POST", "/settings/tokens/revoke", revoke[0].Encode(), hdr); resp.StatusCode != 403 || h.whoamiStatus(tok) != 200 {
		t.Errorf("cross-origin revoke: %d", resp.StatusCode)
	}

	resp, body = b.postForm("/settings/tokens/revoke", revoke[0])
	if resp.StatusCode != 200 || !strings.Contains(body, "The token <strong>laptop</strong> was revoked") || !strings.Contains(body, "revoked 20") {
		t.Errorf("after revoke: %d %s", resp.StatusCode, body)
	}
	if got := h.whoamiStatus(tok); got != 401 {
		t.Errorf("whoami-v2 with the revoked token: %d, want 401", got)
	}
	if len(formsFor(body, "/settings/tokens/revoke")) != 0 {
		t.Error("a revoked token still has a revoke form")
	}
}

// TestTokensPageRotate: rotation shows a new secret once, keeps name and
// role, and the old secret stops working.
func TestTokensPageRotate(t *testing.T) {
	h := tokensHub(t)
	b := h.browser()
	b.signIn(h.alice)
	_, body := b.createToken("ci", "read", "0")
	old := newTokenOn(body)
	rot := formsFor(body, "/settings/tokens/rotate")
	if old == "" || len(rot) != 1 {
		t.Fatalf("create: %s", body)
	}
	h.clock.Advance(time.Hour)
	resp, body := b.postForm("/settings/tokens/rotate", rot[0])
	tok := newTokenOn(body)
	if resp.StatusCode != 200 || tok == "" || tok == old || !strings.Contains(body, "rotated") {
		t.Fatalf("rotate: %d %s", resp.StatusCode, body)
	}
	if h.whoamiStatus(old) != 401 || h.whoamiStatus(tok) != 200 {
		t.Errorf("after rotate: old %d, new %d", h.whoamiStatus(old), h.whoamiStatus(tok))
	}
	st := h.userTokens(h.alice)
	if len(st) != 2 || st[0].Name != "ci" || st[0].Role != "read" || !st[0].ExpiresAt.IsZero() || st[1].RevokedAt.IsZero() {
		t.Errorf("stored after rotate: %+v", st)
	}
	// The old form again: the token is revoked now, nothing is created.
	if resp, _ := b.postForm("/settings/tokens/rotate", rot[0]); resp.StatusCode != http.StatusConflict || len(h.userTokens(h.alice)) != 2 {
		t.Errorf("rotating a revoked token: %d", resp.StatusCode)
	}
}

// TestTokensPageBadInput: each bad field gets a message tied to it, and
// nothing is stored.
func TestTokensPageBadInput(t *testing.T) {
	h := tokensHub(t)
	b := h.browser()
	b.signIn(h.alice)
	tests := []struct {
		name, tokName, role, days string
		field, msg                string
	}{
		{"empty-name", " ", "read", "30", "token-name", "give the token a name"},
		{"long-name", strings.Repeat("x", 65), "read", "30", "token-name", "too long"},
		{"bad-role", "x", "admin", "30", "token-role", "must be read or write"},
		{"no-expiry", "x", "read", "", "token-expiry", "give the number of days"},
		{"not-a-number", "x", "read", "soon", "token-expiry", "is not a whole number of days"},
		{"negative", "x", "read", "-1", "token-expiry", "between 0 (never expires) and 3650 days"},
		{"too-long", "x", "write", "99999", "token-expiry", "between 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.createToken(tc.tokName, tc.role, tc.days)
			errID := tc.field + "-error"
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+errID+`" class="error">`) ||
				!strings.Contains(body, " "+errID+`"`) || !strings.Contains(html.UnescapeString(body), tc.msg) {
				t.Errorf("%d: want %q tied to #%s: %s", resp.StatusCode, tc.msg, errID, body)
			}
			if newTokenOn(body) != "" || len(h.userTokens(h.alice)) != 0 {
				t.Error("bad input stored a token")
			}
			if tc.tokName != " " && !strings.Contains(body, `value="`+tc.tokName+`"`) {
				t.Error("the name typed is not kept")
			}
		})
	}
	// A forged create form stores nothing either.
	f := url.Values{"id": {""}, "token": {"forged"}, "name": {"x"}, "role": {"read"}, "expiry_days": {"1"}}
	if resp, _ := b.postForm("/settings/tokens/create", f); resp.StatusCode != 403 || len(h.userTokens(h.alice)) != 0 {
		t.Errorf("forged create: %d", resp.StatusCode)
	}
}

func (h *hub) reportToken(ip, body string) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+"/api/credentials/revoke", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestCredentialsRevoke: anyone reports a token; 202 whether it exists or
// not; a user token is revoked and its owner sees it; OAuth tokens are
// not user tokens and stay.
func TestCredentialsRevoke(t *testing.T) {
	h := tokensHub(t)
	b := h.browser()
	b.signIn(h.alice)
	_, body := b.createToken("leaky", "write", "30")
	tok := newTokenOn(body)
	oauth := h.loginTokens(t, "openid")["access_token"].(string)

	for _, report := range []string{`{"token": "hf_doesnotexist"}`, `{"token": ""}`, `{}`, `{"token": "` + oauth + `"}`} {
		if resp := h.reportToken("", report); resp.StatusCode != http.StatusAccepted {
			t.Errorf("report %s: %d, want 202", report, resp.StatusCode)
		}
	}
	if h.whoamiStatus(tok) != 200 || h.userinfoStatus(oauth) != 200 {
		t.Fatal("a report that did not name a user token revoked something")
	}
	if resp := h.reportToken("", `not json`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("not JSON: %d, want 400", resp.StatusCode)
	}
	if resp := h.reportToken("", `{"token": "`+tok+`"}`); resp.StatusCode != http.StatusAccepted {
		t.Errorf("report: %d", resp.StatusCode)
	}
	if h.whoamiStatus(tok) != 401 {
		t.Error("the reported token still works")
	}
	if resp := h.reportToken("", `{"token": "`+tok+`"}`); resp.StatusCode != http.StatusAccepted {
		t.Errorf("second report: %d", resp.StatusCode)
	}
	if _, body := b.get("/settings/tokens"); !strings.Contains(body, "leaky") || !strings.Contains(body, `<span class="tag warn">revoked 20`) {
		t.Errorf("the owner does not see the revocation: %s", body)
	}
}

// TestCredentialsRevokeLimit: reports are limited per client IP.
func TestCredentialsRevokeLimit(t *testing.T) {
	h := limitedHub(t, true, map[limits.Kind]int{limits.CredentialsRevoke: 2})
	for i := range 2 {
		if resp := h.reportToken("203.0.113.7", `{"token": "hf_x"}`); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("report %d: %d", i, resp.StatusCode)
		}
	}
	resp := h.reportToken("203.0.113.7", `{"token": "hf_x"}`)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third report: %d (Retry-After %q), want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := h.reportToken("198.51.100.9", `{"token": "hf_x"}`); resp.StatusCode != http.StatusAccepted {
		t.Errorf("another IP: %d", resp.StatusCode)
	}
}

// TestOAuthRevokeIgnoresUserTokens: RFC 7009 revokes a client's own
// tokens; an hf_ token belongs to no client, so /oauth/revoke answers 200
// and leaves it alone (POST /api/credentials/revoke is the way).
func TestOAuthRevokeIgnoresUserTokens(t *testing.T) {
	h := tokensHub(t)
	b := h.browser()
	b.signIn(h.alice)
	_, body := b.createToken("mine", "read", "1")
	tok := newTokenOn(body)
	req, _ := http.NewRequest("POST", h.ts.URL+"/oauth/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(h.conf.ClientID, h.confSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || h.whoamiStatus(tok) != 200 {
		t.Errorf("/oauth/revoke with an hf_ token: %d, whoami %d", resp.StatusCode, h.whoamiStatus(tok))
	}
}
