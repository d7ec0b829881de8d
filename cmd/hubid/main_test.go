package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// run calls Main the way a shell would, with --data pointing at dir.
func run(t *testing.T, dir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string {
		if k == "HUBID_DATA" {
			return dir
		}
		return ""
	}}
	code = e.main(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestCLIExitStatuses(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantErr  string // part of stderr
	}{
		{"no-command", "", nil, exitUsage, "Usage: hubid"},
		{"unknown-command", "", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"unknown-subcommand", "", []string{"user", "frob"}, exitUsage, `unknown subcommand "frob"`},
		{"bad-flag", "", []string{"user", "list", "--nope"}, exitUsage, "hubid user list: unknown flag --nope\n"},
		{"help", "", []string{"app", "create", "--help"}, exitOK, "--redirect-uri"},
		{"add-user", "s3cret-password\n", []string{"user", "add", "alice", "--password-stdin", "--email", "a@example.com"}, exitOK, ""},
		{"duplicate-user", "", []string{"user", "add", "ALICE"}, exitFailure, `a user named "ALICE" already exists`},
		{"bad-username", "", []string{"user", "add", "x-"}, exitUsage, "ends with"},
		{"reserved-username", "", []string{"user", "add", "settings"}, exitUsage, "reserved"},
		{"short-password", "short\n", []string{"user", "add", "bob", "--password-stdin"}, exitFailure, "at least"},
		{"no-password-on-stdin", "", []string{"user", "passwd", "alice"}, exitFailure, "nothing was given"},
		{"passwd-unknown-user", "long enough password\n", []string{"user", "passwd", "nobody"}, exitFailure, `user "nobody" not found`},
		{"app-without-redirect", "", []string{"app", "create", "--name", "x"}, exitUsage, "at least one redirect URI"},
		{"app-http-non-loopback", "", []string{"app", "create", "--name", "x", "--redirect-uri", "http://example.com/cb"}, exitUsage, "not loopback"},
		{"app-unknown-scope", "", []string{"app", "create", "--name", "x", "--redirect-uri", "https://x.example/cb", "--scopes", "openid frobs"}, exitUsage, `unknown scope "frobs"`},
		{"app-lifetime-too-long", "", []string{"app", "create", "--name", "x", "--redirect-uri", "https://x.example/cb", "--token-lifetime", "800h"}, exitUsage, "out of range"},
		{"app-show-unknown", "", []string{"app", "show", "nope"}, exitFailure, `app "nope" not found`},
		{"member-bad-role", "", []string{"org", "member", "o", "alice", "--role", "boss"}, exitUsage, `--role "boss"`},
		{"org-bad-plan", "", []string{"org", "add", "o", "--plan", "gold"}, exitUsage, `hubid org: --plan "gold": use team or enterprise, or leave it out`},
		{"member-unknown-org", "", []string{"org", "member", "nope", "alice", "--role", "read"}, exitFailure, `hubid org: org "nope" not found`},
		{"app-unknown-owner", "", []string{"app", "create", "--name", "x", "--redirect-uri", "https://x.example/cb", "--owner", "nobody"}, exitFailure,
			`hubid app: owner "nobody" is neither a user nor an org on this hub: check the spelling, or create the user or org first`},
		{"token-needs-user", "", []string{"token", "create"}, exitUsage, "--user is required"},
		{"serve-needs-issuer", "", []string{"serve"}, exitUsage, "--issuer (or HUBID_ISSUER) is required"},
		{"serve-issuer-with-path", "", []string{"serve", "--issuer", "https://x.example/hub"}, exitUsage, "has a path"},
		{"dev-gc-interval-too-short", "", []string{"dev", "--gc-interval", "10ms"}, exitUsage, "--gc-interval 10ms is too short"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, dir, tc.stdin, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.wantCode, tc.wantErr)
			}
			if tc.wantCode == exitFailure && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("a failure must be one line on stderr, got %q", stderr)
			}
		})
	}
}

func TestCLIJSON(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := run(t, dir, "", "app", "create", "--name", "My Space",
		"--redirect-uri", "https://my-space.example/login/callback", "--redirect-uri", "http://localhost/cb",
		"--scopes", "openid profile email read-repos", "--json")
	if code != exitOK {
		t.Fatalf("app create: %d %s", code, stderr)
	}
	var app struct {
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		RedirectURIs []string `json:"redirect_uris"`
		Scopes       string   `json:"scopes"`
	}
	if err := json.Unmarshal([]byte(out), &app); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(app.ClientID) {
		t.Errorf("client_id %q is not a UUID", app.ClientID)
	}
	if app.ClientSecret == "" || app.Scopes != "openid profile email read-repos" || len(app.RedirectURIs) != 2 {
		t.Errorf("app create JSON = %+v", app)
	}
	// The secret is shown once: show never prints it.
	_, out, _ = run(t, dir, "", "app", "show", app.ClientID, "--json")
	if strings.Contains(out, app.ClientSecret) || !strings.Contains(out, app.ClientID) {
		t.Errorf("app show: %s", out)
	}
	_, out, _ = run(t, dir, "", "app", "rotate-secret", app.ClientID, "--json")
	var rot map[string]string
	if err := json.Unmarshal([]byte(out), &rot); err != nil || rot["client_secret"] == "" || rot["client_secret"] == app.ClientSecret {
		t.Errorf("rotate-secret: %v %s", err, out)
	}

	run(t, dir, "long enough password\n", "user", "add", "carol", "--password-stdin")
	run(t, dir, "", "org", "add", "acme")
	if code, _, stderr := run(t, dir, "", "org", "member", "acme", "carol", "--role", "write"); code != exitOK {
		t.Fatalf("org member: %s", stderr)
	}
	code, out, _ = run(t, dir, "", "token", "create", "--user", "carol", "--name", "ci", "--role", "write", "--json")
	var tok map[string]string
	if err := json.Unmarshal([]byte(out), &tok); code != exitOK || err != nil || !strings.HasPrefix(tok["token"], "hf_") {
		t.Errorf("token create: %d %v %s", code, err, out)
	}
	_, out, _ = run(t, dir, "", "user", "list", "--json")
	var users struct{ Users []map[string]any }
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users.Users) != 1 || users.Users[0]["has_password"] != true {
		t.Errorf("user list: %v %s", err, out)
	}
	_, out, _ = run(t, dir, "", "keys", "list", "--json")
	var ks struct{ Keys []map[string]string }
	if err := json.Unmarshal([]byte(out), &ks); err != nil || len(ks.Keys) != 4 {
		t.Fatalf("keys list: %v %s", err, out)
	}
	if code, _, stderr := run(t, dir, "", "keys", "rotate", "--alg", "ES256"); code != exitOK {
		t.Fatalf("keys rotate: %s", stderr)
	}
	_, out, _ = run(t, dir, "", "keys", "list", "--json")
	json.Unmarshal([]byte(out), &ks)
	states := map[string]int{}
	for _, k := range ks.Keys {
		states[k["alg"]+" "+k["state"]]++
	}
	if states["ES256 verify-only"] != 1 || states["ES256 active"] != 1 || states["ES256 next"] != 1 || states["RS256 active"] != 1 {
		t.Errorf("after rotate: %v", states)
	}
}

// syncBuffer is a goroutine-safe writer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDev starts "hubid dev" on a free port with an empty data directory,
// checks it serves discovery at the printed issuer, stops it, and starts it
// again to see the same credentials printed.
func TestDev(t *testing.T) {
	dir := t.TempDir()
	start := func() (issuer, banner string, stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		done := make(chan int)
		go func() { done <- e.main(ctx, []string{"dev", "--addr", "127.0.0.1:0", "--data", dir}) }()
		re := regexp.MustCompile(`Issuer\s+(http://127\.0\.0\.1:\d+)`)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				issuer = m[1]
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if issuer == "" {
			cancel()
			t.Fatalf("no issuer printed; stdout %q stderr %q", out.String(), errb.String())
		}
		return issuer, out.String(), func() {
			cancel()
			if code := <-done; code != exitOK {
				t.Errorf("dev exited %d: %s", code, errb.String())
			}
		}
	}
	issuer, banner, stop := start()
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		if resp, err = http.Get(issuer + "/.well-known/openid-configuration"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"issuer":"`+issuer+`"`) {
		t.Errorf("discovery: %s", body)
	}
	for _, want := range []string{"OAUTH_CLIENT_ID=", "OAUTH_CLIENT_SECRET=hf_oauth_secret_", "username demo", "password ", "HUBID_CLIENT_ID=", "go install ./cmd/hubid"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	stop()
	secret := regexp.MustCompile(`OAUTH_CLIENT_SECRET=(\S+)`).FindStringSubmatch(banner)[1]
	_, banner2, stop2 := start()
	stop2()
	if !strings.Contains(banner2, secret) {
		t.Errorf("second start printed other credentials:\n%s", banner2)
	}
}
