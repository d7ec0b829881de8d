package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// TestLogin is the device login end to end, as a person does it with two
// terminals: "hubid dev" runs; "hubid login" prints a code and polls; the
// demo user approves it in a browser; the token lands in a 0600 file;
// "hubid login --status" shows who is logged in, and refreshes a token
// with less than a day left.
func TestLogin(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	issuer := startDev(t, data)
	creds := readDevCredentials(t, data)
	if creds.CLIClientID == "" {
		t.Fatal("dev-credentials.json has no cli_client_id")
	}
	path := filepath.Join(t.TempDir(), "config", "hubid", "token.json")
	getenv := func(k string) string {
		if k == "HUBID_CLIENT_ID" {
			return creds.CLIClientID
		}
		return ""
	}

	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv}
	done := make(chan int, 1)
	start := time.Now()
	go func() {
		done <- e.main(context.Background(), []string{"login", "--hub", issuer, "--token-file", path, "--json"})
	}()

	// The person reads the code on stderr (stdout is for the JSON).
	re := regexp.MustCompile(`Open (\S+) and enter the code (\S+)\n  \(or open (\S+)\)`)
	var m []string
	for deadline := time.Now().Add(20 * time.Second); m == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no code printed; stdout %q stderr %q", out.String(), errb.String())
		}
		m = re.FindStringSubmatch(errb.String())
	}
	if m[1] != issuer+"/oauth/device" || m[3] != issuer+"/oauth/device?user_code="+m[2] {
		t.Errorf("printed %q", m[0])
	}
	approveDevice(t, issuer, m[3], creds.Username, creds.Password)

	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("login exited %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("login did not finish; stderr %q", errb.String())
	}
	var res loginJSON
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out.String())
	}
	scope := "openid profile email read-billing read-memberships read-repos write-repos manage-repos inference-api"
	want := loginJSON{Hub: issuer, Username: "demo", ClientID: creds.CLIClientID, Scope: scope, ExpiresAt: res.ExpiresAt, TokenFile: path}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("login --json (-want +got):\n%s", diff)
	}
	if strings.Contains(out.String()+errb.String(), "hf_oauth_") {
		t.Error("a token was printed")
	}

	// The token file: mode 0600 in a 0700 directory, HF-style fields, a
	// 30-day token with its refresh token.
	tf := checkTokenFile(t, path)
	if !strings.HasPrefix(tf.AccessToken, "hf_oauth_") || !strings.HasPrefix(tf.RefreshToken, "hf_oauth_refresh_") {
		t.Errorf("tokens %q, %q", tf.AccessToken, tf.RefreshToken)
	}
	wantFile := tokenFile{Hub: issuer, ClientID: creds.CLIClientID, Username: "demo", AccessToken: tf.AccessToken,
		RefreshToken: tf.RefreshToken, ExpiresAt: tf.ExpiresAt, Scope: scope}
	if diff := cmp.Diff(wantFile, tf); diff != "" {
		t.Errorf("token file (-want +got):\n%s", diff)
	}
	checkExpiry(t, tf.ExpiresAt, start, 30*24*time.Hour)
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("token directory: %v, mode %v", err, fi.Mode().Perm())
	}
	var raw map[string]any
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &raw)
	for _, k := range []string{"access_token", "refresh_token", "expires_at", "hub", "client_id", "username"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("token file lacks %q: %s", k, b)
		}
	}

	// --status: who am I; nothing to refresh with 30 days left.
	code, stdout, stderr := runEnv(t, getenv, "login", "--status", "--token-file", path)
	if code != exitOK || !strings.Contains(stdout, "Logged in to "+issuer+" as demo.") || strings.Contains(stdout, "refreshed") {
		t.Fatalf("login --status: %d %q %q", code, stdout, stderr)
	}
	if got := checkTokenFile(t, path); got != tf {
		t.Errorf("--status changed the file without need")
	}

	// Less than a day left: --status refreshes first and keeps the file
	// private.
	tf.ExpiresAt = time.Now().Add(time.Hour).Unix()
	if err := writeTokenFile(path, tf); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	code, stdout, stderr = runEnv(t, getenv, "login", "--status", "--token-file", path, "--json")
	if code != exitOK {
		t.Fatalf("login --status --json: %d %s", code, stderr)
	}
	var st loginJSON
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || !st.Refreshed || st.Username != "demo" {
		t.Errorf("status after refresh: %v %s", err, stdout)
	}
	after := checkTokenFile(t, path)
	if after.AccessToken == tf.AccessToken || after.RefreshToken == tf.RefreshToken || after.RefreshToken == "" {
		t.Errorf("the refresh did not replace the tokens")
	}
	checkExpiry(t, after.ExpiresAt, before, 30*24*time.Hour)
}

// approveDevice plays the person in the browser: opens the complete
// verification URI, signs in, confirms the pre-filled code and allows.
func approveDevice(t *testing.T, issuer, complete, username, password string) {
	t.Helper()
	approveDeviceFor(t, issuer, complete, username, password, "hubid CLI")
}

// approveDeviceFor is approveDevice for the app named appName, which the
// confirmation page must show.
func approveDeviceFor(t *testing.T, issuer, complete, username, password, appName string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(complete)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(resp)
	next := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatalf("no login form at %s: %.400s", complete, body)
	}
	resp, err = c.PostForm(issuer+"/login", url.Values{"username": {username}, "password": {password}, "next": {htmlUnescape(next[1])}})
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(resp)
	code := regexp.MustCompile(`name="user_code" type="text" value="([^"]*)"`).FindStringSubmatch(body)
	if resp.Request.URL.Path != "/oauth/device" || code == nil {
		t.Fatalf("after login: %s %.400s", resp.Request.URL, body)
	}
	resp, err = c.PostForm(issuer+"/oauth/device/confirm", url.Values{"user_code": {code[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(resp)
	f := url.Values{"decision": {"allow"}}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
		f.Set(m[1], htmlUnescape(m[2]))
	}
	if f.Get("decision_token") == "" || !strings.Contains(body, appName) {
		t.Fatalf("no confirmation page: %d %.400s", resp.StatusCode, body)
	}
	resp, err = c.PostForm(issuer+"/oauth/device/decision", f)
	if err != nil {
		t.Fatal(err)
	}
	if body = readAll(resp); resp.StatusCode != 200 || !strings.Contains(body, "Device connected") {
		t.Fatalf("decision: %d %.400s", resp.StatusCode, body)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(s)
}

func readDevCredentials(t *testing.T, data string) devCredentials {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, credentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var c devCredentials
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkTokenFile reads the token file and checks its mode.
func checkTokenFile(t *testing.T, path string) tokenFile {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	tf, err := readTokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tf
}

func checkExpiry(t *testing.T, unix int64, from time.Time, ttl time.Duration) {
	t.Helper()
	lo, hi := from.Add(ttl).Unix()-1, time.Now().Add(ttl).Unix()+1
	if unix < lo || unix > hi {
		t.Errorf("expires_at %s, want %s after %s", time.Unix(unix, 0), ttl, from)
	}
}

// runEnv runs hubid with getenv and returns the exit status and output.
func runEnv(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv}
	code := e.main(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestLoginUsage(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none", "token.json")
	withClient := func(k string) string {
		if k == "HUBID_CLIENT_ID" {
			return "c"
		}
		return ""
	}
	none := func(string) string { return "" }
	cases := []struct {
		name   string
		getenv func(string) string
		args   []string
		code   int
		stderr string
	}{
		{"no-hub", withClient, []string{"login", "--token-file", missing}, exitUsage, "--hub is required"},
		{"no-client-id", none, []string{"login", "--hub", "http://127.0.0.1:1", "--token-file", missing}, exitUsage, "--client-id (or HUBID_CLIENT_ID) is required"},
		{"bad-hub", withClient, []string{"login", "--hub", "127.0.0.1:8080", "--token-file", missing}, exitUsage, "is not an http(s) URL"},
		{"positional", withClient, []string{"login", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"status-with-hub", none, []string{"login", "--status", "--hub", "http://x", "--token-file", missing}, exitUsage, "drop --hub"},
		{"status-not-logged-in", none, []string{"login", "--status", "--token-file", missing}, exitFailure, "not logged in: there is no " + missing},
		{"hub-unreachable", withClient, []string{"login", "--hub", "http://127.0.0.1:1", "--token-file", missing}, exitFailure, "reach the hub at http://127.0.0.1:1"},
		{"help", none, []string{"login", "--help"}, exitOK, "--token-file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runEnv(t, tc.getenv, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if code == exitFailure && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("a failure must be one line on stderr: %q", stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed login created the token directory: %v", err)
	}
	// Default token file: $XDG_CONFIG_HOME/hubid/token.json.
	e := &env{getenv: func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return "/cfg"
		}
		return ""
	}}
	if got := e.defaultTokenFile(); got != "/cfg/hubid/token.json" {
		t.Errorf("defaultTokenFile = %q", got)
	}
}

// fakeHub is a scripted token endpoint (and whoami) for the client's
// polling and refresh rules.
type fakeHub struct {
	t       *testing.T
	mu      sync.Mutex
	answers []fakeAnswer
	forms   []url.Values
}

type fakeAnswer struct {
	status int
	body   string // JSON unless it starts with "<"
}

func (f *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/whoami-v2" {
		if r.Header.Get("Authorization") == "Bearer revoked" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_token","error_description":"the access token was revoked"}`)
			return
		}
		fmt.Fprint(w, `{"type":"user","name":"demo"}`)
		return
	}
	r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forms = append(f.forms, r.PostForm)
	if len(f.answers) == 0 {
		f.t.Errorf("unexpected request %s %v", r.URL.Path, r.PostForm)
		w.WriteHeader(500)
		return
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	if strings.HasPrefix(a.body, "<") {
		w.Header().Set("Content-Type", "text/html")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(a.status)
	fmt.Fprint(w, a.body)
}

// fakeClock is the client's clock: sleeping moves it.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func newFakeClient(t *testing.T, answers ...fakeAnswer) (*deviceClient, *fakeHub, *fakeClock, *syncBuffer) {
	fh := &fakeHub{t: t, answers: answers}
	ts := httptest.NewServer(fh)
	t.Cleanup(ts.Close)
	clk := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	var errb syncBuffer
	e := &env{stdout: &syncBuffer{}, stderr: &errb, getenv: func(string) string { return "" }}
	c := newDeviceClient(e)
	c.hub, c.clientID, c.now, c.sleep = ts.URL, "cli", func() time.Time { return clk.now }, clk.sleep
	return c, fh, clk, &errb
}

func oauthErr(code string) fakeAnswer {
	return fakeAnswer{400, fmt.Sprintf(`{"error":%q,"error_description":"…"}`, code)}
}

var tokenAnswer = fakeAnswer{200, `{"access_token":"hf_oauth_x","token_type":"bearer","expires_in":2592000,"scope":"openid profile","refresh_token":"hf_oauth_refresh_x"}`}

// TestLoginPoll: the client's polling answers, on a fake clock.
func TestLoginPoll(t *testing.T) {
	s := time.Second
	pending := oauthErr("authorization_pending")
	cases := []struct {
		name      string
		interval  int64 // device answer; 0 = omitted (HF omits it)
		expiresIn int64
		answers   []fakeAnswer
		sleeps    []time.Duration
		err       string // "" = tokens
		warned    bool
	}{
		{"approved-at-once", 5, 900, []fakeAnswer{tokenAnswer}, []time.Duration{5 * s}, "", false},
		{"pending-then-approved", 5, 900, []fakeAnswer{pending, pending, tokenAnswer}, []time.Duration{5 * s, 5 * s, 5 * s}, "", false},
		{"slow-down-adds-5s-each-time", 5, 900, []fakeAnswer{pending, oauthErr("slow_down"), pending, oauthErr("slow_down"), tokenAnswer},
			[]time.Duration{5 * s, 5 * s, 10 * s, 10 * s, 15 * s}, "", false},
		{"interval-omitted-is-5s", 0, 900, []fakeAnswer{pending, tokenAnswer}, []time.Duration{5 * s, 5 * s}, "", false},
		{"hub-interval-is-honoured", 7, 900, []fakeAnswer{pending, tokenAnswer}, []time.Duration{7 * s, 7 * s}, "", false},
		{"server-errors-keep-polling", 5, 900, []fakeAnswer{
			{503, "<html>unavailable</html>"}, {500, `{"error":"server_error"}`}, {404, `{"message":"not oauth"}`}, pending, tokenAnswer,
		}, []time.Duration{5 * s, 5 * s, 5 * s, 5 * s, 5 * s}, "", true},
		{"denied", 5, 900, []fakeAnswer{pending, oauthErr("access_denied")}, []time.Duration{5 * s, 5 * s}, "the login was denied in the browser", false},
		{"expired-token", 5, 900, []fakeAnswer{oauthErr("expired_token")}, []time.Duration{5 * s}, "the code expired", false},
		{"other-error", 5, 900, []fakeAnswer{oauthErr("invalid_grant")}, []time.Duration{5 * s}, "the hub refused the login (invalid_grant: …)", false},
		{"expires-in-is-honoured", 5, 12, []fakeAnswer{pending, pending}, []time.Duration{5 * s, 5 * s, 5 * s}, "the code expired", false},
		{"expires-in-omitted-is-900s", 300, 0, []fakeAnswer{pending, pending}, []time.Duration{300 * s, 300 * s, 300 * s}, "the code expired", false},
		{"token-without-access-token", 5, 900, []fakeAnswer{{200, `{"token_type":"bearer"}`}}, []time.Duration{5 * s}, "has no access_token", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, fh, clk, errb := newFakeClient(t, tc.answers...)
			tok, err := c.poll(context.Background(), oidc.DeviceAuthorizationResponse{
				DeviceCode: "dc", UserCode: "CDFG-HJKM", VerificationURI: "x", Interval: tc.interval, ExpiresIn: tc.expiresIn,
			})
			switch {
			case tc.err == "" && (err != nil || tok == nil || tok.AccessToken != "hf_oauth_x"):
				t.Errorf("poll: %v %v", tok, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("poll error %v, want %q", err, tc.err)
			}
			if diff := cmp.Diff(tc.sleeps, clk.sleeps); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			for _, f := range fh.forms {
				want := url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {"dc"}, "client_id": {"cli"}}
				if diff := cmp.Diff(want, f); diff != "" {
					t.Errorf("poll form (-want +got):\n%s", diff)
				}
			}
			if len(fh.answers) != 0 {
				t.Errorf("%d scripted answers left", len(fh.answers))
			}
			if warned := strings.Contains(errb.String(), "still trying"); warned != tc.warned {
				t.Errorf("warned %v: %q", warned, errb.String())
			}
		})
	}
}

// TestLoginRefresh: --status's refresh keeps the old refresh token when
// none comes back, says to log in again when the hub refuses it, and
// carries on with a token that still works.
func TestLoginRefresh(t *testing.T) {
	cases := []struct {
		name     string
		left     time.Duration // lifetime left in the file
		access   string
		answers  []fakeAnswer
		code     int
		stderr   string
		wantFile func(old tokenFile, now time.Time) tokenFile
	}{
		{"no-refresh-needed", 48 * time.Hour, "hf_oauth_old", nil, exitOK, "", func(old tokenFile, _ time.Time) tokenFile { return old }},
		{"rotated", time.Hour, "hf_oauth_old", []fakeAnswer{tokenAnswer}, exitOK, "", func(old tokenFile, now time.Time) tokenFile {
			old.AccessToken, old.RefreshToken, old.Scope, old.ExpiresAt = "hf_oauth_x", "hf_oauth_refresh_x", "openid profile", now.Unix()+2592000
			return old
		}},
		{"no-new-refresh-token", time.Hour, "hf_oauth_old", []fakeAnswer{{200, `{"access_token":"hf_oauth_y","token_type":"bearer","expires_in":3600,"scope":"openid"}`}}, exitOK, "",
			func(old tokenFile, now time.Time) tokenFile {
				old.AccessToken, old.Scope, old.ExpiresAt = "hf_oauth_y", "openid", now.Unix()+3600
				return old
			}},
		{"refused-but-still-valid", time.Hour, "hf_oauth_old", []fakeAnswer{oauthErr("invalid_grant")}, exitOK, "could not refresh the token: the login has expired or was revoked",
			func(old tokenFile, _ time.Time) tokenFile { return old }},
		{"refused-and-expired", -time.Minute, "hf_oauth_old", []fakeAnswer{oauthErr("invalid_grant")}, exitFailure, "the login has expired or was revoked (…); run 'hubid login --hub",
			func(old tokenFile, _ time.Time) tokenFile { return old }},
		{"hub-down-and-expired", -time.Minute, "hf_oauth_old", []fakeAnswer{{503, "<html></html>"}}, exitFailure, "the hub answered 503 to the refresh",
			func(old tokenFile, _ time.Time) tokenFile { return old }},
		{"token-revoked", 48 * time.Hour, "revoked", nil, exitFailure, "whoami refused the token (invalid_token: the access token was revoked); run 'hubid login --hub",
			func(old tokenFile, _ time.Time) tokenFile { return old }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, fh, clk, errb := newFakeClient(t, tc.answers...)
			path := filepath.Join(t.TempDir(), "token.json")
			old := tokenFile{Hub: c.hub, ClientID: "cli", Username: "demo", AccessToken: tc.access, RefreshToken: "hf_oauth_refresh_old",
				ExpiresAt: clk.now.Add(tc.left).Unix(), Scope: "openid profile"}
			if err := writeTokenFile(path, old); err != nil {
				t.Fatal(err)
			}
			err := c.status(context.Background(), path, false)
			code := exitOK
			if err != nil {
				code = exitFailure
				fmt.Fprintln(errb, err)
			}
			if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("status: exit %d, stderr %q; want %d and %q", code, errb.String(), tc.code, tc.stderr)
			}
			if diff := cmp.Diff(tc.wantFile(old, clk.now), checkTokenFile(t, path)); diff != "" {
				t.Errorf("token file (-want +got):\n%s", diff)
			}
			for _, f := range fh.forms {
				want := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"hf_oauth_refresh_old"}, "client_id": {"cli"}}
				if diff := cmp.Diff(want, f); diff != "" {
					t.Errorf("refresh form (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestWriteTokenFile: the file is private from the first byte, and an
// existing file is replaced whole.
func TestWriteTokenFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "token.json")
	for i, tok := range []string{"first", "second"} {
		if err := writeTokenFile(path, tokenFile{Hub: "h", AccessToken: tok}); err != nil {
			t.Fatal(err)
		}
		if got := checkTokenFile(t, path); got.AccessToken != tok {
			t.Errorf("write %d: %q", i, got.AccessToken)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", fi.Mode().Perm())
	}
	// A file that is not ours is refused with a way out.
	os.WriteFile(path, []byte("{}"), 0o600)
	if _, err := readTokenFile(path); err == nil || !strings.Contains(err.Error(), "is not a hubid login token file") {
		t.Errorf("readTokenFile of {}: %v", err)
	}
}

// TestSeedCLIApp: hubid dev seeds the public, device-only "hubid CLI" app,
// and adds it to a data directory seeded before it existed.
func TestSeedCLIApp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStore(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := seedDemo(ctx, st, accounts.NewHasher(0), dir)
	if err != nil {
		t.Fatal(err)
	}
	app, err := st.App(ctx, c.CLIClientID)
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "hubid CLI" || !app.Public || len(app.RedirectURIs) != 0 || app.TokenTTL != 30*24*time.Hour || app.SecretHash != (store.Digest{}) {
		t.Errorf("CLI app %+v", app)
	}
	old := c
	c.CLIClientID = ""
	if err := writeCredentials(filepath.Join(dir, credentialsFile), c); err != nil {
		t.Fatal(err)
	}
	c2, err := seedDemo(ctx, st, accounts.NewHasher(0), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c2.CLIClientID == "" || c2.CLIClientID == old.CLIClientID {
		t.Errorf("no new CLI app: %q", c2.CLIClientID)
	}
	c2.CLIClientID = old.CLIClientID
	if diff := cmp.Diff(old, c2); diff != "" {
		t.Errorf("the other credentials changed (-old +new):\n%s", diff)
	}
	if got := readDevCredentials(t, dir); got.CLIClientID == "" {
		t.Error("the CLI app was not written to dev-credentials.json")
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * 24 * time.Hour:             "30 days",
		30*24*time.Hour - 2*time.Second: "30 days",
		48 * time.Hour:                  "2 days",
		47*time.Hour + 59*time.Minute:   "47h59m",
		time.Hour:                       "1h00m",
		59*time.Minute + 40*time.Second: "1h00m",
		5 * time.Minute:                 "5 minutes",
		30 * time.Second:                "1 minute",
		29 * time.Second:                "less than a minute",
		-time.Minute:                    "less than a minute",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
