package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/store/sqlite"
)

// TestMain lets the test binary play a tiny Space app when run by
// "hubid space run" (HUBID_TEST_SPACEAPP=1), and hubid itself, as a
// process of its own (HUBID_TEST_MAIN=1, see startProcess).
func TestMain(m *testing.M) {
	if os.Getenv("HUBID_TEST_MAIN") == "1" {
		main()
	}
	if os.Getenv("HUBID_TEST_SPACEAPP") == "1" {
		os.Exit(spaceApp())
	}
	os.Exit(m.Run())
}

// spaceApp is a hand-written "Sign in with HF" app: it reports the
// environment Spaces gave it and logs in with the code flow.
func spaceApp() int {
	vars := map[string]string{}
	for _, k := range []string{"OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_SCOPES", "OPENID_PROVIDER_URL", "SPACE_HOST", "SPACE_ID", "SYSTEM", "PORT", "HF_ENDPOINT"} {
		vars[k] = os.Getenv(k)
	}
	b, _ := json.Marshal(vars)
	if err := os.WriteFile(os.Getenv("HUBID_TEST_SPACEAPP_OUT"), b, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	provider := os.Getenv("OPENID_PROVIDER_URL")
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		q := url.Values{
			"client_id": {os.Getenv("OAUTH_CLIENT_ID")}, "scope": {os.Getenv("OAUTH_SCOPES")},
			"redirect_uri": {"http://" + r.Host + "/login/callback"}, "state": {"s1"},
		}
		http.Redirect(w, r, provider+"/oauth/authorize?"+q.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/login/callback", func(w http.ResponseWriter, r *http.Request) {
		if e := r.URL.Query().Get("error"); e != "" {
			http.Error(w, e+": "+r.URL.Query().Get("error_description"), http.StatusForbidden)
			return
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {r.URL.Query().Get("code")}, "redirect_uri": {"http://" + r.Host + "/login/callback"}}
		req, _ := http.NewRequest("POST", provider+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(os.Getenv("OAUTH_CLIENT_ID")+":"+os.Getenv("OAUTH_CLIENT_SECRET"))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startDev runs "hubid dev" on a free port and returns its issuer.
func startDev(t *testing.T, data string, flags ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	done := make(chan int)
	go func() {
		done <- e.main(ctx, append([]string{"dev", "--addr", "127.0.0.1:0", "--data", data}, flags...))
	}()
	t.Cleanup(func() { cancel(); <-done })
	re := regexp.MustCompile(`Issuer\s+(http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			waitHTTP(t, m[1]+"/.well-known/openid-configuration")
			return m[1]
		}
	}
	t.Fatalf("dev did not start: %s", errb.String())
	return ""
}

// waitHTTP waits until u answers with something other than a 502: space
// run's proxy answers 502 until the app listens, and the test app writes
// its environment before it listens.
func waitHTTP(t *testing.T, u string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway {
				return
			}
		}
	}
	t.Fatalf("%s never answered", u)
}

func devPassword(t *testing.T, data string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, credentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var c devCredentials
	json.Unmarshal(b, &c)
	return c.Password
}

// signIn walks a cookie-jar browser from start through the hub's login and
// consent pages, and returns the last response (not following redirects to
// hosts other than the hub and allowed).
func signIn(t *testing.T, issuer, start, username, password string, allowed ...string) (*http.Response, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hub, _ := url.Parse(issuer)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		for _, h := range append(allowed, hub.Host) {
			if req.URL.Host == h {
				return nil
			}
		}
		return http.ErrUseLastResponse
	}}
	resp, err := c.Get(start)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(resp)
	hidden := regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	fields := func(b string) url.Values {
		v := url.Values{}
		for _, m := range hidden.FindAllStringSubmatch(b, -1) {
			v.Set(m[1], strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(m[2]))
		}
		return v
	}
	if strings.Contains(body, `name="password"`) {
		f := url.Values{"username": {username}, "password": {password}, "next": {fields(body).Get("next")}}
		if resp, err = c.PostForm(issuer+"/login", f); err != nil {
			t.Fatal(err)
		}
		body = readAll(resp)
	}
	if strings.Contains(body, `name="consent_token"`) {
		f := fields(body)
		f.Set("consent", "allow")
		if resp, err = c.PostForm(issuer+"/oauth/authorize", f); err != nil {
			t.Fatal(err)
		}
		body = readAll(resp)
	}
	return resp, body
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

const oauthReadme = `---
title: OAuth test
sdk: docker
app_port: 7860
hf_oauth: true
hf_oauth_scopes:
  - email
  - read-repos
---

# A Space with Sign in with HF
`

// TestSpaceRun is the Spaces story end to end: a README with hf_oauth and
// hf_oauth_scopes [email, read-repos] is synced, "hubid space run" runs an
// app that receives the five variables, a login from the app's callback URL
// yields a token with scope "openid profile email read-repos", a redirect
// URI on another host is refused, a re-sync of the unchanged README changes
// nothing, and an hf_oauth_authorized_org Space admits a member and refuses
// a non-member.
func TestSpaceRun(t *testing.T) {
	data := t.TempDir()
	issuer := startDev(t, data)
	spaceDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(spaceDir, "README.md"), []byte(oauthReadme), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"--space", "demo/oauth-test", "--data", data, "--issuer", issuer}

	code, synced, stderr := run(t, data, "", append([]string{"space", "sync", spaceDir, "--json"}, common...)...)
	if code != exitOK {
		t.Fatalf("space sync: %s", stderr)
	}
	var first struct {
		ClientID string            `json:"client_id"`
		Created  bool              `json:"created"`
		Env      map[string]string `json:"env"`
	}
	json.Unmarshal([]byte(synced), &first)
	if !first.Created || first.Env["OAUTH_SCOPES"] != "openid profile email read-repos" || first.Env["OPENID_PROVIDER_URL"] != issuer {
		t.Fatalf("first sync: %s", synced)
	}

	// Re-syncing the unchanged README changes nothing.
	db, err := sqlite.Open(filepath.Join(data, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before, _ := db.Dump(context.Background())
	code, again, _ := run(t, data, "", append([]string{"space", "sync", spaceDir, "--json"}, common...)...)
	after, _ := db.Dump(context.Background())
	if code != exitOK || !strings.Contains(again, `"created": false`) || !strings.Contains(again, `"changed": false`) || !strings.Contains(again, first.ClientID) {
		t.Errorf("re-sync: %s", again)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("re-sync changed the store (-before +after):\n%s", d)
	}
	if !strings.Contains(again, first.Env["OAUTH_CLIENT_SECRET"]) {
		t.Errorf("re-sync lost the cached secret: %s", again)
	}
	if first.Env["HF_ENDPOINT"] != issuer {
		t.Errorf("HF_ENDPOINT = %q, want the issuer %s", first.Env["HF_ENDPOINT"], issuer)
	}
	// --hf-endpoint off leaves HF_ENDPOINT out; a URL replaces it; a
	// non-URL is a usage error naming the flag.
	if code, out, stderr := run(t, data, "", append([]string{"space", "env", spaceDir, "--hf-endpoint", "off"}, common...)...); code != exitOK || strings.Contains(out, "HF_ENDPOINT") {
		t.Errorf("--hf-endpoint off: %d %s %s", code, out, stderr)
	}
	if code, out, stderr := run(t, data, "", append([]string{"space", "env", spaceDir, "--hf-endpoint", "https://hub.example/"}, common...)...); code != exitOK || !strings.Contains(out, "HF_ENDPOINT=https://hub.example\n") {
		t.Errorf("--hf-endpoint URL: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := run(t, data, "", append([]string{"space", "env", spaceDir, "--hf-endpoint", "hub.example"}, common...)...); code != exitUsage || !strings.Contains(stderr, "--hf-endpoint") {
		t.Errorf("--hf-endpoint bad: %d %s", code, stderr)
	}

	// space run, with the test binary as the app.
	appOut := filepath.Join(t.TempDir(), "env.json")
	t.Setenv("HUBID_TEST_SPACEAPP", "1")
	t.Setenv("HUBID_TEST_SPACEAPP_OUT", appOut)
	ctx, cancel := context.WithCancel(context.Background())
	var runOut, runErr syncBuffer
	re := &env{stdin: strings.NewReader(""), stdout: &runOut, stderr: &runErr, getenv: func(string) string { return "" }}
	done := make(chan int)
	go func() {
		done <- re.main(ctx, append(append([]string{"space", "run", spaceDir, "--app-port", "0"}, common...), "--", os.Args[0], "-test.run=^$"))
	}()
	defer func() {
		cancel()
		if code := <-done; code != 143 && code != exitOK && code != 130 {
			t.Errorf("space run exited %d: %s", code, runErr.String())
		}
	}()
	hostRE := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	var host string
	for deadline := time.Now().Add(30 * time.Second); host == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := hostRE.FindStringSubmatch(runErr.String()); m != nil {
			host = m[1]
		}
	}
	if host == "" {
		t.Fatalf("space run printed no host: %s", runErr.String())
	}
	var got map[string]string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if b, err := os.ReadFile(appOut); err == nil && json.Unmarshal(b, &got) == nil {
			break
		}
	}
	_, port, _ := net.SplitHostPort(host)
	want := map[string]string{
		"OAUTH_CLIENT_ID": first.ClientID, "OAUTH_CLIENT_SECRET": first.Env["OAUTH_CLIENT_SECRET"],
		"OAUTH_SCOPES": "openid profile email read-repos", "OPENID_PROVIDER_URL": issuer,
		"SPACE_HOST": "demo-oauth-test.localhost:" + port + "," + host, "SPACE_ID": "demo/oauth-test", "SYSTEM": "spaces",
		"HF_ENDPOINT": issuer,
	}
	delete(got, "PORT")
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("the app's environment (-want +got):\n%s", d)
	}
	waitHTTP(t, "http://"+host+"/login/callback?error=ping")

	resp, body := signIn(t, issuer, "http://"+host+"/login", "demo", devPassword(t, data), host)
	if resp.StatusCode != 200 {
		t.Fatalf("login through the Space: %d %s", resp.StatusCode, body)
	}
	var tok map[string]any
	json.Unmarshal([]byte(body), &tok)
	if tok["scope"] != "openid profile email read-repos" || !strings.HasPrefix(fmt.Sprint(tok["access_token"]), "hf_oauth_") {
		t.Errorf("token from the Space's callback: %s", body)
	}

	// A redirect URI on another host is refused with a page, not a redirect.
	for _, bad := range []string{"http://127.0.0.1:1/login/callback", "https://evil.example/login/callback", "https://demo-oauth-test.localhost.evil.example/cb"} {
		u := issuer + "/oauth/authorize?" + url.Values{"client_id": {first.ClientID}, "redirect_uri": {bad}, "scope": {"openid"}}.Encode()
		r, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b := readAll(r)
		if r.StatusCode != 400 || !strings.Contains(b, "Redirect URI not allowed") {
			t.Errorf("redirect_uri %s: %d %.200s", bad, r.StatusCode, b)
		}
	}
}

func TestSpaceAuthorizedOrg(t *testing.T) {
	data := t.TempDir()
	issuer := startDev(t, data)
	if code, _, stderr := run(t, data, "eve's long password\n", "user", "add", "eve", "--password-stdin"); code != exitOK {
		t.Fatal(stderr)
	}
	spaceDir := t.TempDir()
	readme := strings.Replace(oauthReadme, "hf_oauth: true\n", "hf_oauth: true\nhf_oauth_authorized_org: demo-org\n", 1)
	os.WriteFile(filepath.Join(spaceDir, "README.md"), []byte(readme), 0o644)
	code, out, stderr := run(t, data, "", "space", "sync", spaceDir, "--space", "demo/members-only", "--data", data, "--issuer", issuer, "--json")
	if code != exitOK {
		t.Fatal(stderr)
	}
	var synced struct {
		ClientID string `json:"client_id"`
	}
	json.Unmarshal([]byte(out), &synced)
	start := issuer + "/oauth/authorize?" + url.Values{
		"client_id": {synced.ClientID}, "redirect_uri": {"https://demo-members-only.localhost/login/callback"},
		"scope": {"openid profile"}, "state": {"st"},
	}.Encode()

	resp, body := signIn(t, issuer, start, "eve", "eve's long password")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" ||
		!strings.Contains(loc.Query().Get("error_description"), "demo-org") || loc.Query().Get("code") != "" || loc.Query().Get("state") != "st" {
		t.Errorf("non-member: %d %s %.200s", resp.StatusCode, loc, body)
	}
	resp, body = signIn(t, issuer, start, "demo", devPassword(t, data))
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" || loc.Host != "demo-members-only.localhost" {
		t.Errorf("member: %d %s %.200s", resp.StatusCode, loc, body)
	}

	// An org that does not exist is refused at sync, naming it.
	os.WriteFile(filepath.Join(spaceDir, "README.md"), []byte(strings.Replace(readme, "demo-org", "no-such-org", 1)), 0o644)
	code, _, stderr = run(t, data, "", "space", "sync", spaceDir, "--space", "demo/members-only", "--data", data, "--issuer", issuer)
	if code != exitFailure || !strings.Contains(stderr, filepath.Join(spaceDir, "README.md")+` line 6: hf_oauth_authorized_org: "no-such-org" does not exist on this hub; allowed: an existing org: demo-org`) {
		t.Errorf("unknown org: %d %s", code, stderr)
	}
}

// TestSpaceSyncRemote syncs over the hub's API, the way a remote hub is
// used, and checks who may do it.
func TestSpaceSyncRemote(t *testing.T) {
	data := t.TempDir()
	issuer := startDev(t, data)
	spaceDir := t.TempDir()
	os.WriteFile(filepath.Join(spaceDir, "README.md"), []byte(oauthReadme), 0o644)
	token := func(user, role string) string {
		code, out, stderr := run(t, data, "", "token", "create", "--user", user, "--role", role)
		if code != exitOK {
			t.Fatal(stderr)
		}
		return strings.TrimSpace(out)
	}
	run(t, data, "mallory's long password\n", "user", "add", "mallory", "--password-stdin")
	cli := t.TempDir() // the remote client's own data directory (secret cache)

	cases := []struct {
		name, space, token, wantErr string
	}{
		{"read-token", "demo/remote", token("demo", "read"), "read-only"},
		{"someone-else", "demo/remote", token("mallory", "write"), "may not manage Spaces"},
		{"not-org-admin", "demo-org/remote", token("mallory", "write"), "is not an admin of the org demo-org"},
		{"bad-token", "demo/remote", "hf_nope", "invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, cli, tc.token+"\n", "space", "sync", spaceDir, "--space", tc.space, "--hub", issuer, "--token-stdin")
			if code != exitFailure || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want failure with %q", code, stderr, tc.wantErr)
			}
		})
	}

	demoTok := token("demo", "write")
	for _, space := range []string{"demo/remote", "demo-org/remote"} { // own Space, and an org the user administers
		code, out, stderr := run(t, cli, demoTok+"\n", "space", "sync", spaceDir, "--space", space, "--hub", issuer, "--token-stdin", "--json")
		if code != exitOK || !strings.Contains(out, `"created": true`) || !strings.Contains(out, `"OAUTH_CLIENT_SECRET": "hf_oauth_secret_`) {
			t.Fatalf("remote sync of %s: %d %s %s", space, code, out, stderr)
		}
	}
	// The second sync gets no secret from the hub; the CLI fills it from its cache.
	code, out, _ := run(t, cli, demoTok+"\n", "space", "env", spaceDir, "--space", "demo/remote", "--hub", issuer, "--token-stdin")
	if code != exitOK || !strings.Contains(out, "OAUTH_CLIENT_SECRET=hf_oauth_secret_") || !strings.Contains(out, "SPACE_HOST=demo-remote.localhost\n") || !strings.Contains(out, "HF_ENDPOINT="+issuer+"\n") {
		t.Errorf("remote env: %d\n%s", code, out)
	}
	// Another machine without the cache is told how to get a secret.
	code, _, stderr := run(t, t.TempDir(), demoTok+"\n", "space", "env", spaceDir, "--space", "demo/remote", "--hub", issuer, "--token-stdin")
	if code != exitFailure || !strings.Contains(stderr, "--rotate-secret") {
		t.Errorf("without the cache: %d %s", code, stderr)
	}
	// --hf-endpoint travels to the hub, which builds the environment.
	code, out, stderr = run(t, cli, demoTok+"\n", "space", "env", spaceDir, "--space", "demo/remote", "--hub", issuer, "--token-stdin", "--hf-endpoint", "off")
	if code != exitOK || strings.Contains(out, "HF_ENDPOINT") || !strings.Contains(out, "SPACE_ID=demo/remote\n") {
		t.Errorf("remote env --hf-endpoint off: %d %s %s", code, out, stderr)
	}
	// A bad README is refused by the hub with the parser's message.
	os.WriteFile(filepath.Join(spaceDir, "README.md"), []byte("---\nhf_oauth: yes please\n---\n"), 0o644)
	code, _, stderr = run(t, cli, demoTok+"\n", "space", "sync", spaceDir, "--space", "demo/remote", "--hub", issuer, "--token-stdin")
	if code != exitFailure || !strings.Contains(stderr, "hf_oauth") {
		t.Errorf("bad README: %d %s", code, stderr)
	}
}
