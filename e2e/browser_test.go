package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store/sqlite"
)

// hubidBinary builds cmd/hubid once per test run.
var hubidBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hubid-e2e-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hubid")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/hubid").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out), err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// process is a started hubid subcommand whose output is watched.
type process struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	text strings.Builder
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.text.String()
}

// start runs the hubid binary with args until the test ends.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	bin, err := hubidBinary()
	if err != nil {
		t.Fatalf("build hubid: %v", err)
	}
	p := &process{cmd: exec.Command(bin, args...)}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.text.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
		}
		pw.Close()
		if t.Failed() {
			t.Logf("hubid %s output:\n%s", args[0], p.output())
		}
	})
	return p
}

// await waits for re to match the process output and returns the first group.
func (p *process) await(t *testing.T, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := rx.FindStringSubmatch(p.output()); m != nil {
			return m[len(m)-1]
		}
	}
	t.Fatalf("no %q in the output of hubid:\n%s", re, p.output())
	return ""
}

func needChromium(t *testing.T) {
	t.Helper()
	need(t, "chromium", "apt-get install chromium", func() error {
		_, err := exec.LookPath("/usr/bin/chromium")
		return err
	})
	needNodeModules(t, "playwright-core")
}

// screenshotDir is where the browser tests save screenshots:
// $HUBID_SCREENSHOTS, a relative path taken from the repository root (go
// test runs in e2e/, so "docs/screenshots" means the repository's docs),
// or "" for none.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HUBID_SCREENSHOTS")
	if dir == "" {
		return ""
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// devUserID reads a user's id from the database of hubid dev.
func devUserID(t *testing.T, data, name string) string {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(data, "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// devPassword reads the demo password hubid dev wrote.
func devPassword(t *testing.T, data string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "dev-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Password string }
	json.Unmarshal(b, &c)
	return c.Password
}

// TestHuggingFaceHubInBrowser runs examples/space-static with "hubid space
// run" and signs in through it in headless Chromium: @huggingface/hub's
// oauthLoginUrl / oauthHandleRedirectIfPresent, unchanged, against hubid.
func TestHuggingFaceHubInBrowser(t *testing.T) {
	needChromium(t)
	need(t, "examples/space-static/node_modules", "(cd examples/space-static && npm ci)", func() error {
		_, err := os.Stat("../examples/space-static/node_modules/@huggingface/hub/package.json")
		return err
	})
	data := t.TempDir()
	dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
	space := start(t, "space", "run", "../examples/space-static", "--space", "demo/static-login", "--data", data, "--issuer", issuer)
	host := space.await(t, `\(or http://(127\.0\.0\.1:\d+)/\)`)
	space.await(t, `serving the static files`)

	shots := screenshotDir(t)
	if shots == "" {
		shots = t.TempDir()
	}
	out := runClient(t, "node", "clients/hub_browser.mjs", "http://"+host+"/", "demo", devPassword(t, data), shots)
	var got struct {
		Chromium string `json:"chromium"`
		Results  []struct {
			Status   string         `json:"status"`
			Scope    string         `json:"scope"`
			State    string         `json:"state"`
			URL      string         `json:"url"`
			UserInfo map[string]any `json:"userInfo"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Results) != 2 {
		t.Fatalf("browser output: %v\n%s", err, out)
	}
	hubVersion := "?"
	if b, err := os.ReadFile("../examples/space-static/node_modules/@huggingface/hub/package.json"); err == nil {
		var p struct{ Version string }
		json.Unmarshal(b, &p)
		hubVersion = p.Version
	}
	t.Logf("drove @huggingface/hub %s in Chromium %s", hubVersion, got.Chromium)
	first, second := got.Results[0], got.Results[1]
	if first.Status != "Signed in as @demo." || first.Scope != "openid profile email" ||
		first.UserInfo["preferred_username"] != "demo" || first.UserInfo["email"] != "demo@example.com" {
		t.Errorf("first sign-in: %+v", first)
	}
	// sub is the demo user's id as stored by hubid dev, in both sign-ins.
	demoID := devUserID(t, data, "demo")
	if first.UserInfo["sub"] != demoID || second.UserInfo["sub"] != demoID {
		t.Errorf("sub: first %v, second %v, want the demo user's id %q", first.UserInfo["sub"], second.UserInfo["sub"], demoID)
	}
	if strings.Contains(first.URL, "code=") {
		t.Errorf("the code stayed in the address bar: %s", first.URL)
	}
	if second.Scope != "openid profile" || second.State != "custom-state-é&=" || second.UserInfo["email"] != nil {
		t.Errorf("second sign-in (scopes and custom state): %+v", second)
	}
}
