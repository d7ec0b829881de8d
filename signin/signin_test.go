package signin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// testApp is an app using the SDK: "/" with the button, "/me" behind
// RequireLogin answering the user and token as JSON, "/org" behind
// RequireOrg(OrgName).
type testApp struct {
	s   *signin.SignIn
	srv *httptest.Server
}

type meBody struct {
	User  *signin.User  `json:"user"`
	Token *signin.Token `json:"token"`
}

func newTestApp(t *testing.T, p *signintest.Provider, tune func(*signin.Config)) *testApp {
	t.Helper()
	cfg := p.Config()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if tune != nil {
		tune(&cfg)
	}
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{s: s, srv: httptest.NewServer(appHandler(s))}
}

func appHandler(s *signin.SignIn) http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>home</title>%s", s.LoginButton(r))
	})
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(meBody{User: s.User(r), Token: s.Token(r)})
	})
	mux.Handle("GET /me", s.RequireLogin(me))
	mux.Handle("GET /org", s.RequireOrg(signintest.OrgName)(me))
	return mux
}

func (a *testApp) url(path string) string { return a.srv.URL + path }

func decodeMe(t *testing.T, r *signintest.Response) meBody {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d, want 200:\n%.1500s", r.URL, r.StatusCode, r.Body)
	}
	var m meBody
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("%s: %v in %q", r.URL, err, r.Body)
	}
	return m
}

// TestLogin is the whole flow: /me redirects to the login route, which
// goes to the provider with PKCE S256, a state and a nonce; after sign-in
// and consent the callback lands on /me with the profile from userinfo
// (orgs included) and the token with its scopes; the session cookie is an
// opaque id; the flow cookie is gone.
func TestLogin(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)

	first := b.Do(mustRequest(t, "GET", a.url("/me")))
	if first.StatusCode != http.StatusSeeOther || first.Header.Get("Location") != "/login/huggingface?_target_url=%2Fme" {
		t.Fatalf("GET /me signed out: %d Location %q", first.StatusCode, first.Header.Get("Location"))
	}
	login := b.Do(mustRequest(t, "GET", a.url("/login/huggingface?_target_url=%2Fme")))
	auth, err := url.Parse(login.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(auth.String(), p.URL+"/oauth/authorize?") {
		t.Fatalf("login redirects to %q", login.Header.Get("Location"))
	}
	q := auth.Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("authorize %s = %q, want a long random value", k, q.Get(k))
		}
	}
	want := map[string]string{
		"client_id": p.ClientID, "response_type": "code", "code_challenge_method": "S256",
		"redirect_uri": a.url("/login/callback"), "scope": strings.Join(p.Scopes, " "),
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), v)
		}
	}

	r := b.Get(auth.String())
	if r.URL.Path != "/me" {
		t.Fatalf("login ended at %s (%d):\n%.1500s", r.URL, r.StatusCode, r.Body)
	}
	m := decodeMe(t, r)
	wantUser := &signin.User{
		Sub: p.User.ID, Username: "alice", Name: "Alice Tester", Email: "alice@example.com", EmailVerified: true,
		Orgs: []signin.Org{{Name: signintest.OrgName, FullName: "Demo Org", Plan: "team"}},
	}
	ignore := cmpIgnoreUserURLs()
	if d := cmp.Diff(wantUser, m.User, ignore); d != "" {
		t.Errorf("user (-want +got):\n%s", d)
	}
	if m.User.Orgs[0].Sub != p.OrgID || !strings.HasPrefix(m.User.Picture, p.URL+"/avatars/") || m.User.Profile != p.URL+"/alice" {
		t.Errorf("user links: %+v", m.User)
	}
	if !strings.HasPrefix(m.Token.AccessToken, "hf_oauth_") || !m.Token.HasScope("read-repos") || m.Token.Expiry.IsZero() {
		t.Errorf("token: %+v", m.Token)
	}
	for _, c := range b.Cookies(a.url("/")) {
		if strings.Contains(c.Name, "_flow_") {
			t.Errorf("flow cookie %s left after the login", c.Name)
		}
		if c.Name == "hf_signin" && len(c.Value) > 64 {
			t.Errorf("session cookie is %d bytes; want an opaque id", len(c.Value))
		}
	}

	// Signed in: the button offers to sign out.
	home := b.Get(a.url("/"))
	if !strings.Contains(home.Body, "Sign out @alice") {
		t.Errorf("home signed in: %s", home.Body)
	}
}

func cmpIgnoreUserURLs() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		s := p.String()
		return s == "Picture" || s == "Profile" || s == "Orgs.Sub" || s == "Orgs.Picture"
	}, cmp.Ignore())
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestParallelLogins: two tabs of one browser start a login each; both
// complete, in the opposite order, and each lands on its own page.
func TestParallelLogins(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)

	tabA := b.Do(mustRequest(t, "GET", a.url("/login/huggingface?_target_url=%2Fme%3Ftab%3Da")))
	tabB := b.Do(mustRequest(t, "GET", a.url("/login/huggingface?_target_url=%2Fme%3Ftab%3Db")))
	var flows []string
	for _, c := range b.Cookies(a.url("/")) {
		if strings.Contains(c.Name, "_flow_") {
			flows = append(flows, c.Name)
		}
	}
	if len(flows) != 2 {
		t.Fatalf("flow cookies after two logins: %v, want two", flows)
	}

	rb := b.Get(tabB.Header.Get("Location"))
	if rb.URL.RequestURI() != "/me?tab=b" || rb.StatusCode != http.StatusOK {
		t.Fatalf("tab B ended at %s (%d): %.1000s", rb.URL, rb.StatusCode, rb.Body)
	}
	ra := b.Get(tabA.Header.Get("Location"))
	if ra.URL.RequestURI() != "/me?tab=a" || ra.StatusCode != http.StatusOK {
		t.Fatalf("tab A ended at %s (%d): %.1000s", ra.URL, ra.StatusCode, ra.Body)
	}
	if m := decodeMe(t, ra); m.User.Username != "alice" {
		t.Errorf("user %+v", m.User)
	}
}

// TestLostFlowCookie: a callback whose flow cookie is gone (the iframe
// lost it) never signs in; it restarts the login, carrying where to land,
// and a fresh attempt then succeeds.
func TestLostFlowCookie(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)

	callback := b.Authorize(a.url("/login/huggingface?_target_url=%2Fme"))
	// Another browser (no flow cookie) brings the callback: a stolen link,
	// or a lost cookie. It must restart, not sign in.
	other := p.Browser(t)
	r := other.Do(mustRequest(t, "GET", callback))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/huggingface?_nb_redirects=1&_target_url=%2Fme" {
		t.Fatalf("callback without flow cookie: %d Location %q\n%.500s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	if me := other.Do(mustRequest(t, "GET", a.url("/me"))); me.StatusCode == http.StatusOK {
		t.Fatal("signed in without the flow cookie")
	}
	// The code in that link is now useless to its owner too: the flow was
	// used up.
	if r := b.Get(callback); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "expired") {
		t.Errorf("replayed callback: %d %.500s", r.StatusCode, r.Body)
	}
	// Following the restart signs in.
	final := other.Get(a.url(r.Header.Get("Location")))
	if final.URL.Path != "/me" || final.StatusCode != http.StatusOK {
		t.Fatalf("restart ended at %s (%d)", final.URL, final.StatusCode)
	}
}

// TestStaleFlowCookiesCleared: undecodable and orphaned flow cookies are
// expired (with matching attributes) when the next login starts.
func TestStaleFlowCookiesCleared(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)
	u, _ := url.Parse(a.srv.URL)
	b.Jar.SetCookies(u, []*http.Cookie{
		{Name: "hf_signin_flow_0123456789abcdef", Value: "not-a-token", Path: "/"},
		{Name: "hf_signin_flow_zz", Value: "x", Path: "/"},
		{Name: "hf_signin_flow_fedcba9876543210", Value: "AAAAAAAAAAAAAAAAAAAAAA", Path: "/"},
	})
	r := b.Do(mustRequest(t, "GET", a.url("/login/huggingface")))
	cleared := map[string]bool{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.MaxAge < 0 {
			cleared[c.Name] = true
			if c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
				t.Errorf("cleared %s with attributes %+v, want those it was set with", c.Name, c)
			}
		}
	}
	want := map[string]bool{"hf_signin_flow_0123456789abcdef": true, "hf_signin_flow_zz": true, "hf_signin_flow_fedcba9876543210": true}
	if d := cmp.Diff(want, cleared); d != "" {
		t.Errorf("cleared cookies (-want +got):\n%s", d)
	}
}

// TestTamperedState: a callback whose state was altered matches no login:
// a 400 page saying so, no session, no 500.
func TestTamperedState(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)
	callback, _ := url.Parse(b.Authorize(a.url("/login/huggingface")))
	q := callback.Query()
	q.Set("state", q.Get("state")+"x")
	callback.RawQuery = q.Encode()
	r := b.Do(mustRequest(t, "GET", callback.String()))
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "Sign in again") {
		t.Fatalf("tampered state: %d\n%.800s", r.StatusCode, r.Body)
	}
	if me := b.Do(mustRequest(t, "GET", a.url("/me"))); me.StatusCode == http.StatusOK {
		t.Fatal("signed in with a tampered state")
	}
	for _, bad := range []string{"/login/callback", "/login/callback?code=x", "/login/callback?state=" + strings.Repeat("a", 600)} {
		if r := b.Do(mustRequest(t, "GET", a.url(bad))); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, r.StatusCode)
		}
	}
}

// TestAccessDenied: the user clicks Deny: a 403 page with a way to try
// again, not a loop.
func TestAccessDenied(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)
	callback, _ := url.Parse(b.Authorize(a.url("/login/huggingface")))
	q := callback.Query()
	q.Del("code")
	q.Set("error", "access_denied")
	q.Set("error_description", "The user denied the request")
	callback.RawQuery = q.Encode()
	r := b.Do(mustRequest(t, "GET", callback.String()))
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "The user denied the request") || !strings.Contains(r.Body, "Try again") {
		t.Fatalf("denied: %d\n%.800s", r.StatusCode, r.Body)
	}
}

// TestRequireLogin: pages are redirected to the login route, scripts get a
// JSON 401; signed in, both get through.
func TestRequireLogin(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)

	tests := []struct {
		name    string
		header  http.Header
		status  int
		jsonErr string
	}{
		{"page", http.Header{"Accept": {"text/html,application/xhtml+xml"}, "Sec-Fetch-Mode": {"navigate"}}, http.StatusSeeOther, ""},
		{"fetch", http.Header{"Accept": {"*/*"}, "Sec-Fetch-Mode": {"cors"}}, http.StatusUnauthorized, "login_required"},
		{"xhr", http.Header{"X-Requested-With": {"XMLHttpRequest"}, "Sec-Fetch-Mode": {"navigate"}}, http.StatusUnauthorized, "login_required"},
		{"accept-json", http.Header{"Accept": {"application/json"}}, http.StatusUnauthorized, "login_required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := mustRequest(t, "GET", a.url("/me"))
			req.Header = tc.header
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.jsonErr == "" {
				if loc := resp.Header.Get("Location"); loc != "/login/huggingface?_target_url=%2Fme" {
					t.Errorf("Location %q", loc)
				}
				return
			}
			var body map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body["error"] != tc.jsonErr || body["login_url"] != "/login/huggingface" {
				t.Errorf("body %v (%v)", body, err)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}

	b.Get(a.url("/login/huggingface"))
	req := mustRequest(t, "GET", a.url("/me"))
	req.Header.Set("Sec-Fetch-Mode", "cors")
	if r := b.Do(req); r.StatusCode != http.StatusOK {
		t.Errorf("signed-in fetch: %d", r.StatusCode)
	}
}

// TestRequireOrg: a member gets through; a signed-in outsider gets a 403
// page (JSON for scripts) that offers to sign in again.
func TestRequireOrg(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)

	member := p.Browser(t)
	if r := member.Get(a.url("/login/huggingface?_target_url=%2Forg")); r.StatusCode != http.StatusOK || r.URL.Path != "/org" {
		t.Fatalf("member: %s %d", r.URL, r.StatusCode)
	}

	bob := p.BrowserAs(t, p.AddUser(t, "bob"))
	r := bob.Get(a.url("/org"))
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "Only members of the organization demo-org") ||
		!strings.Contains(r.Body, "@bob") || !strings.Contains(r.Body, "Sign in again") {
		t.Fatalf("outsider: %s %d\n%.1000s", r.URL, r.StatusCode, r.Body)
	}
	req := mustRequest(t, "GET", a.url("/org"))
	req.Header.Set("Sec-Fetch-Mode", "cors")
	if r := bob.Do(req); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, `"error":"access_denied"`) {
		t.Errorf("outsider fetch: %d %s", r.StatusCode, r.Body)
	}
}

// TestExpiry: once the access token expires the user is signed out in
// every handler (no refresh token was issued).
func TestExpiry(t *testing.T) {
	clock := signintest.NewClock(time.Now())
	p := signintest.NewProvider(t, signintest.WithClock(clock.Now), signintest.WithTokenLifetime(10*time.Minute),
		signintest.WithRefreshTokens(false))
	a := newTestApp(t, p, nil)
	b := p.Browser(t)
	m := decodeMe(t, b.Get(a.url("/login/huggingface?_target_url=%2Fme")))
	if got := m.Token.Expiry.Sub(clock.Now()); got != 10*time.Minute {
		t.Errorf("token expires in %s, want 10m", got)
	}
	if m.Token.AccessToken == "" {
		t.Fatal("no token")
	}

	clock.Advance(9 * time.Minute)
	if r := b.Get(a.url("/me")); r.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: %d", r.StatusCode)
	}
	if m := decodeMe(t, b.Get(a.url("/me"))); m.Token == nil {
		t.Fatal("no token before expiry")
	}
	clock.Advance(time.Minute)
	r := b.Do(mustRequest(t, "GET", a.url("/me")))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after expiry /me: %d, want a redirect to sign in", r.StatusCode)
	}
	if c := r.Header.Get("Set-Cookie"); !strings.HasPrefix(c, "hf_signin=;") || !strings.Contains(c, "Max-Age=0") {
		t.Errorf("the dead session cookie was not cleared: %q", c)
	}
	if home := b.Get(a.url("/")); !strings.Contains(home.Body, "Sign in with HF") {
		t.Errorf("after expiry the button says: %s", home.Body)
	}
}

// TestLocalLogout: logout clears the session and the cookie; the next
// request is signed out. With no end_session_endpoint (or LocalLogout) the
// browser comes back to the app.
func TestLocalLogout(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, func(c *signin.Config) { c.LocalLogout = true })
	b := p.Browser(t)
	b.Get(a.url("/login/huggingface"))
	if r := b.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusOK {
		t.Fatalf("not signed in: %d", r.StatusCode)
	}
	var before string
	for _, c := range b.Cookies(a.url("/")) {
		if c.Name == "hf_signin" {
			before = c.Value
		}
	}

	r := b.Do(mustRequest(t, "GET", a.url("/logout?_target_url=%2Fbye")))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/bye" {
		t.Fatalf("logout: %d Location %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := b.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout /me: %d", r.StatusCode)
	}
	// The old session id is dead even if someone kept the cookie.
	other := p.Browser(t)
	u, _ := url.Parse(a.srv.URL)
	other.Jar.SetCookies(u, []*http.Cookie{{Name: "hf_signin", Value: before, Path: "/"}})
	if r := other.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusSeeOther {
		t.Errorf("old session id after logout: %d", r.StatusCode)
	}

	// An <img> on another site cannot sign anyone out.
	req := mustRequest(t, "GET", a.url("/logout"))
	req.Header.Set("Sec-Fetch-Mode", "no-cors")
	req.Header.Set("Sec-Fetch-Dest", "image")
	if r := b.Do(req); r.StatusCode != http.StatusForbidden {
		t.Errorf("logout from an image: %d", r.StatusCode)
	}
}

// TestProviderDown: New fails with a clear error; a running app whose
// provider went away shows an error page (not a panic, not a 500) at the
// login and at the callback.
func TestProviderDown(t *testing.T) {
	p := signintest.NewProvider(t)
	clock := signintest.NewClock(time.Now())
	a := newTestApp(t, p, func(c *signin.Config) { c.Now = clock.Now })
	b := p.Browser(t)
	callback := b.Authorize(a.url("/login/huggingface"))
	p.Close()

	r := b.Do(mustRequest(t, "GET", callback))
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(r.Body, "could not reach the sign-in provider") {
		t.Errorf("callback with the provider down: %d\n%.800s", r.StatusCode, r.Body)
	}
	clock.Advance(2 * time.Minute) // the last answer from the provider is old now
	r = b.Do(mustRequest(t, "GET", a.url("/login/huggingface")))
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "Try again in a minute") {
		t.Errorf("login with the provider down: %d\n%.800s", r.StatusCode, r.Body)
	}

	_, err := signin.New(context.Background(), p.Config())
	if err == nil || !strings.Contains(err.Error(), "discovery") || !strings.Contains(err.Error(), p.URL) {
		t.Errorf("New with the provider down: %v", err)
	}
}

// TestJWKSRefetch: after the provider rotates to a key the SDK never saw,
// the next login still verifies (the JWKS is fetched again for the new
// kid).
func TestJWKSRefetch(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	if r := p.Browser(t).Get(a.url("/login/huggingface?_target_url=%2Fme")); r.StatusCode != http.StatusOK {
		t.Fatalf("first login: %d", r.StatusCode)
	}
	p.RotateKeys(t)
	if r := p.Browser(t).Get(a.url("/login/huggingface?_target_url=%2Fme")); r.StatusCode != http.StatusOK {
		t.Fatalf("login after rotation: %d\n%.500s", r.StatusCode, r.Body)
	}
}

// TestRefresh: a session whose access token is about to expire is renewed
// with the refresh token, silently; concurrent requests share one refresh
// (the provider rotates refresh tokens and would revoke the family on a
// reuse); a revoked refresh token, or the end of SessionLifetime, signs
// the user out.
func TestRefresh(t *testing.T) {
	clock := signintest.NewClock(time.Now())
	p := signintest.NewProvider(t, signintest.WithClock(clock.Now), signintest.WithTokenLifetime(10*time.Minute))
	tokenCalls := &countingTransport{path: "/oauth/token"}
	a := newTestApp(t, p, func(c *signin.Config) {
		c.SessionLifetime = 2 * time.Hour
		c.HTTPClient = &http.Client{Transport: tokenCalls}
	})
	b := p.Browser(t)
	first := decodeMe(t, b.Get(a.url("/login/huggingface?_target_url=%2Fme")))

	clock.Advance(9*time.Minute + 30*time.Second) // inside the refresh margin
	second := decodeMe(t, b.Get(a.url("/me")))
	if second.Token.AccessToken == first.Token.AccessToken {
		t.Fatal("token not refreshed near expiry")
	}
	if got := second.Token.Expiry.Sub(clock.Now()); got != 10*time.Minute {
		t.Errorf("refreshed token expires in %s", got)
	}
	if d := cmp.Diff(first.User, second.User); d != "" {
		t.Errorf("user changed by the refresh (-before +after):\n%s", d)
	}
	if !second.Token.HasScope("read-repos") {
		t.Errorf("refreshed scopes: %v", second.Token.Scopes)
	}

	// Expired: ten requests at once, one refresh.
	clock.Advance(11 * time.Minute)
	before := tokenCalls.n.Load()
	tokens := make(chan string, 10)
	for range 10 {
		go func() {
			r := b.Do(mustRequest(t, "GET", a.url("/me")))
			if r.StatusCode != http.StatusOK {
				tokens <- fmt.Sprintf("status %d", r.StatusCode)
				return
			}
			var m meBody
			json.Unmarshal([]byte(r.Body), &m)
			tokens <- m.Token.AccessToken
		}()
	}
	seen := map[string]int{}
	for range 10 {
		seen[<-tokens]++
	}
	if len(seen) != 1 {
		t.Fatalf("concurrent refreshes gave %v, want one token for all", seen)
	}
	if n := tokenCalls.n.Load() - before; n != 1 {
		t.Errorf("%d token requests for ten concurrent requests, want one refresh", n)
	}
	for tok := range seen {
		if tok == second.Token.AccessToken || !strings.HasPrefix(tok, "hf_oauth_") {
			t.Errorf("after concurrent refresh: %q", tok)
		}
	}

	// The user revokes the app: the next refresh is refused; signed out.
	p.RevokeTokens(t)
	clock.Advance(11 * time.Minute)
	if r := b.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after revocation: %d, want a redirect to sign in", r.StatusCode)
	}

	// A fresh session ends at SessionLifetime, refresh token or not.
	decodeMe(t, b.Get(a.url("/login/huggingface?_target_url=%2Fme")))
	for range 12 {
		clock.Advance(9*time.Minute + 50*time.Second)
		if r := b.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusOK {
			t.Fatalf("within the session lifetime: %d", r.StatusCode)
		}
	}
	clock.Advance(3 * time.Minute) // 2 h 1 min since this login
	if r := b.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusSeeOther {
		t.Errorf("past SessionLifetime: %d, want a redirect to sign in", r.StatusCode)
	}
}

// TestLogoutEndSession: with a provider that advertises an
// end_session_endpoint, logout clears the local session, sends the browser
// there with id_token_hint, comes back through the logout route and lands
// on the page asked for; the provider's session is over too, so the next
// login asks for the password again.
func TestLogoutEndSession(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)
	b.Get(a.url("/login/huggingface"))

	r := b.Do(mustRequest(t, "GET", a.url("/logout?_target_url=%2Fbye")))
	end, err := url.Parse(r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(end.String(), p.URL+"/") {
		t.Fatalf("logout: %d Location %q", r.StatusCode, r.Header.Get("Location"))
	}
	q := end.Query()
	if q.Get("id_token_hint") == "" || q.Get("client_id") != p.ClientID || q.Get("post_logout_redirect_uri") != a.url("/logout") || q.Get("state") != "/bye" {
		t.Errorf("end-session request: %v", q)
	}
	if r := b.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusSeeOther {
		t.Errorf("signed in locally after logout: %d", r.StatusCode)
	}
	final := b.Get(end.String())
	if final.URL.String() != a.url("/bye") {
		t.Fatalf("logout ended at %s (%d):\n%.800s", final.URL, final.StatusCode, final.Body)
	}
	login := b.Do(mustRequest(t, "GET", a.url("/login/huggingface")))
	atProvider := b.Do(mustRequest(t, "GET", login.Header.Get("Location")))
	if loc := atProvider.Header.Get("Location"); !strings.HasPrefix(loc, "/login?") {
		t.Errorf("after logout the provider did not ask to sign in again: %d %q", atProvider.StatusCode, loc)
	}
}

// countingTransport counts requests to one path.
type countingTransport struct {
	path string
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == c.path {
		c.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestHandler: Handler serves the SDK's routes only, with their methods.
func TestHandler(t *testing.T) {
	p := signintest.NewProvider(t)
	s, err := signin.New(context.Background(), p.Config())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/login/huggingface", http.StatusSeeOther},
		{"POST", "/login/huggingface", http.StatusMethodNotAllowed},
		{"GET", "/logout", http.StatusSeeOther},
		{"POST", "/logout", http.StatusSeeOther},
		{"GET", "/me", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
	if s.LoginPath() != "/login/huggingface" || s.CallbackPath() != "/login/callback" || s.LogoutPath() != "/logout" {
		t.Errorf("paths %s %s %s", s.LoginPath(), s.CallbackPath(), s.LogoutPath())
	}
}

// TestGrantedOrgs: an app that asks for an org with orgIds (pre-ticked on
// the consent page) gets it granted; the user's org says Granted with its
// role. Without orgIds the consent page ticks nothing and no org is
// granted.
func TestGrantedOrgs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		orgIDs  bool
		granted bool
	}{{"orgIds", true, true}, {"none-ticked", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			p := signintest.NewProvider(t)
			a := newTestApp(t, p, func(c *signin.Config) {
				if tc.orgIDs {
					c.AuthParams = url.Values{"orgIds": {p.OrgID}}
				}
			})
			me := decodeMe(t, p.Browser(t).Get(a.url("/me")))
			if len(me.User.Orgs) != 1 {
				t.Fatalf("orgs %+v, want the provider's one org", me.User.Orgs)
			}
			o := me.User.Orgs[0]
			if o.Granted != tc.granted || (o.Role != "") != tc.granted {
				t.Errorf("org %+v: Granted %v with a role, want %v", o, o.Granted, tc.granted)
			}
		})
	}
}
