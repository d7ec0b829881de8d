package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// ---------------------------------------------------------------- helpers

var userCodeRE = regexp.MustCompile(`^[` + protocol.UserCodeAlphabet + `]{4}-[` + protocol.UserCodeAlphabet + `]{4}$`)

// postDevice sends a device authorization request (POST /oauth/device).
func (h *hub) postDevice(form url.Values, basicUser, basicPass string) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+"/oauth/device", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, readBody(h.t, resp)
}

// deviceLogin is a started device login.
type deviceLogin struct {
	oidc.DeviceAuthorizationResponse
	clientID, secret string
}

// startDevice starts a device login for the public app (conf: the
// confidential one, authenticated) with the given form fields added.
func (h *hub) startDevice(conf bool, extra url.Values) deviceLogin {
	h.t.Helper()
	d := deviceLogin{clientID: h.pub.ClientID}
	if conf {
		d.clientID, d.secret = h.conf.ClientID, h.confSecret
	}
	form := url.Values{"client_id": {d.clientID}}
	for k, v := range extra {
		form[k] = v
	}
	user := ""
	if d.secret != "" {
		user = d.clientID
	}
	resp, body := h.postDevice(form, user, d.secret)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("device authorization: %d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), &d.DeviceAuthorizationResponse); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// poll polls the token endpoint for d as its client does.
func (h *hub) poll(d deviceLogin) (int, map[string]any) {
	h.t.Helper()
	form := url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {d.DeviceCode}}
	user := ""
	if d.secret != "" {
		user = d.clientID
	} else {
		form.Set("client_id", d.clientID)
	}
	status, body, _ := h.postToken(form, user, d.secret)
	return status, body
}

// storedDevice reads d's row.
func (h *hub) storedDevice(d deviceLogin) store.DeviceCode {
	h.t.Helper()
	row, err := h.db.DeviceCode(context.Background(), store.Hash(d.DeviceCode))
	if err != nil {
		h.t.Fatal(err)
	}
	return row
}

// confirmDevice posts the typed code from a signed-in browser and returns
// the confirmation page.
func (b *browser) confirmDevice(typed string) (*http.Response, string) {
	b.h.t.Helper()
	return b.send("POST", "/oauth/device/confirm", url.Values{"user_code": {typed}}.Encode(), b.sameOrigin())
}

// decideDevice walks a signed-in browser through the device pages for
// userCode and clicks decision ("allow" or "deny"); it returns the last page.
func (b *browser) decideDevice(userCode, decision string) (*http.Response, string) {
	b.h.t.Helper()
	resp, body := b.confirmDevice(userCode)
	f := formFields(body)
	if resp.StatusCode != http.StatusOK || f.Get("decision_token") == "" {
		b.h.t.Fatalf("no device confirmation page: %d %.600s", resp.StatusCode, body)
	}
	f.Set("decision", decision)
	return b.send("POST", "/oauth/device/decision", f.Encode(), b.sameOrigin())
}

// decide has alice (or who) allow or deny a device login.
func (h *hub) decide(d deviceLogin, who store.User, decision string) {
	h.t.Helper()
	b := h.browser()
	b.signIn(who)
	resp, body := b.decideDevice(d.UserCode, decision)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("%s: %d %.600s", decision, resp.StatusCode, body)
	}
}

var userCodeInputRE = regexp.MustCompile(`<input id="user_code" name="user_code" type="text" value="([^"]*)"`)

// prefilled is the value of the code form's input.
func prefilled(t *testing.T, body string) string {
	t.Helper()
	m := userCodeInputRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no code form:\n%.800s", body)
	}
	return html.UnescapeString(m[1])
}

// ---------------------------------------------------------------- device authorization

func TestDeviceAuthorization(t *testing.T) {
	h := newHub(t)
	resp, body := h.postDevice(url.Values{"client_id": {h.pub.ClientID}}, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache", "Access-Control-Allow-Origin": "*",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	uc, _ := raw["user_code"].(string)
	if !userCodeRE.MatchString(uc) {
		t.Errorf("user_code %q is not XXXX-XXXX over the alphabet", uc)
	}
	dc, _ := raw["device_code"].(string)
	if len(dc) < 32 {
		t.Errorf("device_code %q is too short", dc)
	}
	verify := h.ts.URL + "/oauth/device"
	want := map[string]any{
		"device_code": dc, "user_code": uc, "verification_uri": verify,
		"verification_uri_complete": verify + "?user_code=" + uc, "expires_in": float64(900), "interval": float64(5),
	}
	if diff := cmp.Diff(want, raw); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}

	// Stored: digests only, the app's scopes, pending, 5 s, 15 minutes.
	now := h.clock.Now()
	norm, _ := protocol.NormalizeUserCode(uc)
	got, err := h.db.DeviceCodeByUserCode(context.Background(), store.Hash(norm))
	if err != nil {
		t.Fatal(err)
	}
	wantRow := store.DeviceCode{
		Hash: store.Hash(dc), UserCodeHash: store.Hash(norm), ClientID: h.pub.ClientID,
		Scopes: []string{"openid", "profile", "email"}, Status: store.DevicePending, Interval: 5 * time.Second,
		CreatedAt: now, ExpiresAt: now.Add(900 * time.Second),
	}
	if diff := cmp.Diff(wantRow, got); diff != "" {
		t.Errorf("stored device code (-want +got):\n%s", diff)
	}
	for table, rows := range h.dump() {
		for _, r := range rows {
			if strings.Contains(r, dc) || strings.Contains(r, uc) || strings.Contains(r, norm) {
				t.Errorf("table %s stores a code in the clear: %s", table, r)
			}
		}
	}

	// Two requests get different codes.
	other := h.startDevice(false, nil)
	if other.DeviceCode == dc || other.UserCode == uc {
		t.Errorf("second request got the same codes")
	}
}

func TestDeviceAuthorizationScopes(t *testing.T) {
	cases := []struct {
		name  string
		conf  bool
		scope []string // nil: no scope parameter
		want  []string
	}{
		{"public-default-is-the-apps", false, nil, []string{"openid", "profile", "email"}},
		{"confidential-default-is-the-apps", true, nil, []string{"openid", "profile", "email", "read-memberships", "read-repos"}},
		{"empty-scope-is-the-default", true, []string{""}, []string{"openid", "profile", "email", "read-memberships", "read-repos"}},
		{"narrower", true, []string{"read-repos"}, []string{"openid", "profile", "read-repos"}},
		{"openid-only-still-gets-profile", true, []string{"openid"}, []string{"openid", "profile"}},
		{"reordered-and-repeated", true, []string{"read-repos  email openid email"}, []string{"openid", "profile", "email", "read-repos"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHub(t)
			var extra url.Values
			if tc.scope != nil {
				extra = url.Values{"scope": tc.scope}
			}
			d := h.startDevice(tc.conf, extra)
			if diff := cmp.Diff(tc.want, h.storedDevice(d).Scopes); diff != "" {
				t.Errorf("stored scopes (-want +got):\n%s", diff)
			}
			h.decide(d, h.alice, "allow")
			status, tok := h.poll(d)
			if status != 200 || tok["scope"] != strings.Join(tc.want, " ") {
				t.Errorf("token: %d %v, want scope %q", status, tok, strings.Join(tc.want, " "))
			}
		})
	}
}

func TestDeviceAuthorizationBadInput(t *testing.T) {
	allScopes := "valid scopes are: " + strings.Join(oidc.ScopeNames(), " ")
	cases := []struct {
		name   string
		setup  func(h *hub)
		query  string
		ctype  string // "" = form
		form   func(h *hub) url.Values
		basic  func(h *hub) (string, string)
		status int
		code   oidc.ErrorCode
		desc   string
	}{
		{name: "confidential-without-secret", form: func(h *hub) url.Values { return url.Values{"client_id": {h.conf.ClientID}} },
			status: 401, code: oidc.CodeInvalidClient, desc: "this app has a client secret"},
		{name: "confidential-wrong-secret", form: func(h *hub) url.Values { return url.Values{} },
			basic:  func(h *hub) (string, string) { return h.conf.ClientID, "nope" },
			status: 401, code: oidc.CodeInvalidClient, desc: "wrong client secret"},
		{name: "no-client-id", form: func(h *hub) url.Values { return url.Values{"scope": {"openid"}} },
			status: 401, code: oidc.CodeInvalidClient, desc: "client_id is missing"},
		{name: "unknown-client", form: func(h *hub) url.Values { return url.Values{"client_id": {"nope"}} },
			status: 401, code: oidc.CodeInvalidClient, desc: "unknown client"},
		{name: "public-with-secret", form: func(h *hub) url.Values {
			return url.Values{"client_id": {h.pub.ClientID}, "client_secret": {"x"}}
		}, status: 401, code: oidc.CodeInvalidClient, desc: "public client"},
		{name: "disabled-app", setup: func(h *hub) {
			h.db.UpdateApp(context.Background(), h.pub.ClientID, func(a *store.App) error { a.Disabled = true; return nil })
		}, form: func(h *hub) url.Values { return url.Values{"client_id": {h.pub.ClientID}} },
			status: 401, code: oidc.CodeInvalidClient, desc: "disabled"},
		{name: "unknown-scope", form: func(h *hub) url.Values {
			return url.Values{"client_id": {h.pub.ClientID}, "scope": {"openid frobnicate"}}
		}, status: 400, code: oidc.CodeInvalidRequest, desc: `unknown scope "frobnicate"; ` + allScopes},
		{name: "scope-not-given-to-the-app", form: func(h *hub) url.Values {
			return url.Values{"client_id": {h.pub.ClientID}, "scope": {"openid read-repos"}}
		}, status: 400, code: oidc.CodeInvalidScope, desc: `this app was not given the scope "read-repos"`},
		{name: "parameters-in-the-query", query: "?client_id=x", form: func(h *hub) url.Values {
			return url.Values{"client_id": {h.pub.ClientID}}
		}, status: 400, code: oidc.CodeInvalidRequest, desc: "not the URL"},
		{name: "client-id-twice", form: func(h *hub) url.Values {
			return url.Values{"client_id": {h.pub.ClientID, h.pub.ClientID}}
		}, status: 400, code: oidc.CodeInvalidRequest, desc: "client_id was given 2 times"},
		{name: "json-body", ctype: "application/json", form: func(h *hub) url.Values {
			return url.Values{"client_id": {h.pub.ClientID}}
		}, status: 400, code: oidc.CodeInvalidRequest, desc: "application/x-www-form-urlencoded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			if tc.setup != nil {
				tc.setup(h)
			}
			before := h.dump()
			req, _ := http.NewRequest("POST", h.ts.URL+"/oauth/device"+tc.query, strings.NewReader(tc.form(h).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.basic != nil {
				u, p := tc.basic(h)
				req.SetBasicAuth(u, p)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			checkJSONError(t, resp, readBody(t, resp), tc.status, tc.code, tc.desc)
			h.assertUnchanged(before)
		})
	}
}

// ---------------------------------------------------------------- polling

// TestDevicePolling plays every polling answer on the fake clock. Each step
// moves the clock, then polls or has alice decide, and checks the answer
// and the stored interval.
func TestDevicePolling(t *testing.T) {
	type step struct {
		after    time.Duration // clock advance before the step
		do       string        // "poll", "allow", "deny"
		want     string        // poll: the error code, or "tokens"
		interval time.Duration // the stored interval after the step; 0 = not checked
	}
	poll := func(after time.Duration, want string, interval time.Duration) step {
		return step{after: after, do: "poll", want: want, interval: interval}
	}
	const (
		pending = string(oidc.CodeAuthorizationPending)
		slow    = string(oidc.CodeSlowDown)
		expired = string(oidc.CodeExpiredToken)
		denied  = string(oidc.CodeAccessDenied)
		invalid = string(oidc.CodeInvalidGrant)
		tokens  = "tokens"
	)
	s := time.Second
	cases := []struct {
		name  string
		conf  bool
		steps []step
	}{
		{"pending", false, []step{poll(0, pending, 5*s)}},
		{"pending-at-the-interval", false, []step{poll(0, pending, 5*s), poll(5*s, pending, 5*s), poll(5*s, pending, 5*s), poll(30*s, pending, 5*s)}},
		{"jitter-within-a-second-is-not-too-fast", false, []step{poll(0, pending, 5*s), poll(4*s, pending, 5*s)}},
		{"slow-down-twice-grows-the-interval", false, []step{
			poll(0, pending, 5*s),
			poll(s, slow, 10*s),       // 1 s after the last poll, interval 5 s
			poll(5*s, slow, 15*s),     // 5 s after, interval now 10 s
			poll(15*s, pending, 15*s), // obeys the 15 s
			poll(14*s, pending, 15*s), // within the leeway
			poll(10*s, slow, 20*s),
		}},
		{"a-burst-is-slowed-down-each-time", false, []step{poll(0, pending, 5*s), poll(0, slow, 10*s), poll(0, slow, 15*s), poll(0, slow, 20*s)}},
		{"first-poll-right-away-is-fine", false, []step{poll(0, pending, 5*s)}},
		{"expired-after-900s", false, []step{poll(0, pending, 0), poll(899*s, pending, 0), poll(s, expired, 0), poll(10*s, expired, 0)}},
		{"expired-without-polling", false, []step{poll(900*s, expired, 5*s)}},
		{"denied", false, []step{poll(0, pending, 0), {after: s, do: "deny"}, poll(5*s, denied, 0), poll(5*s, denied, 0)}},
		{"denied-then-expired", false, []step{{do: "deny"}, poll(900*s, expired, 0)}},
		{"approved", false, []step{poll(0, pending, 0), {after: 2 * s, do: "allow"}, poll(3*s, tokens, 0)}},
		{"approved-confidential", true, []step{{do: "allow"}, poll(0, tokens, 0)}},
		{"approved-is-never-slowed-down", false, []step{poll(0, pending, 0), {do: "allow"}, poll(0, tokens, 5*s)}},
		{"redeemed-once", false, []step{{do: "allow"}, poll(5*s, tokens, 0), poll(5*s, invalid, 0), poll(0, invalid, 0)}},
		{"approved-too-late", false, []step{{do: "allow"}, poll(900*s, expired, 0)}},
		{"approved-just-in-time", false, []step{{after: 899 * s, do: "allow"}, poll(0, tokens, 0)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			d := h.startDevice(tc.conf, nil)
			for i, st := range tc.steps {
				h.clock.Advance(st.after)
				switch st.do {
				case "allow", "deny":
					h.decide(d, h.alice, st.do)
				case "poll":
					status, body := h.poll(d)
					got := tokens
					if status != 200 {
						got, _ = body["error"].(string)
						if status != 400 {
							t.Errorf("step %d: status %d for %s, want 400", i, status, got)
						}
						if desc, _ := body["error_description"].(string); desc == "" {
							t.Errorf("step %d: %s without a description", i, got)
						}
					}
					if got != st.want {
						t.Fatalf("step %d: %s, want %s (%v)", i, got, st.want, body)
					}
					if got == tokens {
						checkDeviceTokens(t, h, body)
					}
				}
				if st.interval != 0 {
					if got := h.storedDevice(d).Interval; got != st.interval {
						t.Errorf("step %d: interval %s, want %s", i, got, st.interval)
					}
				}
			}
		})
	}
}

// checkDeviceTokens checks a device flow's token answer: HF's shape, with a
// refresh token, and tokens that work.
func checkDeviceTokens(t *testing.T, h *hub, body map[string]any) {
	t.Helper()
	at, _ := body["access_token"].(string)
	rt, _ := body["refresh_token"].(string)
	idt, _ := body["id_token"].(string)
	if !strings.HasPrefix(at, "hf_oauth_") || !strings.HasPrefix(rt, "hf_oauth_refresh_") || strings.Count(idt, ".") != 2 {
		t.Errorf("tokens: %v", body)
	}
	if body["token_type"] != "bearer" || body["expires_in"] != float64(28800) {
		t.Errorf("token_type %v, expires_in %v", body["token_type"], body["expires_in"])
	}
	if status, info := h.userinfo(at); status != 200 || info["preferred_username"] != "alice" {
		t.Errorf("userinfo with the device token: %d %v", status, info)
	}
	// The ID token's auth_time is alice's sign-in in the browser.
	claims := decodeJWTClaims(t, idt)
	if claims["auth_time"] == nil || claims["nonce"] != nil {
		t.Errorf("ID token claims %v", claims)
	}
}

func decodeJWTClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDevicePollBadInput(t *testing.T) {
	cases := []struct {
		name   string
		form   func(h *hub, pub, conf deviceLogin) url.Values
		basic  func(h *hub) (string, string)
		status int
		code   oidc.ErrorCode
		desc   string
	}{
		{"unknown-code", func(h *hub, pub, _ deviceLogin) url.Values {
			return url.Values{"device_code": {"no-such-code"}, "client_id": {h.pub.ClientID}}
		}, nil, 400, oidc.CodeInvalidGrant, "device code is invalid"},
		{"user-code-is-not-a-device-code", func(h *hub, pub, _ deviceLogin) url.Values {
			return url.Values{"device_code": {pub.UserCode}, "client_id": {h.pub.ClientID}}
		}, nil, 400, oidc.CodeInvalidGrant, "device code is invalid"},
		{"other-client", func(h *hub, pub, _ deviceLogin) url.Values {
			return url.Values{"device_code": {pub.DeviceCode}}
		}, func(h *hub) (string, string) { return h.conf.ClientID, h.confSecret }, 400, oidc.CodeInvalidGrant, "issued to another client"},
		{"other-public-client", func(h *hub, _, conf deviceLogin) url.Values {
			return url.Values{"device_code": {conf.DeviceCode}, "client_id": {h.pub.ClientID}}
		}, nil, 400, oidc.CodeInvalidGrant, "issued to another client"},
		{"confidential-without-secret", func(h *hub, _, conf deviceLogin) url.Values {
			return url.Values{"device_code": {conf.DeviceCode}, "client_id": {h.conf.ClientID}}
		}, nil, 401, oidc.CodeInvalidClient, "client authentication is required"},
		{"confidential-wrong-secret", func(h *hub, _, conf deviceLogin) url.Values {
			return url.Values{"device_code": {conf.DeviceCode}}
		}, func(h *hub) (string, string) { return h.conf.ClientID, "nope" }, 401, oidc.CodeInvalidClient, "wrong client secret"},
		{"no-client-id", func(h *hub, pub, _ deviceLogin) url.Values {
			return url.Values{"device_code": {pub.DeviceCode}}
		}, nil, 400, oidc.CodeInvalidRequest, "client_id is missing"},
		{"no-device-code", func(h *hub, _, _ deviceLogin) url.Values {
			return url.Values{"client_id": {h.pub.ClientID}}
		}, nil, 400, oidc.CodeInvalidRequest, "device_code is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			pub, conf := h.startDevice(false, nil), h.startDevice(true, nil)
			before := h.dump()
			form := tc.form(h, pub, conf)
			form.Set("grant_type", oidc.GrantDeviceCode)
			var u, p string
			if tc.basic != nil {
				u, p = tc.basic(h)
			}
			resp, body := postTokenRaw(t, h, form, u, p)
			checkJSONError(t, resp, string(body), tc.status, tc.code, tc.desc)
			// No poll was recorded: the codes still poll as fresh ones.
			h.assertUnchanged(before)
		})
	}
}

// TestDeviceDecisionRace: a code approved in one tab and denied in
// another keeps the first decision.
func TestDeviceDecisionRace(t *testing.T) {
	h := newHub(t)
	d := h.startDevice(false, nil)
	allow, deny := h.browser(), h.browser()
	allow.signIn(h.alice)
	deny.signIn(h.alice)
	_, allowPage := allow.confirmDevice(d.UserCode)
	_, denyPage := deny.confirmDevice(d.UserCode)
	f := formFields(allowPage)
	f.Set("decision", "allow")
	if resp, body := allow.send("POST", "/oauth/device/decision", f.Encode(), allow.sameOrigin()); resp.StatusCode != 200 {
		t.Fatalf("allow: %d %.400s", resp.StatusCode, body)
	}
	f = formFields(denyPage)
	f.Set("decision", "deny")
	resp, body := deny.send("POST", "/oauth/device/decision", f.Encode(), deny.sameOrigin())
	checkPage(t, resp, body, http.StatusConflict, "was already approved")
	if got := h.storedDevice(d).Status; got != store.DeviceApproved {
		t.Errorf("status %s after the late deny", got)
	}
}

// ---------------------------------------------------------------- pages

func TestDevicePageNeedsLogin(t *testing.T) {
	h := newHub(t)
	d := h.startDevice(false, nil)
	b := h.browser()
	resp, body := b.send("GET", "/oauth/device?"+url.Values{"user_code": {d.UserCode}}.Encode(), "", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303 to the login page: %.300s", resp.StatusCode, body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Path != "/login" || loc.Query().Get("next") != "/oauth/device?user_code="+d.UserCode {
		t.Fatalf("Location %s", loc)
	}
	// Signing in comes back to the code form, pre-filled.
	resp, body = b.postForm("/login", url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {loc.Query().Get("next")}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/oauth/device" {
		t.Fatalf("after login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if got := prefilled(t, body); got != d.UserCode {
		t.Errorf("pre-filled %q, want %q", got, d.UserCode)
	}
	for _, k := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if resp.Header.Get(k) == "" {
			t.Errorf("device page without %s", k)
		}
	}
	// A confirm or decision posted without a session goes to login too.
	for _, path := range []string{"/oauth/device/confirm", "/oauth/device/decision"} {
		resp, _ := h.browser().send("POST", path, url.Values{"user_code": {d.UserCode}}.Encode(), nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "/login?next=%2Foauth%2Fdevice%3Fuser_code%3D") {
			t.Errorf("%s without a session: %d %s", path, resp.StatusCode, loc)
		}
	}
}

func TestDevicePagePrefill(t *testing.T) {
	h := newHub(t)
	b := h.browser()
	b.signIn(h.alice)
	for in, want := range map[string]string{
		"":                      "",
		"wdjf mjht":             "WDJF-MJHT",
		"WDJF–MJHT":             "WDJF-MJHT",
		"not a code":            "not a code",
		`"><script>x</script>`:  `"><script>x</script>`, // escaped in the page, read back here
		strings.Repeat("x", 65): "",
	} {
		resp, body := b.get("/oauth/device?" + url.Values{"user_code": {in}}.Encode())
		if resp.StatusCode != 200 {
			t.Errorf("%q: status %d", in, resp.StatusCode)
			continue
		}
		if got := prefilled(t, body); got != want {
			t.Errorf("?user_code=%q pre-fills %q, want %q", in, got, want)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("?user_code=%q is not escaped", in)
		}
	}
}

func TestDevicePageFlow(t *testing.T) {
	for _, decision := range []string{"allow", "deny"} {
		t.Run(decision, func(t *testing.T) {
			h := newHub(t)
			d := h.startDevice(true, url.Values{"scope": {"email read-repos"}})
			b := h.browser()
			b.signIn(h.bob)
			// Typed sloppily: lowercase, spaces instead of the dash.
			resp, body := b.confirmDevice(strings.ToLower(strings.Replace(d.UserCode, "-", " ", 1)))
			checkPage(t, resp, body, 200, "Confidential app")
			for _, want := range []string{d.UserCode, "@bob", "<code>email</code>", "<code>read-repos</code>", "<code>openid</code>", "Only continue if this is the code shown on your device"} {
				if !strings.Contains(body, want) {
					t.Errorf("confirmation page lacks %q", want)
				}
			}
			f := formFields(body)
			f.Set("decision", decision)
			resp, body = b.send("POST", "/oauth/device/decision", f.Encode(), b.sameOrigin())
			row := h.storedDevice(d)
			if decision == "allow" {
				checkPage(t, resp, body, 200, "Device connected")
				if row.Status != store.DeviceApproved {
					t.Errorf("status %s", row.Status)
				}
			} else {
				checkPage(t, resp, body, 200, "Login denied")
				if row.Status != store.DeviceDenied {
					t.Errorf("status %s", row.Status)
				}
			}
			if row.UserID != h.bob.ID || !row.AuthTime.Equal(h.clock.Now()) {
				t.Errorf("decided by %s at %v", row.UserID, row.AuthTime)
			}
			// Consent is never remembered for device logins.
			if _, err := h.db.Consent(context.Background(), h.bob.ID, h.conf.ClientID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a consent was stored: %v", err)
			}
			if decision == "allow" {
				status, tok := h.poll(d)
				if status != 200 || tok["scope"] != "openid profile email read-repos" {
					t.Fatalf("token: %d %v", status, tok)
				}
				if status, info := h.userinfo(tok["access_token"].(string)); status != 200 || info["preferred_username"] != "bob" {
					t.Errorf("userinfo: %d %v", status, info)
				}
			}
		})
	}
}

// TestDeviceConsentEveryTime: a second device login for an app the user
// allowed before asks again.
func TestDeviceConsentEveryTime(t *testing.T) {
	h := newHub(t)
	h.decide(h.startDevice(false, nil), h.alice, "allow")
	// Even a remembered code-flow consent covers nothing here.
	h.db.PutConsent(context.Background(), store.Consent{UserID: h.alice.ID, ClientID: h.pub.ClientID, Scopes: []string{"openid", "profile", "email"}, CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now()})
	d := h.startDevice(false, nil)
	b := h.browser()
	b.signIn(h.alice)
	resp, body := b.confirmDevice(d.UserCode)
	if resp.StatusCode != 200 || formFields(body).Get("decision_token") == "" {
		t.Fatalf("no confirmation page the second time: %d %.400s", resp.StatusCode, body)
	}
	if got := h.storedDevice(d).Status; got != store.DevicePending {
		t.Errorf("second login is %s without a decision", got)
	}
}

func TestDevicePageBadCodes(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(h *hub, d deviceLogin) string // returns what is typed
		status int
		text   string
	}{
		{"empty", func(h *hub, d deviceLogin) string { return "" }, 400, "Enter the code shown on your device."},
		{"malformed", func(h *hub, d deviceLogin) string { return "hello" }, 400, "That is not a valid code."},
		{"lookalike-not-in-alphabet", func(h *hub, d deviceLogin) string { return "0000-0000" }, 400, "That is not a valid code."},
		{"unknown", func(h *hub, d deviceLogin) string {
			if d.UserCode == "CDFG-HJKM" {
				return "CDFG-HJKN"
			}
			return "CDFG-HJKM"
		}, 404, "No login is waiting for the code CDFG-HJK"},
		{"expired", func(h *hub, d deviceLogin) string {
			h.clock.Advance(900 * time.Second)
			return d.UserCode
		}, 410, "has expired"},
		{"approved", func(h *hub, d deviceLogin) string { h.decide(d, h.alice, "allow"); return d.UserCode }, 409, "was already approved"},
		{"denied", func(h *hub, d deviceLogin) string { h.decide(d, h.alice, "deny"); return d.UserCode }, 409, "was denied"},
		{"used", func(h *hub, d deviceLogin) string {
			h.decide(d, h.alice, "allow")
			if status, _ := h.poll(d); status != 200 {
				h.t.Fatal("redeem failed")
			}
			return d.UserCode
		}, 409, "was already used"},
		{"disabled-app", func(h *hub, d deviceLogin) string {
			h.db.UpdateApp(context.Background(), h.pub.ClientID, func(a *store.App) error { a.Disabled = true; return nil })
			return d.UserCode
		}, 403, "is disabled"},
		{"org-restricted-app", func(h *hub, d deviceLogin) string {
			h.db.UpdateApp(context.Background(), h.pub.ClientID, func(a *store.App) error { a.AuthorizedOrgs = []string{"wonderland"}; return nil })
			return d.UserCode
		}, 403, "Only members of the organization wonderland may sign in to Public app; @bob is not a member."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			d := h.startDevice(false, nil)
			typed := tc.setup(h, d)
			b := h.browser()
			b.signIn(h.bob)
			before := h.dump()
			resp, body := b.confirmDevice(typed)
			checkPage(t, resp, body, tc.status, html.EscapeString(tc.text))
			if strings.Contains(body, "decision_token") {
				t.Error("a refused code got a decision form")
			}
			// The code form is shown again with what was typed.
			if got := prefilled(t, body); got != typed {
				t.Errorf("pre-filled %q, want %q", got, typed)
			}
			h.assertUnchanged(before)
		})
	}
	// An org member may approve the restricted app.
	h := newHub(t)
	h.db.UpdateApp(context.Background(), h.pub.ClientID, func(a *store.App) error { a.AuthorizedOrgs = []string{"wonderland"}; return nil })
	h.decide(h.startDevice(false, nil), h.alice, "allow")
}

func TestDeviceDecisionBadInput(t *testing.T) {
	cases := []struct {
		name string
		// edit changes the decision form alice's page produced; it may
		// switch the browser (bob's session).
		edit   func(h *hub, b *browser, f url.Values) *browser
		status int
		text   string
	}{
		{"tampered-token", func(h *hub, b *browser, f url.Values) *browser {
			f.Set("decision_token", f.Get("decision_token")[:10]+"AAAA"+f.Get("decision_token")[14:])
			return b
		}, 403, "Decision not accepted"},
		{"no-token", func(h *hub, b *browser, f url.Values) *browser { f.Del("decision_token"); return b }, 403, "Decision not accepted"},
		{"other-session", func(h *hub, b *browser, f url.Values) *browser {
			other := h.browser()
			other.signIn(h.alice)
			return other
		}, 403, "Decision not accepted"},
		{"other-users-session", func(h *hub, b *browser, f url.Values) *browser {
			other := h.browser()
			other.signIn(h.bob)
			return other
		}, 403, "Decision not accepted"},
		{"token-of-another-code", func(h *hub, b *browser, f url.Values) *browser {
			d2 := h.startDevice(false, nil)
			_, page := b.confirmDevice(d2.UserCode)
			f.Set("decision_token", formFields(page).Get("decision_token"))
			return b
		}, 403, "Decision not accepted"},
		{"scopes-changed", func(h *hub, b *browser, f url.Values) *browser {
			// Same code, but what was shown is no longer what is stored.
			norm, _ := protocol.NormalizeUserCode(f.Get("user_code"))
			d, _ := h.db.DeviceCodeByUserCode(context.Background(), store.Hash(norm))
			h.db.UpdateDeviceCode(context.Background(), d.Hash, func(c *store.DeviceCode) error {
				c.Scopes = append(c.Scopes, "read-repos")
				return nil
			})
			return b
		}, 403, "Decision not accepted"},
		{"no-decision", func(h *hub, b *browser, f url.Values) *browser { f.Del("decision"); return b }, 400, "Choose Allow or Deny."},
		{"odd-decision", func(h *hub, b *browser, f url.Values) *browser { f.Set("decision", "maybe"); return b }, 400, "Choose Allow or Deny."},
		{"expired-while-open", func(h *hub, b *browser, f url.Values) *browser {
			h.clock.Advance(900 * time.Second)
			return b
		}, 410, "has expired"},
		{"bad-code", func(h *hub, b *browser, f url.Values) *browser { f.Set("user_code", "nope"); return b }, 400, "not a valid code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			d := h.startDevice(false, nil)
			b := h.browser()
			b.signIn(h.alice)
			_, page := b.confirmDevice(d.UserCode)
			f := formFields(page)
			f.Set("decision", "allow")
			sender := tc.edit(h, b, f)
			before := h.dump()
			resp, body := sender.send("POST", "/oauth/device/decision", f.Encode(), sender.sameOrigin())
			checkPage(t, resp, body, tc.status, tc.text)
			h.assertUnchanged(before)
			if got := h.storedDevice(d).Status; got != store.DevicePending {
				t.Errorf("status %s after a refused decision", got)
			}
		})
	}
}

func TestDeviceRoutes(t *testing.T) {
	h := newHub(t)
	b := h.browser()
	b.signIn(h.alice)
	d := h.startDevice(false, nil)
	_, page := b.confirmDevice(d.UserCode)
	decision := formFields(page)
	decision.Set("decision", "allow")

	// Methods.
	for _, tc := range []struct {
		method, path, allow string
		json                bool
	}{
		{"PUT", "/oauth/device", "GET, HEAD, POST", false},
		{"DELETE", "/oauth/device", "GET, HEAD, POST", false},
		{"OPTIONS", "/oauth/device", "GET, HEAD, POST", true},
		{"GET", "/oauth/device/confirm", "POST", false},
		{"GET", "/oauth/device/decision", "POST", false},
	} {
		resp, body := b.send(tc.method, tc.path, "", nil)
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q; want 405, %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
		}
		if isJSON := strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"); isJSON != tc.json {
			t.Errorf("%s %s: Content-Type %q: %.100s", tc.method, tc.path, resp.Header.Get("Content-Type"), body)
		}
	}
	// CORS preflight for the API, none for the page.
	resp, _ := b.send("OPTIONS", "/oauth/device", "", map[string]string{"Origin": "https://space.example", "Access-Control-Request-Method": "POST"})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = b.send("GET", "/oauth/device", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("page: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := b.send("HEAD", "/oauth/device", "", nil); resp.StatusCode != 200 {
		t.Errorf("HEAD: %d", resp.StatusCode)
	}

	// Cross-site forms are refused; the same form from the hub goes through.
	before := h.dump()
	for _, path := range []string{"/oauth/device/confirm", "/oauth/device/decision"} {
		resp, _ := b.send("POST", path, decision.Encode(), map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
		if resp.StatusCode != 403 {
			t.Errorf("cross-site POST %s: %d", path, resp.StatusCode)
		}
	}
	h.assertUnchanged(before)
	if resp, body := b.send("POST", "/oauth/device/decision", decision.Encode(), b.sameOrigin()); resp.StatusCode != 200 {
		t.Errorf("same-origin decision: %d %.300s", resp.StatusCode, body)
	}
}

// ---------------------------------------------------------------- clients

// TestDeviceHuggingFaceHub replays huggingface_hub's device login
// (utils/_oauth_device.py): a form with client_id only, an answer read with
// fallbacks (interval 5, expires_in 900), polling every interval seconds
// and 5 more after slow_down, the token checked with whoami, then a refresh
// with refresh_token and client_id, keeping the old refresh token if no new
// one came back.
func TestDeviceHuggingFaceHub(t *testing.T) {
	h := newHub(t)
	post := func(path string, form url.Values) (int, map[string]any) {
		resp, err := http.PostForm(h.ts.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, decodeJSON(t, resp)
	}
	status, start := post("/oauth/device", url.Values{"client_id": {h.pub.ClientID}})
	if status != 200 {
		t.Fatalf("device: %d %v", status, start)
	}
	interval, expiresIn := 5.0, 900.0
	if v, ok := start["interval"].(float64); ok {
		interval = v
	}
	if v, ok := start["expires_in"].(float64); ok {
		expiresIn = v
	}
	userCode := start["user_code"].(string)
	deadline := h.clock.Now().Add(time.Duration(expiresIn) * time.Second)
	var tok map[string]any
	polls := 0
	for h.clock.Now().Before(deadline) {
		h.clock.Advance(time.Duration(interval) * time.Second)
		polls++
		if polls == 3 {
			// The person approves in the browser meanwhile, from the
			// complete URI.
			b := h.browser()
			b.signIn(h.alice)
			_, page := b.get(start["verification_uri_complete"].(string))
			if prefilled(t, page) != userCode {
				t.Fatalf("verification_uri_complete does not pre-fill the code")
			}
			b.decideDevice(prefilled(t, page), "allow")
		}
		status, body := post("/oauth/token", url.Values{
			"grant_type": {oidc.GrantDeviceCode}, "device_code": {start["device_code"].(string)}, "client_id": {h.pub.ClientID},
		})
		if status == 200 {
			tok = body
			break
		}
		switch body["error"] {
		case "authorization_pending":
		case "slow_down":
			interval += 5
		default:
			t.Fatalf("poll %d: %d %v", polls, status, body)
		}
	}
	if tok == nil || polls != 3 {
		t.Fatalf("no token after %d polls", polls)
	}
	if tok["refresh_token"] == nil || tok["expires_in"] != float64(28800) {
		t.Errorf("token answer %v", tok)
	}
	// whoami, as huggingface_hub checks the token.
	req, _ := http.NewRequest("GET", h.ts.URL+"/api/whoami-v2", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if who := decodeJSON(t, resp); resp.StatusCode != 200 || who["name"] != "alice" {
		t.Errorf("whoami: %d %v", resp.StatusCode, who)
	}
	// The refresh get_token() does when less than a day remains.
	h.clock.Advance(8 * time.Hour)
	status, refreshed := post("/oauth/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {h.pub.ClientID},
	})
	if status != 200 || refreshed["access_token"] == tok["access_token"] || refreshed["scope"] != "openid profile email" {
		t.Errorf("refresh: %d %v", status, refreshed)
	}
}

// TestDeviceXOAuth2 runs the flow with golang.org/x/oauth2's device
// client (DeviceAuth, DeviceAccessToken), which polls on the real clock:
// one interval. It is a public app: x/oauth2 sends no client
// authentication with the device authorization request, which an app with
// a secret needs.
func TestDeviceXOAuth2(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	cfg := oauth2.Config{
		ClientID: h.pub.ClientID,
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: h.ts.URL + "/oauth/device", TokenURL: h.ts.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams,
		},
		Scopes: []string{"openid", "email"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.Interval != 5 || !userCodeRE.MatchString(da.UserCode) || da.VerificationURI != h.ts.URL+"/oauth/device" {
		t.Errorf("device auth %+v", da)
	}
	h.decide(deviceLogin{DeviceAuthorizationResponse: oidc.DeviceAuthorizationResponse{UserCode: da.UserCode}}, h.alice, "allow")
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Extra("scope") != "openid profile email" || tok.Extra("id_token") == nil {
		t.Errorf("token %+v scope %v", tok, tok.Extra("scope"))
	}
}
