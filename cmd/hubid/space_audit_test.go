package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
)

// writeSpace writes README.md into a new directory named name and returns
// the directory.
func writeSpace(t *testing.T, name, readme string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSpaceMetadataErrorsAllShown: every problem of a README is printed, one
// line each with key, line, value and allowed values, and the file is named
// once per line.
func TestSpaceMetadataErrorsAllShown(t *testing.T) {
	dir := writeSpace(t, "sp-bad", "---\ntitle: bad\nsdk: docker\nhf_oauth: \"yes please\"\nhf_oauth_expiration_minutes: 50000\n---\n")
	readme := filepath.Join(dir, "README.md")
	for _, verb := range []string{"sync", "env", "run"} {
		code, _, stderr := run(t, t.TempDir(), "", "space", verb, dir, "--space", "demo/bad")
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != exitFailure || len(lines) != 2 {
			t.Fatalf("space %s: exit %d, stderr %q; want 2 lines", verb, code, stderr)
		}
		for i, want := range []string{
			"hubid space: " + readme + ` line 4: hf_oauth: "yes please" `,
			"hubid space: " + readme + " line 5: hf_oauth_expiration_minutes: 50000 ",
		} {
			if !strings.HasPrefix(lines[i], want) || !strings.Contains(lines[i], "allowed: ") {
				t.Errorf("space %s, line %d: %q; want it to start with %q and say what is allowed", verb, i+1, lines[i], want)
			}
			if strings.Count(lines[i], "README.md") != 1 {
				t.Errorf("space %s: the file is named twice: %q", verb, lines[i])
			}
		}
	}
}

// TestSpaceRunForwardsSignals: space run hands the signals hubid gets
// (SIGHUP here, which used to end hubid and orphan the app) to the app,
// waits for it, and exits with its status.
func TestSpaceRunForwardsSignals(t *testing.T) {
	data := t.TempDir()
	if code, _, stderr := run(t, data, "alice's long password\n", "user", "add", "alice", "--password-stdin"); code != exitOK {
		t.Fatal(stderr)
	}
	dir := writeSpace(t, "sp-signals", "---\nsdk: docker\n---\n")
	rec := filepath.Join(t.TempDir(), "signals")
	script := `trap 'echo HUP >> "$REC"; exit 5' HUP; trap 'echo USR1 >> "$REC"' USR1; echo ready >> "$REC"; while :; do sleep 1 & wait $!; done`

	sigs := make(chan os.Signal, 1)
	released := make(chan struct{})
	var errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &errb, stderr: &errb, getenv: func(k string) string {
		if k == "REC" {
			return rec
		}
		return ""
	}, takeSignals: func(sig ...os.Signal) (<-chan os.Signal, func()) {
		for _, want := range []os.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT, syscall.SIGTERM} {
			if !slices.Contains(sig, want) {
				t.Errorf("space run does not take %v", want)
			}
		}
		return sigs, func() { close(released) }
	}}
	t.Setenv("REC", rec)
	done := make(chan int, 1)
	go func() {
		done <- e.main(context.Background(), []string{"space", "run", dir, "--space", "alice/signals", "--data", data, "--", "sh", "-c", script})
	}()
	waitFile := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if b, _ := os.ReadFile(rec); strings.Contains(string(b), want) {
				return
			}
			select {
			case code := <-done:
				// The app may have recorded it and exited between the
				// read above and this receive: look once more.
				if b, _ := os.ReadFile(rec); strings.Contains(string(b), want) {
					done <- code
					return
				}
				t.Fatalf("space run exited %d before the app recorded %q: %s", code, want, errb.String())
			default:
			}
		}
		b, _ := os.ReadFile(rec)
		t.Fatalf("the app never recorded %q (got %q): %s", want, b, errb.String())
	}
	waitFile("ready\n")
	sigs <- syscall.SIGUSR1
	waitFile("USR1\n")
	sigs <- syscall.SIGHUP
	waitFile("HUP\n")
	select {
	case code := <-done:
		if code != 5 {
			t.Errorf("space run exited %d, want the app's 5: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("space run did not end after the app did")
	}
	select {
	case <-released:
	default:
		t.Error("space run did not give the signals back")
	}
}

// addUser adds a user to the database in data (a Space's owner).
func addUser(t *testing.T, data, name string) {
	t.Helper()
	if code, _, stderr := run(t, data, name+"'s long password\n", "user", "add", name, "--password-stdin"); code != exitOK {
		t.Fatal(stderr)
	}
}

// TestSpaceRunAppPort: a docker Space's app gets its README's app_port as
// PORT, since Spaces route there; a busy app_port is a clear error;
// --app-port overrides.
func TestSpaceRunAppPort(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "alice")
	rec := filepath.Join(t.TempDir(), "port")
	t.Setenv("REC", rec)
	app := []string{"--", "sh", "-c", `echo "$PORT" > "$REC"`}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	dir := writeSpace(t, "sp-port", "---\nsdk: docker\napp_port: "+port+"\n---\n")

	// Busy: the error names the port and how to change it.
	code, _, stderr := run(t, data, "", append([]string{"space", "run", dir, "--space", "alice/port", "--data", data}, app...)...)
	if code != exitFailure || !strings.Contains(stderr, "port "+port+" (the README's app_port) is not free") || !strings.Contains(stderr, "--app-port") {
		t.Errorf("busy app_port: exit %d, %q", code, stderr)
	}
	// --app-port 0 picks a free one.
	code, _, stderr = run(t, data, "", append([]string{"space", "run", dir, "--space", "alice/port", "--data", data, "--app-port", "0"}, app...)...)
	if b, _ := os.ReadFile(rec); code != exitOK || strings.TrimSpace(string(b)) == port || strings.TrimSpace(string(b)) == "" {
		t.Errorf("--app-port 0: exit %d, PORT %q: %s", code, b, stderr)
	}
	// Free: the app gets app_port.
	l.Close()
	code, _, stderr = run(t, data, "", append([]string{"space", "run", dir, "--space", "alice/port", "--data", data}, app...)...)
	if b, _ := os.ReadFile(rec); code != exitOK || strings.TrimSpace(string(b)) != port {
		t.Errorf("free app_port %s: exit %d, PORT %q: %s", port, code, b, stderr)
	}
}

// TestSpaceRunStaticAppFile: a static Space with app_file dist/index.html
// serves that file at "/".
func TestSpaceRunStaticAppFile(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "alice")
	dir := writeSpace(t, "sp-static", "---\nsdk: static\napp_file: dist/index.html\n---\n")
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<html>the source page</html>"), 0o644)
	os.MkdirAll(filepath.Join(dir, "dist", "assets"), 0o755)
	os.WriteFile(filepath.Join(dir, "dist", "index.html"), []byte(`<html><head></head><script src="/assets/app.js"></script>the built page</html>`), 0o644)
	os.WriteFile(filepath.Join(dir, "dist", "assets", "app.js"), []byte("console.log('built')"), 0o644)

	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &errb, stderr: &errb, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- e.main(ctx, []string{"space", "run", dir, "--space", "alice/static", "--data", data})
	}()
	defer func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("space run exited %d: %s", code, errb.String())
		}
	}()
	hostRE := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	var host string
	for deadline := time.Now().Add(30 * time.Second); host == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := hostRE.FindStringSubmatch(errb.String()); m != nil {
			host = m[1]
		}
	}
	if host == "" {
		t.Fatalf("space run printed no host: %s", errb.String())
	}
	for path, want := range map[string]string{"/": "the built page", "/assets/app.js": "console.log('built')"} {
		resp, err := http.Get("http://" + host + path)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(resp); resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}
}

// apiSync PUTs a README to the hub's Space API and returns the status and body.
func apiSync(t *testing.T, issuer, space, token string, req map[string]any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(req)
	r, _ := http.NewRequest(http.MethodPut, issuer+"/api/spaces/"+space, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readAll(resp)
}

// redirectAllowed reports whether the hub accepts redirectURI for the app
// (an authorize request that is not refused with the error page).
func redirectAllowed(t *testing.T, issuer, clientID, redirectURI string) bool {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(issuer + "/oauth/authorize?" + url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "scope": {"openid profile"}, "response_type": {"code"}, "state": {"s"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(resp)
	return resp.StatusCode != http.StatusBadRequest && !strings.Contains(body, "Redirect URI not allowed")
}

func writeToken(t *testing.T, data, user string) string {
	t.Helper()
	code, out, stderr := run(t, data, "", "token", "create", "--user", user, "--role", "write")
	if code != exitOK {
		t.Fatal(stderr)
	}
	return strings.TrimSpace(out)
}

// TestSpaceRunKeepsHubHosts: "space run --hub" adds its local hosts to the
// app for the run; the deployed Space's hosts, custom domain included, keep
// working as redirect URIs.
func TestSpaceRunKeepsHubHosts(t *testing.T) {
	data := t.TempDir()
	issuer := startDev(t, data, "--space-custom-domains")
	tok := writeToken(t, data, "demo")
	deployed := []string{"app.example.com", "demo-devrun.localhost"}
	code, body := apiSync(t, issuer, "demo/devrun", tok, map[string]any{"readme": oauthReadme, "hosts": deployed})
	if code != 200 {
		t.Fatalf("deploy sync: %d %s", code, body)
	}
	var synced struct {
		ClientID string `json:"client_id"`
	}
	json.Unmarshal([]byte(body), &synced)

	dir := writeSpace(t, "sp-devrun", oauthReadme)
	rec := filepath.Join(t.TempDir(), "env")
	t.Setenv("REC", rec)
	code, _, stderr := run(t, t.TempDir(), tok+"\n", "space", "run", dir, "--space", "demo/devrun", "--hub", issuer, "--token-stdin", "--app-port", "0", "--rotate-secret",
		"--", "sh", "-c", `echo "$SPACE_HOST" > "$REC"`)
	if code != exitOK {
		t.Fatalf("space run: %d %s", code, stderr)
	}
	b, _ := os.ReadFile(rec)
	spaceHost := strings.TrimSpace(string(b))
	local := strings.Split(spaceHost, ",")
	if len(local) != 2 || !strings.HasPrefix(local[0], "demo-devrun.localhost:") || !strings.HasPrefix(local[1], "127.0.0.1:") {
		t.Fatalf("the local app's SPACE_HOST %q, want the run's two hosts", spaceHost)
	}
	for _, h := range deployed {
		if !redirectAllowed(t, issuer, synced.ClientID, "https://"+h+"/login/callback") {
			t.Errorf("after a local run, the Space's host %s is no longer an accepted redirect host", h)
		}
	}
	if !redirectAllowed(t, issuer, synced.ClientID, "http://"+local[1]+"/login/callback") {
		t.Errorf("the run's host %s was not accepted", local[1])
	}
	if redirectAllowed(t, issuer, synced.ClientID, "https://evil.example/login/callback") {
		t.Error("a foreign host is accepted")
	}
}

// TestSpaceDelete: "space delete" removes the Space's app and its tokens,
// locally and through a hub; deleting a Space that has no app fails with
// a message instead of claiming success.
func TestSpaceDelete(t *testing.T) {
	data := t.TempDir()
	issuer := startDev(t, data)
	dir := writeSpace(t, "sp-delete", oauthReadme)
	ctx := context.Background()
	withToken := func(space string) string {
		t.Helper()
		code, out, stderr := run(t, data, "", "space", "sync", dir, "--space", space, "--data", data, "--issuer", issuer, "--json")
		if code != exitOK {
			t.Fatalf("sync %s: %s", space, stderr)
		}
		var synced struct {
			ClientID string `json:"client_id"`
		}
		json.Unmarshal([]byte(out), &synced)
		db, err := sqlite.Open(filepath.Join(data, dbFile))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		u, err := db.UserByName(ctx, "demo")
		if err != nil {
			t.Fatal(err)
		}
		raw, digest := store.NewSecret("hf_oauth_")
		if err := db.CreateToken(ctx, store.Token{Hash: digest, Kind: store.KindAccess, UserID: u.ID, ClientID: synced.ClientID,
			Scopes: []string{"openid", "profile"}, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return raw
	}
	userinfo := func(tok string) int {
		req, _ := http.NewRequest("GET", issuer+"/oauth/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	hubTok := writeToken(t, data, "demo")
	for _, tc := range []struct {
		name  string
		space string
		args  []string
		stdin string
	}{
		{"local", "demo/del-local", []string{"--data", data}, ""},
		{"hub", "demo/del-hub", []string{"--hub", issuer, "--token-stdin"}, hubTok + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			access := withToken(tc.space)
			if s := userinfo(access); s != http.StatusOK {
				t.Fatalf("the Space app's token before delete: userinfo %d", s)
			}
			code, out, stderr := run(t, data, tc.stdin, append([]string{"space", "delete", "--space", tc.space}, tc.args...)...)
			if code != exitOK || !strings.Contains(out, "deleted the OAuth app of "+tc.space) {
				t.Fatalf("delete: %d %q %q", code, out, stderr)
			}
			if s := userinfo(access); s != http.StatusUnauthorized {
				t.Errorf("the Space app's token after delete: userinfo %d, want 401", s)
			}
			// Again: nothing to delete, exit 1, one line saying so.
			code, out, stderr = run(t, data, tc.stdin, append([]string{"space", "delete", "--space", tc.space}, tc.args...)...)
			if code != exitFailure || out != "" || !strings.Contains(stderr, tc.space+" has no OAuth app") || !strings.Contains(stderr, "nothing to delete") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("delete of a Space without an app: %d %q %q", code, out, stderr)
			}
		})
	}
}
