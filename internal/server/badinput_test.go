package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// The tests in this file send bad input to every endpoint and check two
// things: the answer (status, error code, where it goes) and that nothing in
// the store changed. Each case gets its own hub, so that a case cannot leak
// state into the next one.

// testVerifier is the PKCE verifier of RFC 7636 appendix B.
const testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// ---------------------------------------------------------------- helpers

// send makes one request to the hub with the browser's cookies and follows
// no redirect. hdr is set on the request; a form body gets the form content
// type unless hdr names another (or "" for none).
func (b *browser) send(method, path string, body string, hdr map[string]string) (*http.Response, string) {
	b.h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.h.ts.URL+path, r)
	if err != nil {
		b.h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	c := *b.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return resp, readBody(b.h.t, resp)
}

// sameOrigin are the headers a browser sends with a form posted from a
// page of the hub itself.
func (b *browser) sameOrigin() map[string]string {
	return map[string]string{"Origin": b.h.ts.URL, "Sec-Fetch-Site": "same-origin"}
}

// signIn gives the browser a session for u straight from the store, without
// the cost of a password check (login itself is tested on its own).
func (b *browser) signIn(u store.User) {
	b.h.t.Helper()
	id, digest := store.NewSecret("")
	now := b.h.clock.Now()
	err := b.h.db.CreateSession(context.Background(), store.Session{
		Hash: digest, UserID: u.ID, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	})
	if err != nil {
		b.h.t.Fatal(err)
	}
	hub, _ := url.Parse(b.h.ts.URL)
	b.client.Jar.SetCookies(hub, []*http.Cookie{{Name: "hubid_session", Value: id, Path: "/"}})
}

// user returns the seeded user with that name.
func (h *hub) user(name string) store.User {
	switch name {
	case "alice":
		return h.alice
	case "bob":
		return h.bob
	}
	h.t.Fatalf("no seeded user %q", name)
	return store.User{}
}

// dump is every row of the store.
func (h *hub) dump() map[string][]string {
	h.t.Helper()
	d, err := h.db.Dump(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// assertUnchanged fails the test when the store differs from before.
func (h *hub) assertUnchanged(before map[string][]string) {
	h.t.Helper()
	if diff := cmp.Diff(before, h.dump()); diff != "" {
		h.t.Errorf("the store changed (-before +after):\n%s", diff)
	}
}

// edit changes request parameters; it may read the hub (client ids).
type edit func(h *hub, v url.Values)

// set sets a parameter to vals (several values repeat it).
func set(k string, vals ...string) edit {
	return func(_ *hub, v url.Values) { v[k] = vals }
}

// del removes a parameter.
func del(k string) edit { return func(_ *hub, v url.Values) { v.Del(k) } }

// publicApp turns a request for the confidential app into one for the
// public app, with the PKCE it needs.
func publicApp(h *hub, v url.Values) {
	v.Set("client_id", h.pub.ClientID)
	v.Set("code_challenge", s256(testVerifier))
	v.Set("code_challenge_method", "S256")
}

// withPKCE adds an S256 challenge for testVerifier.
func withPKCE(_ *hub, v url.Values) {
	v.Set("code_challenge", s256(testVerifier))
	v.Set("code_challenge_method", "S256")
}

// authzParams is a valid authorization request for the confidential app,
// changed by edits.
func authzParams(h *hub, edits ...edit) url.Values {
	v := url.Values{
		"client_id": {h.conf.ClientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"st-1"},
	}
	for _, e := range edits {
		e(h, v)
	}
	return v
}

// tokenForm is a token request redeeming code, changed by edits.
func tokenForm(h *hub, code string, edits ...edit) url.Values {
	v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	for _, e := range edits {
		e(h, v)
	}
	return v
}

// issueCode runs the authorization flow for alice (consenting) and returns
// the code.
func (h *hub) issueCode(params url.Values) string {
	h.t.Helper()
	b := h.browser()
	b.signIn(h.alice)
	loc := b.authorize(params, "alice", alicePassword)
	code := loc.Query().Get("code")
	if code == "" {
		h.t.Fatalf("no code in %s", loc)
	}
	return code
}

// issueTokens runs the whole flow for alice and returns the token response.
func (h *hub) issueTokens(params url.Values, basicUser, basicPass string, extra ...edit) map[string]any {
	h.t.Helper()
	code := h.issueCode(params)
	status, body, _ := h.postToken(tokenForm(h, code, extra...), basicUser, basicPass)
	if status != http.StatusOK {
		h.t.Fatalf("token: %d %v", status, body)
	}
	return body
}

// checkPage checks an HTML error page: status, text, and that it does not
// redirect anywhere.
func checkPage(t *testing.T, resp *http.Response, body string, status int, text string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d; body %.400s", resp.StatusCode, status, body)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Errorf("Location = %q; an error page must not redirect", loc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want an HTML page", ct)
	}
	if !strings.Contains(body, text) {
		t.Errorf("page does not say %q:\n%.800s", text, body)
	}
}

// checkErrorRedirect checks a 303 that sends an authorization error back to
// the app's redirect URI.
func checkErrorRedirect(t *testing.T, resp *http.Response, body string, code oidc.ErrorCode, desc, state string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303 to the app; body %.400s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Errorf("redirected to %s, want %s", loc, redirectURI)
	}
	q := loc.Query()
	if got := q.Get("error"); got != string(code) {
		t.Errorf("error = %q, want %q (%s)", got, code, loc)
	}
	if got := q.Get("error_description"); !strings.Contains(got, desc) {
		t.Errorf("error_description = %q, want it to contain %q", got, desc)
	}
	if got, ok := q["state"]; state == "" && ok {
		t.Errorf("state = %q, want none", got)
	} else if state != "" && q.Get("state") != state {
		t.Errorf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Has("code") {
		t.Errorf("an error redirect carries a code: %s", loc)
	}
}

// checkJSONError checks an RFC 6749 §5.2 JSON error.
func checkJSONError(t *testing.T, resp *http.Response, body string, status int, code oidc.ErrorCode, desc string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	var e struct {
		Error       oidc.ErrorCode `json:"error"`
		Description string         `json:"error_description"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("body is not JSON: %v: %q", err, body)
	}
	if e.Error != code {
		t.Errorf("error = %q, want %q (%s)", e.Error, code, e.Description)
	}
	if !strings.Contains(e.Description, desc) {
		t.Errorf("error_description = %q, want it to contain %q", e.Description, desc)
	}
}

// ---------------------------------------------------------------- authorize

func TestAuthorizeBadInput(t *testing.T) {
	long := strings.Repeat("x", 600)
	cases := []struct {
		name  string
		setup func(h *hub) // before the snapshot
		user  string       // signed in as; "" for no session
		// The request: GET with params in the query, or POST with body
		// (the query then empty).
		method string
		params []edit
		body   func(h *hub) string
		ctype  string

		status int // 303 for redirects
		page   string
		// For error redirects to the app:
		err   oidc.ErrorCode
		desc  string
		state string
		// toLogin: a 303 to the login page (no session).
		toLogin bool
	}{
		// Errors about the client or its redirect URI: a page, never a redirect.
		{name: "missing-client-id", params: []edit{del("client_id")}, status: 400, page: "client_id is missing"},
		{name: "empty-client-id", params: []edit{set("client_id", "")}, status: 400, page: "client_id is missing"},
		{name: "repeated-client-id", params: []edit{func(h *hub, v url.Values) { v["client_id"] = []string{h.conf.ClientID, h.conf.ClientID} }}, status: 400, page: "parameter client_id was given 2 times"},
		{name: "unknown-client", params: []edit{set("client_id", "5d2a5b8e-0000-4000-8000-000000000000")}, status: 400, page: "Unknown app"},
		{name: "unknown-client-prompt-none", params: []edit{set("client_id", "nope"), set("prompt", "none")}, status: 400, page: "Unknown app"},
		{name: "overlong-client-id", params: []edit{set("client_id", long)}, status: 400, page: "client_id is too long"},
		{name: "missing-redirect-uri", params: []edit{del("redirect_uri")}, status: 400, page: "redirect_uri is missing"},
		{name: "repeated-redirect-uri", params: []edit{set("redirect_uri", redirectURI, redirectURI)}, status: 400, page: "parameter redirect_uri was given 2 times"},
		{name: "wrong-redirect-uri-path", params: []edit{set("redirect_uri", "http://127.0.0.1:9999/evil")}, status: 400, page: "Redirect URI not allowed"},
		{name: "wrong-redirect-uri-host", params: []edit{set("redirect_uri", "https://evil.example/login/callback")}, status: 400, page: "Redirect URI not allowed"},
		{name: "redirect-uri-host-alias", params: []edit{set("redirect_uri", "http://localhost:9999/login/callback")}, status: 400, page: "Redirect URI not allowed"},
		{name: "redirect-uri-https", params: []edit{set("redirect_uri", "https://127.0.0.1:9999/login/callback")}, status: 400, page: "Redirect URI not allowed"},
		{name: "redirect-uri-extra-query", params: []edit{set("redirect_uri", redirectURI+"?next=https://evil.example")}, status: 400, page: "Redirect URI not allowed"},
		{name: "redirect-uri-fragment", params: []edit{set("redirect_uri", redirectURI+"#x")}, status: 400, page: "Redirect URI not allowed"},
		{name: "redirect-uri-prefix", params: []edit{set("redirect_uri", redirectURI+"/more")}, status: 400, page: "Redirect URI not allowed"},
		{name: "wrong-redirect-uri-and-bad-scope", params: []edit{set("redirect_uri", "https://evil.example/cb"), set("scope", "openid admin")}, status: 400, page: "Redirect URI not allowed"},
		{name: "wrong-redirect-uri-signed-in", user: "alice", params: []edit{set("redirect_uri", "https://evil.example/cb"), set("prompt", "none")}, status: 400, page: "Redirect URI not allowed"},
		{name: "too-many-parameters", params: []edit{func(_ *hub, v url.Values) {
			for i := range 70 {
				v.Set("p"+strings.Repeat("x", i), "1")
			}
		}}, status: 400, page: "too many parameters"},
		{name: "disabled-app", setup: func(h *hub) {
			if err := h.db.UpdateApp(context.Background(), h.conf.ClientID, func(a *store.App) error { a.Disabled = true; return nil }); err != nil {
				h.t.Fatal(err)
			}
		}, status: 400, page: "App disabled"},

		// Errors about the request, once the client and its redirect URI are
		// known: a 303 back to the app with the state.
		{name: "unsupported-response-type", params: []edit{set("response_type", "token")}, status: 303, err: oidc.CodeUnsupportedResponseType, desc: "response_type", state: "st-1"},
		{name: "repeated-response-type", params: []edit{set("response_type", "code", "code")}, status: 303, err: oidc.CodeInvalidRequest, desc: "response_type was given 2 times", state: "st-1"},
		{name: "repeated-scope", params: []edit{set("scope", "openid", "email")}, status: 303, err: oidc.CodeInvalidRequest, desc: "scope was given 2 times", state: "st-1"},
		{name: "repeated-nonce", params: []edit{set("nonce", "a", "b")}, status: 303, err: oidc.CodeInvalidRequest, desc: "nonce was given 2 times", state: "st-1"},
		{name: "repeated-state", params: []edit{set("state", "a", "b")}, status: 303, err: oidc.CodeInvalidRequest, desc: "state was given 2 times"},
		{name: "overlong-state", params: []edit{set("state", strings.Repeat("s", 8193))}, status: 303, err: oidc.CodeInvalidRequest, desc: "state is longer"},
		{name: "overlong-nonce", params: []edit{set("nonce", strings.Repeat("n", 513))}, status: 303, err: oidc.CodeInvalidRequest, desc: "nonce is longer", state: "st-1"},
		{name: "unknown-scope", params: []edit{set("scope", "openid admin")}, status: 303, err: oidc.CodeInvalidScope, desc: `unknown scope "admin"`, state: "st-1"},
		{name: "scope-not-given-to-app", params: []edit{set("scope", "openid read-billing")}, status: 303, err: oidc.CodeInvalidScope, desc: `not given the scope "read-billing"`, state: "st-1"},
		{name: "scope-not-given-to-public-app", params: []edit{publicApp, set("scope", "openid profile read-repos")}, status: 303, err: oidc.CodeInvalidScope, desc: `not given the scope "read-repos"`, state: "st-1"},
		{name: "pkce-plain", params: []edit{set("code_challenge", testVerifier), set("code_challenge_method", "plain")}, status: 303, err: oidc.CodeInvalidRequest, desc: "plain is not supported", state: "st-1"},
		{name: "pkce-without-method", params: []edit{set("code_challenge", s256(testVerifier))}, status: 303, err: oidc.CodeInvalidRequest, desc: "plain is not supported", state: "st-1"},
		{name: "pkce-plain-public-app", params: []edit{publicApp, set("code_challenge", testVerifier), set("code_challenge_method", "plain")}, status: 303, err: oidc.CodeInvalidRequest, desc: "plain is not supported", state: "st-1"},
		{name: "pkce-unknown-method", params: []edit{set("code_challenge", s256(testVerifier)), set("code_challenge_method", "S512")}, status: 303, err: oidc.CodeInvalidRequest, desc: `"S512" is not supported`, state: "st-1"},
		{name: "pkce-short-challenge", params: []edit{set("code_challenge", "abc"), set("code_challenge_method", "S256")}, status: 303, err: oidc.CodeInvalidRequest, desc: "43 base64url characters", state: "st-1"},
		{name: "pkce-method-without-challenge", params: []edit{set("code_challenge_method", "S256")}, status: 303, err: oidc.CodeInvalidRequest, desc: "without code_challenge", state: "st-1"},
		{name: "public-app-without-pkce", params: []edit{publicApp, del("code_challenge"), del("code_challenge_method")}, status: 303, err: oidc.CodeInvalidRequest, desc: "public client: it must use PKCE", state: "st-1"},
		{name: "unknown-prompt", params: []edit{set("prompt", "sometimes")}, status: 303, err: oidc.CodeInvalidRequest, desc: `prompt value "sometimes"`, state: "st-1"},
		{name: "prompt-none-with-login", params: []edit{set("prompt", "none login")}, status: 303, err: oidc.CodeInvalidRequest, desc: "prompt=none cannot be combined", state: "st-1"},
		{name: "bad-max-age", params: []edit{set("max_age", "-1")}, status: 303, err: oidc.CodeInvalidRequest, desc: "max_age", state: "st-1"},
		{name: "response-mode-fragment", params: []edit{set("response_mode", "fragment")}, status: 303, err: oidc.CodeInvalidRequest, desc: "response_mode", state: "st-1"},
		{name: "prompt-none-without-session", params: []edit{set("prompt", "none")}, status: 303, err: oidc.CodeLoginRequired, desc: "not signed in", state: "st-1"},
		{name: "prompt-none-without-consent", user: "alice", params: []edit{set("prompt", "none")}, status: 303, err: oidc.CodeConsentRequired, desc: "has not authorized", state: "st-1"},
		{name: "prompt-none-consent-too-narrow", user: "alice", setup: func(h *hub) {
			err := h.db.PutConsent(context.Background(), store.Consent{UserID: h.alice.ID, ClientID: h.conf.ClientID, Scopes: []string{"openid", "profile"}, CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now()})
			if err != nil {
				h.t.Fatal(err)
			}
		}, params: []edit{set("prompt", "none"), set("scope", "openid profile email")}, status: 303, err: oidc.CodeConsentRequired, state: "st-1"},
		{name: "org-restricted-non-member", user: "bob", setup: restrictToOrgs("wonderland"), status: 303, err: oidc.CodeAccessDenied, desc: "only members of the organization wonderland may sign in to this app; @bob is not a member", state: "st-1"},
		{name: "org-restricted-non-member-prompt-none", user: "bob", setup: restrictToOrgs("wonderland"), params: []edit{set("prompt", "none")}, status: 303, err: oidc.CodeAccessDenied, desc: "wonderland", state: "st-1"},
		{name: "org-restricted-several-orgs", user: "bob", setup: restrictToOrgs("wonderland", "looking-glass"), status: 303, err: oidc.CodeAccessDenied, desc: "the organizations wonderland, looking-glass", state: "st-1"},

		// Not an error, but must not write anything either: no session
		// sends the browser to the login page.
		{name: "no-session", status: 303, toLogin: true},
		{name: "no-session-public-app", params: []edit{publicApp}, status: 303, toLogin: true},

		// POST /oauth/authorize with a bad body: a page.
		{name: "post-repeated-form-parameter", method: "POST", body: func(h *hub) string {
			return authzParams(h).Encode() + "&client_id=" + url.QueryEscape(h.conf.ClientID)
		}, status: 400, page: "parameter client_id was given 2 times"},
		{name: "post-oversized-body", method: "POST", body: func(h *hub) string {
			return authzParams(h).Encode() + "&pad=" + strings.Repeat("a", 65<<10)
		}, status: 413, page: "larger than 65536 bytes"},
		{name: "post-json-body", method: "POST", ctype: "application/json", body: func(h *hub) string {
			return `{"client_id":"` + h.conf.ClientID + `"}`
		}, status: 400, page: "application/x-www-form-urlencoded"},
		{name: "post-malformed-form", method: "POST", body: func(h *hub) string { return "client_id=%zz" }, status: 400, page: "not a valid form"},
		{name: "post-unknown-client", method: "POST", body: func(h *hub) string {
			return authzParams(h, set("client_id", "nope")).Encode()
		}, status: 400, page: "Unknown app"},
		{name: "post-wrong-redirect-uri", method: "POST", body: func(h *hub) string {
			return authzParams(h, set("redirect_uri", "https://evil.example/cb")).Encode()
		}, status: 400, page: "Redirect URI not allowed"},
		{name: "post-bad-scope", method: "POST", body: func(h *hub) string {
			return authzParams(h, set("scope", "openid read-billing")).Encode()
		}, status: 303, err: oidc.CodeInvalidScope, desc: "read-billing", state: "st-1"},

		// Other methods.
		{name: "put", method: "PUT", status: 405, page: "PUT is not allowed on /oauth/authorize"},
		{name: "delete", method: "DELETE", status: 405, page: "DELETE is not allowed on /oauth/authorize"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			if tc.setup != nil {
				tc.setup(h)
			}
			b := h.browser()
			if tc.user != "" {
				b.signIn(h.user(tc.user))
			}
			method, path, body := tc.method, "/oauth/authorize", ""
			if method == "" {
				method = "GET"
			}
			if tc.body != nil {
				body = tc.body(h)
			} else {
				path += "?" + authzParams(h, tc.params...).Encode()
			}
			hdr := b.sameOrigin()
			if tc.ctype != "" {
				hdr["Content-Type"] = tc.ctype
			}
			before := h.dump()
			resp, page := b.send(method, path, body, hdr)
			switch {
			case tc.toLogin:
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
					t.Errorf("got %d to %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
				}
			case tc.status == http.StatusSeeOther:
				checkErrorRedirect(t, resp, page, tc.err, tc.desc, tc.state)
			default:
				checkPage(t, resp, page, tc.status, tc.page)
			}
			if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
			h.assertUnchanged(before)
		})
	}
}

// restrictToOrgs sets the confidential app's AuthorizedOrgs.
func restrictToOrgs(orgs ...string) func(h *hub) {
	return func(h *hub) {
		h.t.Helper()
		err := h.db.UpdateApp(context.Background(), h.conf.ClientID, func(a *store.App) error {
			a.AuthorizedOrgs = orgs
			return nil
		})
		if err != nil {
			h.t.Fatal(err)
		}
	}
}

// TestConsentBadInput posts the consent form after tampering with it. The
// form is for alice, the confidential app and openid profile email.
func TestConsentBadInput(t *testing.T) {
	cases := []struct {
		name   string
		poster string // who posts: "alice", "bob", or "" (no session)
		tamper func(h *hub, f url.Values)
		status int
		page   string
		// For a redirect to the app:
		err  oidc.ErrorCode
		desc string
		// toLogin: a 303 to the login page.
		toLogin bool
	}{
		{name: "deny", poster: "alice", tamper: func(_ *hub, f url.Values) { f.Set("consent", "deny") }, status: 303, err: oidc.CodeAccessDenied, desc: "The user denied the request"},
		{name: "unknown-consent-value", poster: "alice", tamper: func(_ *hub, f url.Values) { f.Set("consent", "maybe") }, status: 303, err: oidc.CodeAccessDenied, desc: "The user denied the request"},
		{name: "tampered-token", poster: "alice", tamper: func(_ *hub, f url.Values) {
			tok := f.Get("consent_token")
			f.Set("consent_token", "A"+tok[1:])
			if f.Get("consent_token") == tok {
				f.Set("consent_token", "B"+tok[1:])
			}
		}, status: 403, page: "Consent not accepted"},
		{name: "missing-token", poster: "alice", tamper: func(_ *hub, f url.Values) { f.Del("consent_token") }, status: 403, page: "Consent not accepted"},
		{name: "scope-widened", poster: "alice", tamper: func(_ *hub, f url.Values) { f.Set("scope", "openid profile email read-repos") }, status: 403, page: "Consent not accepted"},
		{name: "scope-narrowed", poster: "alice", tamper: func(_ *hub, f url.Values) { f.Set("scope", "openid profile") }, status: 403, page: "Consent not accepted"},
		{name: "redirect-uri-changed", poster: "alice", tamper: func(_ *hub, f url.Values) {
			f.Set("redirect_uri", "http://127.0.0.1:8888/login/callback") // accepted for the app (loopback, any port)
		}, status: 403, page: "Consent not accepted"},
		{name: "client-changed", poster: "alice", tamper: func(h *hub, f url.Values) {
			f.Set("client_id", h.pub.ClientID)
			f.Set("code_challenge", s256(testVerifier))
			f.Set("code_challenge_method", "S256")
		}, status: 403, page: "Consent not accepted"},
		{name: "other-session", poster: "bob", status: 403, page: "Consent not accepted"},
		{name: "no-session", poster: "", toLogin: true, status: 303},
		{name: "repeated-consent-field", poster: "alice", tamper: func(_ *hub, f url.Values) { f["consent"] = []string{"allow", "allow"} }, status: 400, page: "parameter consent was given 2 times"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			alice := h.browser()
			alice.signIn(h.alice)
			resp, page := alice.get("/oauth/authorize?" + authzParams(h, set("scope", "openid profile email")).Encode())
			f := formFields(page)
			if resp.StatusCode != 200 || f.Get("consent_token") == "" {
				t.Fatalf("no consent page: %d %.400s", resp.StatusCode, page)
			}
			f.Set("consent", "allow")
			if tc.tamper != nil {
				tc.tamper(h, f)
			}
			poster := h.browser()
			switch tc.poster {
			case "alice":
				poster = alice
			case "bob":
				poster.signIn(h.bob)
			}
			before := h.dump()
			resp, page = poster.send("POST", "/oauth/authorize", f.Encode(), poster.sameOrigin())
			switch {
			case tc.toLogin:
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
					t.Errorf("got %d to %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
				}
			case tc.status == http.StatusSeeOther:
				checkErrorRedirect(t, resp, page, tc.err, tc.desc, "st-1")
			default:
				checkPage(t, resp, page, tc.status, tc.page)
			}
			h.assertUnchanged(before)
		})
	}
}

// TestAuthorizePromptLogin: prompt=login, prompt=select_account and an
// exceeded max_age show the login page without ending the hub session (a
// link cannot sign anyone out; a user who walks away stays signed in), and
// cannot be skipped by going straight back to the request; only a
// successful login replaces the session, and the code then carries the new
// auth_time.
func TestAuthorizePromptLogin(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
	}{
		{"prompt-login", []edit{set("prompt", "login")}},
		{"prompt-login-consent", []edit{set("prompt", "login consent")}},
		{"prompt-select-account", []edit{set("prompt", "select_account")}},
		{"max-age-exceeded", []edit{set("max_age", "60")}},
		{"max-age-zero", []edit{set("max_age", "0")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			b := h.browser()
			b.signIn(h.alice)
			hubURL, _ := url.Parse(h.ts.URL)
			oldCookie := b.client.Jar.Cookies(hubURL)
			firstAuth := h.clock.Now().Unix()
			// Consent is remembered, so a plain request gets a code at once.
			if loc := b.authorize(authzParams(h), "alice", alicePassword); loc.Query().Get("code") == "" {
				t.Fatalf("first authorization: %s", loc)
			}
			h.clock.Advance(time.Hour)

			params := authzParams(h, append([]edit{set("nonce", "n-1")}, tc.edits...)...)
			resp, _ := b.send("GET", "/oauth/authorize?"+params.Encode(), "", nil)
			loc, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Path != "/login" {
				t.Fatalf("got %d to %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
			}
			if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("the request for a fresh login set cookies %q; the session must be left alone", sc)
			}
			next, err := url.Parse(loc.Query().Get("next"))
			if err != nil {
				t.Fatal(err)
			}
			if next.Path != "/oauth/authorize" || next.Query().Encode() != params.Encode() {
				t.Errorf("next = %s, want the same request", next)
			}

			// The user walks away: the hub session still works.
			resp, page := b.send("GET", "/oauth/authorize?"+authzParams(h, set("prompt", "none"), set("state", "st-2")).Encode(), "", nil)
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(got, redirectURI+"?code=") {
				t.Fatalf("prompt=none after the login page: %d to %q, want a code (%.300s)", resp.StatusCode, got, page)
			}
			// Going straight back to the request (or with a forged proof)
			// does not skip the login.
			forged := cloneParams(params)
			forged.Set("hubid_reauth", "AAAA")
			for _, p := range []url.Values{params, forged} {
				resp, _ = b.send("GET", "/oauth/authorize?"+p.Encode(), "", nil)
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
					t.Fatalf("request without a fresh login: %d to %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
				}
			}
			// Nor does posting a consent form obtained for the old session.
			resp, page = b.send("GET", "/oauth/authorize?"+authzParams(h, set("nonce", "n-1"), set("prompt", "consent")).Encode(), "", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, `name="consent_token"`) {
				t.Fatalf("prompt=consent: %d, want the consent page", resp.StatusCode)
			}
			f := formFields(page)
			for k := range params {
				f.Set(k, params.Get(k))
			}
			f.Set("consent", "allow")
			resp, _ = b.send("POST", "/oauth/authorize", f.Encode(), b.sameOrigin())
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
				t.Fatalf("consent form of the old session: %d to %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
			}

			// Signing in again continues the flow, without looping, to a
			// code bound to the new authentication.
			reAuth := h.clock.Now().Unix()
			to := b.authorize(params, "alice", alicePassword)
			code := to.Query().Get("code")
			if code == "" || to.Query().Get("state") != "st-1" {
				t.Fatalf("after a fresh login: %s, want a code", to)
			}
			status, tok, _ := h.postToken(tokenForm(h, code), h.conf.ClientID, h.confSecret)
			if status != 200 {
				t.Fatalf("token: %d %v", status, tok)
			}
			idt, _ := tok["id_token"].(string)
			claims := decodeJWTClaims(t, idt)
			if got, _ := claims["auth_time"].(float64); int64(got) != reAuth || int64(got) == firstAuth {
				t.Errorf("auth_time = %v, want the re-login's %d (the old session's was %d)", claims["auth_time"], reAuth, firstAuth)
			}
			if claims["nonce"] != "n-1" {
				t.Errorf("nonce = %v, want n-1", claims["nonce"])
			}
			// The login replaced the old session.
			old := h.browser()
			old.client.Jar.SetCookies(hubURL, oldCookie)
			resp, page = old.send("GET", "/oauth/authorize?"+authzParams(h, set("prompt", "none")).Encode(), "", nil)
			checkErrorRedirect(t, resp, page, oidc.CodeLoginRequired, "", "st-1")
		})
	}
}

func cloneParams(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

// TestAuthorizePromptConsent: a remembered consent skips the consent page,
// unless prompt=consent asks again.
func TestAuthorizePromptConsent(t *testing.T) {
	cases := []struct {
		name    string
		prompt  string
		consent bool // the consent page is shown
	}{
		{"remembered", "", false},
		{"prompt-consent", "consent", true},
		{"prompt-none", "none", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			b := h.browser()
			b.signIn(h.alice)
			p := authzParams(h, set("scope", "openid profile email"))
			if loc := b.authorize(p, "alice", alicePassword); loc.Query().Get("code") == "" {
				t.Fatalf("first authorization: %s", loc)
			}
			if tc.prompt != "" {
				p.Set("prompt", tc.prompt)
			}
			resp, page := b.send("GET", "/oauth/authorize?"+p.Encode(), "", nil)
			shown := resp.StatusCode == 200 && strings.Contains(page, `name="consent_token"`)
			if shown != tc.consent {
				t.Fatalf("consent page shown = %v, want %v (status %d, Location %q)", shown, tc.consent, resp.StatusCode, resp.Header.Get("Location"))
			}
			if !tc.consent && !strings.HasPrefix(resp.Header.Get("Location"), redirectURI+"?code=") {
				t.Errorf("Location = %q, want a code", resp.Header.Get("Location"))
			}
		})
	}
}

// TestAuthorizePromptSelectAccount: there is no account chooser, so
// discovery does not advertise select_account, and a request carrying it is
// answered as OpenID Connect Core §3.1.2.1 allows: the login page, where the
// user signs in with the account they choose (never a silent code for the
// current session, never account_selection_required for a user who is
// there to choose). With prompt=none it is a bad request.
func TestAuthorizePromptSelectAccount(t *testing.T) {
	cases := []struct {
		name    string
		prompt  string
		toLogin bool
		err     oidc.ErrorCode // error redirect instead of the login page
		as      string         // who signs in on the login page
	}{
		{name: "select-account-same-user", prompt: "select_account", toLogin: true, as: "alice"},
		{name: "select-account-other-user", prompt: "select_account", toLogin: true, as: "bob"},
		{name: "select-account-consent", prompt: "consent select_account", toLogin: true, as: "bob"},
		{name: "select-account-login", prompt: "login select_account", toLogin: true, as: "alice"},
		{name: "none-select-account", prompt: "none select_account", err: oidc.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			var disc map[string]any
			resp, body := getRaw(t, h, "/.well-known/openid-configuration")
			if err := json.Unmarshal(body, &disc); err != nil || resp.StatusCode != 200 {
				t.Fatalf("discovery: %d %v", resp.StatusCode, err)
			}
			if pv := fmt.Sprint(disc["prompt_values_supported"]); strings.Contains(pv, "select_account") {
				t.Errorf("discovery advertises select_account: %s", pv)
			}
			b := h.browser()
			b.signIn(h.alice)
			// alice's consent is remembered: without select_account the
			// request would be answered with a code straight away.
			if loc := b.authorize(authzParams(h), "alice", alicePassword); loc.Query().Get("code") == "" {
				t.Fatalf("first authorization: %s", loc)
			}
			p := authzParams(h, set("prompt", tc.prompt))
			resp, page := b.send("GET", "/oauth/authorize?"+p.Encode(), "", nil)
			if tc.err != "" {
				checkErrorRedirect(t, resp, page, tc.err, "", "st-1")
				return
			}
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
				t.Fatalf("got %d to %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
			}
			loc := b.authorize(p, tc.as, map[string]string{"alice": alicePassword, "bob": bobPassword}[tc.as])
			code := loc.Query().Get("code")
			if code == "" || loc.Query().Get("state") != "st-1" {
				t.Fatalf("after signing in as %s: %s, want a code", tc.as, loc)
			}
			status, tok, _ := h.postToken(tokenForm(h, code), h.conf.ClientID, h.confSecret)
			if status != 200 {
				t.Fatalf("token: %d %v", status, tok)
			}
			idt, _ := tok["id_token"].(string)
			if got := decodeJWTClaims(t, idt)["preferred_username"]; got != tc.as {
				t.Errorf("ID token for %v, want %s (the account chosen on the login page)", got, tc.as)
			}
		})
	}
}

// TestAuthorizeOrgMembers: an app restricted to orgs admits their members.
func TestAuthorizeOrgMembers(t *testing.T) {
	cases := []struct {
		name string
		orgs []string
	}{
		{"single-org", []string{"wonderland"}},
		{"org-name-case-insensitive", []string{"Wonderland"}},
		{"one-of-several", []string{"looking-glass", "wonderland"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			restrictToOrgs(tc.orgs...)(h)
			b := h.browser()
			b.signIn(h.alice)
			loc := b.authorize(authzParams(h), "alice", alicePassword)
			if loc.Query().Get("code") == "" {
				t.Errorf("alice (admin of wonderland) was refused: %s", loc)
			}
		})
	}
}

// TestAuthorizeImpliedScopes: openid and profile are always granted,
// whatever the request asks.
func TestAuthorizeImpliedScopes(t *testing.T) {
	cases := []struct {
		name  string
		scope []string // nil: no scope parameter
		want  string
	}{
		{"no-scope-parameter", nil, "openid profile"},
		{"empty-scope", []string{""}, "openid profile"},
		{"openid-only", []string{"openid"}, "openid profile"},
		{"email-only", []string{"email"}, "openid profile email"},
		{"reordered-with-duplicates", []string{"email  profile openid email"}, "openid profile email"},
		{"memberships", []string{"openid read-repos read-memberships"}, "openid profile read-memberships read-repos"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			p := authzParams(h, set("scope", tc.scope...))
			if tc.scope == nil {
				p.Del("scope")
			}
			tok := h.issueTokens(p, h.conf.ClientID, h.confSecret)
			if got := tok["scope"]; got != tc.want {
				t.Errorf("scope = %v, want %q", got, tc.want)
			}
			if tok["id_token"] == nil {
				t.Error("no id_token although openid is implied")
			}
		})
	}
}

// ---------------------------------------------------------------- login

func TestLoginBadInput(t *testing.T) {
	cases := []struct {
		name   string
		method string
		body   string
		ctype  string
		status int
		page   string
	}{
		{name: "wrong-password", body: "username=alice&password=wrong+horse&next=%2F", status: 401, page: "Incorrect username or password."},
		{name: "unknown-user", body: "username=mallory&password=x&next=%2F", status: 401, page: "Incorrect username or password."},
		{name: "other-users-password", body: "username=alice&password=" + url.QueryEscape(bobPassword), status: 401, page: "Incorrect username or password."},
		{name: "missing-password", body: "username=alice", status: 401, page: "Incorrect username or password."},
		{name: "empty-password", body: "username=alice&password=", status: 401, page: "Incorrect username or password."},
		{name: "missing-username", body: "password=" + url.QueryEscape(alicePassword), status: 401, page: "Incorrect username or password."},
		{name: "empty-body", body: "", status: 401, page: "Incorrect username or password."},
		{name: "overlong-username", body: "username=" + strings.Repeat("a", 300) + "&password=x", status: 401, page: "Incorrect username or password."},
		{name: "overlong-password", body: "username=alice&password=" + strings.Repeat("p", 2000), status: 401, page: "Incorrect username or password."},
		{name: "repeated-username", body: "username=alice&username=bob&password=" + url.QueryEscape(alicePassword), status: 400, page: "parameter username was given 2 times"},
		{name: "repeated-password", body: "username=alice&password=x&password=" + url.QueryEscape(alicePassword), status: 400, page: "parameter password was given 2 times"},
		{name: "oversized-body", body: "username=alice&password=" + url.QueryEscape(alicePassword) + "&pad=" + strings.Repeat("a", 65<<10), status: 413, page: "larger than 65536 bytes"},
		{name: "json-body", ctype: "application/json", body: `{"username":"alice","password":"` + alicePassword + `"}`, status: 400, page: "application/x-www-form-urlencoded"},
		{name: "malformed-form", body: "username=alice&password=%zz", status: 400, page: "not a valid form"},
		{name: "put", method: "PUT", body: "username=alice&password=" + url.QueryEscape(alicePassword), status: 405, page: "PUT is not allowed on /login"},
		{name: "delete", method: "DELETE", status: 405, page: "DELETE is not allowed on /login"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			b := h.browser()
			method := tc.method
			if method == "" {
				method = "POST"
			}
			hdr := b.sameOrigin()
			if tc.ctype != "" {
				hdr["Content-Type"] = tc.ctype
			} else if tc.body == "" && method == "POST" {
				hdr["Content-Type"] = "application/x-www-form-urlencoded"
			}
			before := h.dump()
			resp, page := b.send(method, "/login", tc.body, hdr)
			checkPage(t, resp, page, tc.status, tc.page)
			for _, c := range resp.Cookies() {
				if c.Name == "hubid_session" && c.Value != "" {
					t.Errorf("a failed login set a session cookie")
				}
			}
			if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
			h.assertUnchanged(before)
		})
	}
}

// TestLoginFailureIsGeneric: a wrong password and an unknown username get
// the same answer; only the echoed username differs.
func TestLoginFailureIsGeneric(t *testing.T) {
	cases := []struct{ name, username, password string }{
		{"unknown-user", "mallory", "not her password"},
		{"unknown-user-other-password", "nobody-here", "x"},
		{"other-existing-user", "bob", "not his password"},
		{"username-case", "ALICE", "not her password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			b := h.browser()
			next := "/oauth/authorize?" + authzParams(h).Encode()
			attempt := func(username, password string) (int, string) {
				resp, page := b.send("POST", "/login", url.Values{"username": {username}, "password": {password}, "next": {next}}.Encode(), b.sameOrigin())
				return resp.StatusCode, strings.ReplaceAll(page, `value="`+username+`"`, `value="USERNAME"`)
			}
			wantStatus, want := attempt("alice", "not her password")
			if wantStatus != http.StatusUnauthorized {
				t.Fatalf("wrong password: status %d, want 401", wantStatus)
			}
			if !strings.Contains(want, "Incorrect username or password.") || !strings.Contains(want, `value="USERNAME"`) || !strings.Contains(want, "Confidential app") {
				t.Fatalf("wrong password page:\n%s", want)
			}
			status, got := attempt(tc.username, tc.password)
			if status != wantStatus {
				t.Errorf("status = %d, want %d", status, wantStatus)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the page differs from a wrong password's (-wrong password +%s):\n%s", tc.name, diff)
			}
		})
	}
}

// TestLoginNextStaysOnSite: whatever next says, login sends the browser to
// a path on the hub.
func TestLoginNextStaysOnSite(t *testing.T) {
	cases := []struct {
		name, next string
		want       string // Location after a successful login
	}{
		{"protocol-relative", "//evil.example", "/"},
		{"protocol-relative-path", "//evil.example/oauth/authorize", "/"},
		{"triple-slash", "///evil.example", "/"},
		{"absolute-https", "https://evil.example", "/"},
		{"absolute-http", "http://evil.example/x", "/"},
		{"scheme-no-slashes", "https:evil.example", "/"},
		{"backslash", `/\evil.example`, "/"},
		{"double-backslash", `\\evil.example`, "/"},
		{"slash-backslash-slash", `/\/evil.example`, "/"},
		{"tab-smuggled", "/\t/evil.example", "/"},
		{"newline-smuggled", "/\n/evil.example", "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"relative-name", "evil.example", "/"},
		{"empty", "", "/"},
		{"dot-segments", "/.//evil.example", "/evil.example"},
		{"encoded-slashes", "/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"at-sign", "/@evil.example", "/@evil.example"},
		{"authorize-kept", "/oauth/authorize?client_id=x&state=y", "/oauth/authorize?client_id=x&state=y"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			b := h.browser()
			// The login page carries a safe next.
			resp, page := b.get("/login?" + url.Values{"next": {tc.next}}.Encode())
			if resp.StatusCode != 200 {
				t.Fatalf("login page: %d", resp.StatusCode)
			}
			if got := formFields(page).Get("next"); !onSite(got) {
				t.Errorf("login page next = %q, which leaves the hub", got)
			}
			// And a login posting the bad next lands on the hub.
			resp, _ = b.send("POST", "/login", url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {tc.next}}.Encode(), b.sameOrigin())
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: status %d, want 303", resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			if loc != tc.want {
				t.Errorf("Location = %q, want %q", loc, tc.want)
			}
			if !onSite(loc) {
				t.Errorf("Location %q leaves the hub", loc)
			}
		})
	}
}

// onSite reports whether a browser resolves s, relative to the hub, to a
// URL on the hub.
func onSite(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil &&
		strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") &&
		!strings.ContainsAny(s, "\\\t\r\n")
}

// ---------------------------------------------------------------- CSRF

// TestCrossSiteFormsRefused: a form posted from another site to login or
// authorize is refused by http.CrossOriginProtection, and the same request
// from the hub's own page goes through.
func TestCrossSiteFormsRefused(t *testing.T) {
	headers := []struct {
		name string
		hdr  map[string]string
	}{
		{"sec-fetch-site-cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"sec-fetch-site-same-site", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"origin-evil", map[string]string{"Origin": "https://evil.example"}},
		{"both", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
		{"origin-null", map[string]string{"Origin": "null"}},
	}
	endpoints := []struct {
		name string
		path string
		// prepare signs in as needed and returns the form.
		prepare func(h *hub, b *browser) url.Values
		// control is the status of the same form posted from the hub.
		control int
	}{
		{"login", "/login", func(h *hub, b *browser) url.Values {
			return url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {"/"}}
		}, http.StatusSeeOther},
		{"authorize-consent", "/oauth/authorize", func(h *hub, b *browser) url.Values {
			b.signIn(h.alice)
			resp, page := b.get("/oauth/authorize?" + authzParams(h).Encode())
			f := formFields(page)
			if resp.StatusCode != 200 || f.Get("consent_token") == "" {
				h.t.Fatalf("no consent page: %d", resp.StatusCode)
			}
			f.Set("consent", "allow")
			return f
		}, http.StatusSeeOther},
		{"authorize-request", "/oauth/authorize", func(h *hub, b *browser) url.Values {
			b.signIn(h.alice)
			return authzParams(h)
		}, http.StatusOK},
		{"logout", "/logout", func(h *hub, b *browser) url.Values {
			b.signIn(h.alice)
			return url.Values{"bye": {"1"}}
		}, http.StatusSeeOther},
	}
	for _, ep := range endpoints {
		for _, hd := range headers {
			t.Run(ep.name+"/"+hd.name, func(t *testing.T) {
				t.Parallel()
				h := newHub(t)
				b := h.browser()
				form := ep.prepare(h, b)
				before := h.dump()
				resp, body := b.send("POST", ep.path, form.Encode(), hd.hdr)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("status = %d, want 403; body %.300s", resp.StatusCode, body)
				}
				if loc := resp.Header.Get("Location"); loc != "" {
					t.Errorf("Location = %q after a refused request", loc)
				}
				h.assertUnchanged(before)
				// The control: the same form from the hub's page is accepted.
				resp, body = b.send("POST", ep.path, form.Encode(), b.sameOrigin())
				if resp.StatusCode != ep.control {
					t.Errorf("same-origin control: status %d, want %d; body %.300s", resp.StatusCode, ep.control, body)
				}
			})
		}
	}
}

// ---------------------------------------------------------------- token

func TestTokenBadInput(t *testing.T) {
	basicConf := func(h *hub) (string, string) { return h.conf.ClientID, h.confSecret }
	verifier := set("code_verifier", testVerifier)
	cases := []struct {
		name   string
		public bool // the code is the public app's (with PKCE)
		pkce   bool // the confidential app's code has a PKCE challenge
		setup  func(h *hub)
		// advance moves the clock after the code was issued.
		advance time.Duration

		method string // "" = POST
		path   string // "" = /oauth/token
		ctype  string // "" = form, "-" = none
		form   func(h *hub, code string) url.Values
		raw    func(h *hub, code string) string // instead of form
		basic  func(h *hub) (string, string)    // form-encoded like RFC 6749 §2.3.1
		authz  string                           // a raw Authorization header

		status         int
		err            oidc.ErrorCode
		desc           string
		basicChallenge bool // WWW-Authenticate: Basic expected
	}{
		// The request itself.
		{name: "get", method: "GET", status: 405, err: oidc.CodeInvalidRequest, desc: "method GET is not allowed"},
		{name: "put", method: "PUT", basic: basicConf, status: 405, err: oidc.CodeInvalidRequest, desc: "method PUT is not allowed"},
		{name: "query-string", path: "/oauth/token?client_id=x", basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "not the URL"},
		{name: "params-in-query-only", path: "/oauth/token?grant_type=authorization_code", raw: func(*hub, string) string { return "" }, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "not the URL"},
		{name: "json-body", ctype: "application/json", raw: func(h *hub, code string) string {
			return `{"grant_type":"authorization_code","code":"` + code + `","redirect_uri":"` + redirectURI + `"}`
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "application/x-www-form-urlencoded"},
		{name: "multipart-body", ctype: "multipart/form-data; boundary=x", raw: func(*hub, string) string { return "--x--\r\n" }, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "application/x-www-form-urlencoded"},
		{name: "no-content-type", ctype: "-", basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "grant_type is missing"},
		{name: "oversized-body", raw: func(h *hub, code string) string {
			return tokenForm(h, code).Encode() + "&pad=" + strings.Repeat("a", 65<<10)
		}, basic: basicConf, status: 413, err: oidc.CodeInvalidRequest, desc: "larger than 65536 bytes"},
		{name: "malformed-form", raw: func(h *hub, code string) string { return tokenForm(h, code).Encode() + "&x=%zz" }, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "not a valid form"},
		{name: "missing-grant-type", form: func(h *hub, code string) url.Values { return tokenForm(h, code, del("grant_type")) }, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "grant_type is missing"},
		{name: "unsupported-grant-type", form: func(h *hub, code string) url.Values { return tokenForm(h, code, set("grant_type", "password")) }, basic: basicConf, status: 400, err: oidc.CodeUnsupportedGrantType, desc: `"password" is not supported`},
		{name: "refresh-with-a-code-as-token", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("grant_type", "refresh_token"), set("refresh_token", code))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant},
		{name: "repeated-grant-type", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("grant_type", "authorization_code", "authorization_code"))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "parameter grant_type was given 2 times"},
		{name: "repeated-code", form: func(h *hub, code string) url.Values { return tokenForm(h, code, set("code", code, code)) }, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "parameter code was given 2 times"},
		{name: "repeated-client-id", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.conf.ClientID, h.conf.ClientID), set("client_secret", h.confSecret))
		}, status: 400, err: oidc.CodeInvalidRequest, desc: "parameter client_id was given 2 times"},

		// The code.
		{name: "missing-code", form: func(h *hub, code string) url.Values { return tokenForm(h, code, del("code")) }, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "code is missing"},
		{name: "missing-redirect-uri", form: func(h *hub, code string) url.Values { return tokenForm(h, code, del("redirect_uri")) }, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "redirect_uri is missing"},
		{name: "unknown-code", form: func(h *hub, code string) url.Values { return tokenForm(h, code, set("code", "not-a-code")) }, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "invalid or has expired"},
		{name: "code-with-extra-character", form: func(h *hub, code string) url.Values { return tokenForm(h, code, set("code", code+"x")) }, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant},
		{name: "expired-code", advance: 61 * time.Second, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "expired"},
		{name: "expired-code-at-60s", advance: 60 * time.Second, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "expired"},
		{name: "expired-code-pkce-no-client", pkce: true, advance: 61 * time.Second, form: func(h *hub, code string) url.Values { return tokenForm(h, code, verifier) }, status: 400, err: oidc.CodeInvalidGrant, desc: "expired"},
		{name: "wrong-redirect-uri", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("redirect_uri", "http://127.0.0.1:9999/other"))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "redirect_uri does not match"},
		{name: "redirect-uri-other-loopback-port", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("redirect_uri", "http://127.0.0.1:8888/login/callback"))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "redirect_uri does not match"},

		// PKCE.
		{name: "pkce-missing-verifier", pkce: true, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "code_verifier is missing"},
		{name: "pkce-missing-verifier-no-client", pkce: true, status: 400, err: oidc.CodeInvalidGrant, desc: "code_verifier is missing"},
		{name: "pkce-wrong-verifier", pkce: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("code_verifier", strings.Repeat("a", 43)))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "code_verifier does not match"},
		{name: "pkce-wrong-verifier-no-client", pkce: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("code_verifier", strings.Repeat("a", 43)))
		}, status: 400, err: oidc.CodeInvalidGrant, desc: "code_verifier does not match"},
		{name: "pkce-challenge-as-verifier", pkce: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("code_verifier", s256(testVerifier)))
		}, status: 400, err: oidc.CodeInvalidGrant, desc: "code_verifier does not match"},
		{name: "pkce-public-wrong-verifier", public: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.pub.ClientID), set("code_verifier", testVerifier+"x"))
		}, status: 400, err: oidc.CodeInvalidGrant, desc: "code_verifier does not match"},
		{name: "pkce-public-missing-verifier", public: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.pub.ClientID))
		}, status: 400, err: oidc.CodeInvalidGrant, desc: "code_verifier is missing"},
		{name: "verifier-without-challenge", form: func(h *hub, code string) url.Values { return tokenForm(h, code, verifier) }, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "no code_challenge"},

		// The client.
		{name: "code-of-another-client", public: true, form: func(h *hub, code string) url.Values { return tokenForm(h, code, verifier) }, basic: basicConf, status: 400, err: oidc.CodeInvalidGrant, desc: "issued to another client"},
		{name: "code-of-another-client-public", pkce: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, verifier, set("client_id", h.pub.ClientID))
		}, status: 400, err: oidc.CodeInvalidGrant, desc: "issued to another client"},
		{name: "unknown-client-post", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", "nope"), set("client_secret", "x"))
		}, status: 401, err: oidc.CodeInvalidClient, desc: "unknown client"},
		{name: "unknown-client-none", pkce: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, verifier, set("client_id", "nope"))
		}, status: 401, err: oidc.CodeInvalidClient, desc: "unknown client"},
		{name: "unknown-client-basic", basic: func(h *hub) (string, string) { return "nope", "x" }, status: 401, err: oidc.CodeInvalidClient, desc: "unknown client", basicChallenge: true},
		{name: "wrong-secret-basic", basic: func(h *hub) (string, string) { return h.conf.ClientID, "wrong" }, status: 401, err: oidc.CodeInvalidClient, desc: "wrong client secret", basicChallenge: true},
		{name: "empty-secret-basic", basic: func(h *hub) (string, string) { return h.conf.ClientID, "" }, status: 401, err: oidc.CodeInvalidClient, desc: "wrong client secret", basicChallenge: true},
		{name: "wrong-secret-basic-pkce", pkce: true, form: func(h *hub, code string) url.Values { return tokenForm(h, code, verifier) }, basic: func(h *hub) (string, string) { return h.conf.ClientID, "wrong" }, status: 401, err: oidc.CodeInvalidClient, desc: "wrong client secret", basicChallenge: true},
		{name: "wrong-secret-post", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.conf.ClientID), set("client_secret", "wrong"))
		}, status: 401, err: oidc.CodeInvalidClient, desc: "wrong client secret"},
		{name: "empty-secret-post", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.conf.ClientID), set("client_secret", ""))
		}, status: 401, err: oidc.CodeInvalidClient, desc: "wrong client secret"},
		{name: "secret-in-lower-case", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.conf.ClientID), set("client_secret", strings.ToLower(h.confSecret)))
		}, status: 401, err: oidc.CodeInvalidClient, desc: "wrong client secret"},
		{name: "confidential-no-auth-no-pkce", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.conf.ClientID))
		}, status: 401, err: oidc.CodeInvalidClient, desc: "client authentication is required"},
		{name: "no-client-no-pkce", status: 401, err: oidc.CodeInvalidClient, desc: "client authentication is required"},
		{name: "basic-and-body-secret", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_secret", h.confSecret))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "authenticated twice"},
		{name: "basic-and-empty-body-secret", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_secret", ""))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "authenticated twice"},
		{name: "basic-and-other-client-id", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_id", h.pub.ClientID))
		}, basic: basicConf, status: 400, err: oidc.CodeInvalidRequest, desc: "differs from the client"},
		{name: "secret-without-client-id", form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("client_secret", h.confSecret))
		}, status: 400, err: oidc.CodeInvalidRequest, desc: "client_secret was sent without client_id"},
		{name: "public-client-with-secret", public: true, form: func(h *hub, code string) url.Values {
			return tokenForm(h, code, verifier, set("client_id", h.pub.ClientID), set("client_secret", "x"))
		}, status: 401, err: oidc.CodeInvalidClient, desc: "public client"},
		{name: "public-client-basic", public: true, form: func(h *hub, code string) url.Values { return tokenForm(h, code, verifier) },
			basic: func(h *hub) (string, string) { return h.pub.ClientID, "x" }, status: 401, err: oidc.CodeInvalidClient, desc: "public client", basicChallenge: true},
		{name: "bearer-authorization", authz: "Bearer hf_oauth_something", status: 401, err: oidc.CodeInvalidClient, desc: "unsupported Authorization scheme"},
		{name: "basic-not-form-encoded", authz: "Basic " + base64.StdEncoding.EncodeToString([]byte("%zz:secret")), status: 401, err: oidc.CodeInvalidClient, desc: "not form-encoded", basicChallenge: true},
		{name: "disabled-client", setup: func(h *hub) {
			if err := h.db.UpdateApp(context.Background(), h.conf.ClientID, func(a *store.App) error { a.Disabled = true; return nil }); err != nil {
				h.t.Fatal(err)
			}
		}, basic: basicConf, status: 401, err: oidc.CodeInvalidClient, desc: "disabled", basicChallenge: true},
		{name: "disabled-client-pkce-no-client", pkce: true, setup: func(h *hub) {
			if err := h.db.UpdateApp(context.Background(), h.conf.ClientID, func(a *store.App) error { a.Disabled = true; return nil }); err != nil {
				h.t.Fatal(err)
			}
		}, form: func(h *hub, code string) url.Values { return tokenForm(h, code, verifier) }, status: 401, err: oidc.CodeInvalidClient, desc: "disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			params := authzParams(h)
			if tc.public {
				publicApp(h, params)
			} else if tc.pkce {
				withPKCE(h, params)
			}
			code := h.issueCode(params)
			if tc.setup != nil {
				tc.setup(h)
			}
			h.clock.Advance(tc.advance)

			method, path := tc.method, tc.path
			if method == "" {
				method = "POST"
			}
			if path == "" {
				path = "/oauth/token"
			}
			var body string
			switch {
			case tc.raw != nil:
				body = tc.raw(h, code)
			case tc.form != nil:
				body = tc.form(h, code).Encode()
			default:
				body = tokenForm(h, code).Encode()
			}
			req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			switch tc.ctype {
			case "":
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.basic != nil {
				id, secret := tc.basic(h)
				req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
			}
			if tc.authz != "" {
				req.Header.Set("Authorization", tc.authz)
			}

			before := h.dump()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got := readBody(t, resp)
			checkJSONError(t, resp, got, tc.status, tc.err, tc.desc)
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("no CORS header on an error: %v", resp.Header)
			}
			wa := resp.Header.Get("WWW-Authenticate")
			switch {
			case tc.basicChallenge && !strings.HasPrefix(wa, "Basic "):
				t.Errorf("WWW-Authenticate = %q, want a Basic challenge (the client used Basic)", wa)
			case !tc.basicChallenge && wa != "":
				t.Errorf("WWW-Authenticate = %q, want none (the client did not use Basic)", wa)
			}
			if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", resp.Header.Get("Allow"))
			}
			h.assertUnchanged(before)
		})
	}
}

// TestTokenReplayedCode: a code presented twice is refused the second time,
// and the access token issued the first time is revoked (RFC 6749 §4.1.2).
func TestTokenReplayedCode(t *testing.T) {
	cases := []struct {
		name string
		pkce bool
		// basic: the replay authenticates with Basic (the first redemption
		// always does).
		basic bool
		// late: the replay comes after the code expired, when only the
		// tokens it issued remember it.
		late bool
	}{
		{"replayed-by-the-client", false, true, false},
		{"replayed-without-client-auth-pkce", true, false, false},
		{"replayed-with-client-auth-pkce", true, true, false},
		{"replayed-after-expiry", false, true, true},
		{"replayed-after-expiry-without-client-auth-pkce", true, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			params := authzParams(h)
			var extra []edit
			if tc.pkce {
				withPKCE(h, params)
				extra = append(extra, set("code_verifier", testVerifier))
			}
			code := h.issueCode(params)
			form := tokenForm(h, code, extra...)
			status, first, _ := h.postToken(form, h.conf.ClientID, h.confSecret)
			if status != 200 {
				t.Fatalf("first redemption: %d %v", status, first)
			}
			access, _ := first["access_token"].(string)
			if st, ui := h.userinfo(access); st != 200 {
				t.Fatalf("userinfo before the replay: %d %v", st, ui)
			}

			user, pass := "", ""
			if tc.basic {
				user, pass = h.conf.ClientID, h.confSecret
			}
			want := "already used"
			if tc.late {
				h.clock.Advance(protocol.CodeTTL + store.CodeRetention + time.Minute)
				want = "expired"
			}
			status, second, hdr := h.postToken(form, user, pass)
			if status != 400 || second["error"] != string(oidc.CodeInvalidGrant) {
				t.Errorf("replay: %d %v, want 400 invalid_grant", status, second)
			}
			if !strings.Contains(second["error_description"].(string), want) || hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("replay: %v %v", second, hdr)
			}
			if second["access_token"] != nil {
				t.Errorf("the replay got tokens: %v", second)
			}
			st, ui := h.userinfo(access)
			if st != http.StatusUnauthorized || ui["error"] != string(oidc.CodeInvalidToken) {
				t.Errorf("userinfo with the revoked token: %d %v, want 401 invalid_token", st, ui)
			}
			// A third try revokes nothing more and is refused the same way.
			before := h.dump()
			if status, third, _ := h.postToken(form, user, pass); status != 400 || third["error"] != string(oidc.CodeInvalidGrant) {
				t.Errorf("third try: %d %v", status, third)
			}
			h.assertUnchanged(before)
		})
	}
}

// userinfo calls the userinfo endpoint with a bearer token.
func (h *hub) userinfo(token string) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, decodeJSON(h.t, resp)
}

// ---------------------------------------------------------------- bearer endpoints

// bearerTokens are the tokens the bearer tests present.
type bearerTokens struct {
	oauth       string // hf_oauth_…, from a real flow, scopes openid profile email
	user        string // hf_… user access token, no expiry
	userExpired string // hf_… that expired a second ago
	revoked     string // hf_oauth_… revoked
}

// newBearerTokens makes the tokens for alice.
func newBearerTokens(h *hub) bearerTokens {
	h.t.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	tk := bearerTokens{}
	resp := h.issueTokens(authzParams(h, set("scope", "openid profile email")), h.conf.ClientID, h.confSecret)
	tk.oauth = resp["access_token"].(string)
	var d store.Digest
	tk.user, d = store.NewSecret("hf_")
	if err := h.db.CreateToken(ctx, store.Token{Hash: d, Kind: store.KindUser, UserID: h.alice.ID, Name: "laptop", Role: "read", CreatedAt: now}); err != nil {
		h.t.Fatal(err)
	}
	tk.userExpired, d = store.NewSecret("hf_")
	if err := h.db.CreateToken(ctx, store.Token{Hash: d, Kind: store.KindUser, UserID: h.alice.ID, Name: "old", Role: "write", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Second)}); err != nil {
		h.t.Fatal(err)
	}
	tk.revoked, d = store.NewSecret("hf_oauth_")
	if err := h.db.CreateToken(ctx, store.Token{Hash: d, Kind: store.KindAccess, UserID: h.alice.ID, ClientID: h.conf.ClientID, Scopes: []string{"openid", "profile"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour), RevokedAt: now}); err != nil {
		h.t.Fatal(err)
	}
	return tk
}

func TestBearerBadInput(t *testing.T) {
	bearer := func(pick func(bearerTokens) string) func(bearerTokens) string {
		return func(tk bearerTokens) string { return "Bearer " + pick(tk) }
	}
	raw := func(s string) func(bearerTokens) string { return func(bearerTokens) string { return s } }
	oauth := func(tk bearerTokens) string { return tk.oauth }
	cases := []struct {
		name    string
		method  string // "" = GET
		path    string
		authz   func(bearerTokens) string // the Authorization header; nil for none
		advance time.Duration

		status int
		err    oidc.ErrorCode
		desc   string
	}{
		{name: "userinfo-no-token", path: "/oauth/userinfo", status: 401, err: oidc.CodeInvalidToken, desc: "no access token"},
		{name: "userinfo-post-no-token", method: "POST", path: "/oauth/userinfo", status: 401, err: oidc.CodeInvalidToken, desc: "no access token"},
		{name: "userinfo-empty-bearer", path: "/oauth/userinfo", authz: raw("Bearer "), status: 401, err: oidc.CodeInvalidToken},
		{name: "userinfo-garbage-token", path: "/oauth/userinfo", authz: raw("Bearer hf_oauth_garbage"), status: 401, err: oidc.CodeInvalidToken, desc: "invalid"},
		{name: "userinfo-oversized-token", path: "/oauth/userinfo", authz: raw("Bearer hf_oauth_" + strings.Repeat("A", 600)), status: 401, err: oidc.CodeInvalidToken, desc: "invalid"},
		{name: "userinfo-basic-scheme", path: "/oauth/userinfo", authz: func(tk bearerTokens) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+alicePassword))
		}, status: 401, err: oidc.CodeInvalidToken, desc: "no access token"},
		{name: "userinfo-token-without-scheme", path: "/oauth/userinfo", authz: oauth, status: 401, err: oidc.CodeInvalidToken, desc: "no access token"},
		{name: "userinfo-expired-token", path: "/oauth/userinfo", authz: bearer(oauth), advance: 8*time.Hour + time.Second, status: 401, err: oidc.CodeInvalidToken, desc: "expired"},
		{name: "userinfo-token-at-expiry", path: "/oauth/userinfo", authz: bearer(oauth), advance: 8 * time.Hour, status: 401, err: oidc.CodeInvalidToken, desc: "expired"},
		{name: "userinfo-revoked-token", path: "/oauth/userinfo", authz: bearer(func(tk bearerTokens) string { return tk.revoked }), status: 401, err: oidc.CodeInvalidToken, desc: "revoked"},
		{name: "userinfo-user-access-token", path: "/oauth/userinfo", authz: bearer(func(tk bearerTokens) string { return tk.user }), status: 401, err: oidc.CodeInvalidToken, desc: "invalid"},
		{name: "userinfo-put", method: "PUT", path: "/oauth/userinfo", authz: bearer(oauth), status: 405, err: oidc.CodeInvalidRequest, desc: "method PUT is not allowed"},
		{name: "userinfo-delete", method: "DELETE", path: "/oauth/userinfo", authz: bearer(oauth), status: 405, err: oidc.CodeInvalidRequest, desc: "method DELETE is not allowed"},

		{name: "whoami-no-token", path: "/api/whoami-v2", status: 401, err: oidc.CodeInvalidToken, desc: "no access token"},
		{name: "whoami-garbage-token", path: "/api/whoami-v2", authz: raw("Bearer hf_garbage"), status: 401, err: oidc.CodeInvalidToken, desc: "invalid"},
		{name: "whoami-expired-oauth-token", path: "/api/whoami-v2", authz: bearer(oauth), advance: 8*time.Hour + time.Second, status: 401, err: oidc.CodeInvalidToken, desc: "expired"},
		{name: "whoami-expired-user-token", path: "/api/whoami-v2", authz: bearer(func(tk bearerTokens) string { return tk.userExpired }), status: 401, err: oidc.CodeInvalidToken, desc: "expired"},
		{name: "whoami-revoked-token", path: "/api/whoami-v2", authz: bearer(func(tk bearerTokens) string { return tk.revoked }), status: 401, err: oidc.CodeInvalidToken, desc: "revoked"},
		{name: "whoami-truncated-user-token", path: "/api/whoami-v2", authz: func(tk bearerTokens) string { return "Bearer " + tk.user[:len(tk.user)-1] }, status: 401, err: oidc.CodeInvalidToken, desc: "invalid"},
		{name: "whoami-post", method: "POST", path: "/api/whoami-v2", authz: bearer(oauth), status: 405, err: oidc.CodeInvalidRequest, desc: "method POST is not allowed"},

		{name: "discovery-post", method: "POST", path: "/.well-known/openid-configuration", status: 405, err: oidc.CodeInvalidRequest},
		{name: "jwks-delete", method: "DELETE", path: "/oauth/jwks", status: 405, err: oidc.CodeInvalidRequest},
		{name: "token-options-without-preflight", method: "OPTIONS", path: "/oauth/token", status: 405, err: oidc.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			tk := newBearerTokens(h)
			h.clock.Advance(tc.advance)
			method := tc.method
			if method == "" {
				method = "GET"
			}
			req, err := http.NewRequest(method, h.ts.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.authz != nil {
				req.Header.Set("Authorization", tc.authz(tk))
			}
			before := h.dump()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			checkJSONError(t, resp, body, tc.status, tc.err, tc.desc)
			wa := resp.Header.Get("WWW-Authenticate")
			if tc.err == oidc.CodeInvalidToken {
				if !strings.HasPrefix(wa, "Bearer ") || !strings.Contains(wa, `error="invalid_token"`) {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge with error=\"invalid_token\"", wa)
				}
			} else if wa != "" {
				t.Errorf("WWW-Authenticate = %q on a %d", wa, resp.StatusCode)
			}
			if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
			h.assertUnchanged(before)
		})
	}
}

// TestStaticNoListing: /static/ serves its files, never a directory
// listing.
func TestStaticNoListing(t *testing.T) {
	h := newHub(t)
	for path, want := range map[string]int{"/static/hubid.css": 200, "/static/": 404, "/static/nope.css": 404} {
		resp, err := http.Get(h.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != want || strings.Contains(body, `href="hubid.css"`) {
			t.Errorf("GET %s: %d, want %d; body %.200s", path, resp.StatusCode, want, body)
		}
	}
}
