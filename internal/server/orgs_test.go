package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/store"
)

// TestOrgGrants: the consent page offers the user's orgs for an
// org-reaching scope; the org ticked travels code → token → refresh and
// userinfo shows roleInOrg on it alone; orgIds for an org not yet granted
// asks again and marks it new; orgIds the user is not in is said so.
func TestOrgGrants(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	lab := store.Org{ID: "0123456789abcdef0000aaaa", Name: "looking-glass", FullName: "Looking Glass", CanPay: true, CreatedAt: h.clock.Now()}
	if err := h.db.CreateOrg(ctx, lab); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SetMember(ctx, lab.ID, h.alice.ID, store.RoleWrite); err != nil {
		t.Fatal(err)
	}
	if err := h.db.UpdateApp(ctx, h.conf.ClientID, func(a *store.App) error { a.RefreshTokens = true; return nil }); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("alice", alicePassword)
	params := url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid profile read-repos"}, "state": {"s1"}}
	resp, body := b.get("/oauth/authorize?" + params.Encode())
	if resp.StatusCode != 200 || !strings.Contains(body, `name="org:`+lab.ID+`"`) || !strings.Contains(body, `name="org:`+h.org.ID+`"`) {
		t.Fatalf("consent page without both orgs: %d %.2000s", resp.StatusCode, body)
	}
	if strings.Contains(body, " checked") {
		t.Errorf("an org is ticked though the app asked for none and the user granted none")
	}
	// Tick the looking-glass org only.
	f := formFields(body)
	f.Set("consent", "allow")
	f.Set("org:"+lab.ID, "on")
	resp, body = b.postForm("/oauth/authorize", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent: %d %.500s", resp.StatusCode, body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	_, tok, _ := h.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}, h.conf.ClientID, h.confSecret)
	if tok["refresh_token"] == nil {
		t.Fatalf("token: %v", tok)
	}
	roles := func(access string) map[string]any {
		t.Helper()
		status, info := h.userinfo(access)
		if status != 200 {
			t.Fatalf("userinfo: %d %v", status, info)
		}
		out := map[string]any{}
		for _, o := range info["orgs"].([]any) {
			o := o.(map[string]any)
			out[o["preferred_username"].(string)] = o["roleInOrg"]
		}
		return out
	}
	if got := roles(tok["access_token"].(string)); got["looking-glass"] != "write" || got["wonderland"] != nil {
		t.Errorf("userinfo roles %v, want roleInOrg on looking-glass only", got)
	}
	// whoami-v2 names the orgs the OAuth token's grant reaches.
	req, _ := http.NewRequest("GET", h.ts.URL+"/api/whoami-v2", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	wresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	who := decodeJSON(t, wresp)
	if auth, _ := who["auth"].(map[string]any); fmt.Sprint(auth["orgs"]) != "[looking-glass]" {
		t.Errorf("whoami-v2 auth %v, want orgs [looking-glass]", who["auth"])
	}
	// Refresh keeps the grant.
	status, ref, _ := h.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}, h.conf.ClientID, h.confSecret)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	if got := roles(ref["access_token"].(string)); got["looking-glass"] != "write" || got["wonderland"] != nil {
		t.Errorf("after refresh, userinfo roles %v, want roleInOrg on looking-glass only", got)
	}
	// The consent is remembered with its org: signing in again issues at once.
	if loc := b.authorize(params, "alice", alicePassword); loc.Query().Get("code") == "" {
		t.Fatalf("second sign-in did not issue a code: %s", loc)
	}
	// orgIds for the other org asks again, pre-ticked and marked new.
	params.Set("orgIds", h.org.ID+",not-an-org")
	resp, body = b.get("/oauth/authorize?" + params.Encode())
	if resp.StatusCode != 200 || !strings.Contains(body, "requested by the app") || !strings.Contains(body, `class="tag new"`) {
		t.Fatalf("orgIds for a new org: %d %.3000s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "not-an-org") || !strings.Contains(body, "not a member") {
		t.Errorf("the page does not say the user is not in not-an-org")
	}
	if strings.Count(body, " checked") != 2 {
		t.Errorf("want both orgs ticked (one remembered, one requested), page: %.3000s", body)
	}
}

// TestConnectedAppOrgs: on the connected-applications page the user takes
// an org out of an app's grant and puts another in; the app's existing
// token follows at once, and the app is not revoked.
func TestConnectedAppOrgs(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	lab := store.Org{ID: "0123456789abcdef0000aaaa", Name: "looking-glass", CreatedAt: h.clock.Now()}
	if err := h.db.CreateOrg(ctx, lab); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SetMember(ctx, lab.ID, h.alice.ID, store.RoleWrite); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("alice", alicePassword)
	params := url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid read-repos"}, "state": {"s"}, "orgIds": {lab.ID}}
	resp, body := b.get("/oauth/authorize?" + params.Encode())
	f := formFields(body)
	f.Set("consent", "allow")
	f.Set("org:"+lab.ID, "on")
	resp, body = b.postForm("/oauth/authorize", f)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	_, tok, _ := h.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}, h.conf.ClientID, h.confSecret)
	access, _ := tok["access_token"].(string)
	if access == "" {
		t.Fatalf("token: %v", tok)
	}
	role := func(org string) any {
		t.Helper()
		status, info := h.userinfo(access)
		if status != 200 {
			t.Fatalf("userinfo: %d %v", status, info)
		}
		for _, o := range info["orgs"].([]any) {
			if o := o.(map[string]any); o["preferred_username"] == org {
				return o["roleInOrg"]
			}
		}
		return nil
	}
	if role("looking-glass") != "write" || role("wonderland") != nil {
		t.Fatalf("before: looking-glass %v, wonderland %v", role("looking-glass"), role("wonderland"))
	}

	resp, body = b.get("/settings/connected-applications")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="org:`+lab.ID+`" value="on" checked`) || !strings.Contains(body, `name="org:`+h.org.ID+`" value="on">`) {
		t.Fatalf("connected apps page: %d %.3000s", resp.StatusCode, body)
	}
	// The form of this app: swap looking-glass for wonderland.
	var form url.Values
	for _, m := range regexp.MustCompile(`(?s)<form method="post" action="/settings/connected-applications/orgs">.*?</form>`).FindAllString(body, -1) {
		if strings.Contains(m, h.conf.ClientID) {
			form = formFields(m)
		}
	}
	if form == nil {
		t.Fatalf("no org form for the app: %.3000s", body)
	}
	form.Set("org:"+h.org.ID, "on")
	resp, body = b.postForm("/settings/connected-applications/orgs", form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "were changed") {
		t.Fatalf("save orgs: %d %.1000s", resp.StatusCode, body)
	}
	if role("looking-glass") != nil || role("wonderland") != "admin" {
		t.Errorf("after: looking-glass %v, wonderland %v; want the token to follow the new grant", role("looking-glass"), role("wonderland"))
	}
	// A forged form changes nothing.
	form.Set("token", "forged")
	if resp, _ := b.postForm("/settings/connected-applications/orgs", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged form: %d, want 403", resp.StatusCode)
	}
}

// TestConsentShowsOwner: the consent page names the app's owner, a user or
// an org, with a link to its page.
func TestConsentShowsOwner(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	for _, tc := range []struct {
		owner, want string
	}{{h.org.ID, `by <a href="` + h.ts.URL + `/wonderland">wonderland</a> (organization)`}, {h.bob.ID, `by <a href="` + h.ts.URL + `/bob">bob</a> (user)`}} {
		if err := h.db.UpdateApp(ctx, h.conf.ClientID, func(a *store.App) error { a.OwnerID = tc.owner; return nil }); err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		b.login("alice", alicePassword)
		resp, body := b.get("/oauth/authorize?" + url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "prompt": {"consent"}}.Encode())
		if resp.StatusCode != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("consent page for an app owned by %s: %d, want %q in %.1500s", tc.owner, resp.StatusCode, tc.want, body)
		}
	}
}

// TestRequirePKCE: a confidential app marked RequirePKCE is refused an
// authorization request without a PKCE challenge (invalid_request sent back
// to its redirect URI) and served with one.
func TestRequirePKCE(t *testing.T) {
	h := newHub(t)
	if err := h.db.UpdateApp(context.Background(), h.conf.ClientID, func(a *store.App) error { a.RequirePKCE = true; return nil }); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("alice", alicePassword)
	params := url.Values{"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "state": {"s"}}
	resp, _ := b.get("/oauth/authorize?" + params.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "invalid_request" || !strings.Contains(loc.Query().Get("error_description"), "requires PKCE") {
		t.Fatalf("without PKCE: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	params.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
	params.Set("code_challenge_method", "S256")
	if loc := b.authorize(params, "alice", alicePassword); loc.Query().Get("code") == "" {
		t.Errorf("with PKCE: no code: %s", loc)
	}
}
