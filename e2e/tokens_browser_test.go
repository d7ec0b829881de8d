package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestTokensPageInBrowser: a person signs in to `hubid dev` in Chromium,
// creates an access token on /settings/tokens and reads it from the page;
// the test calls /api/whoami-v2 with it (200); the person revokes it on the
// page; whoami-v2 answers 401.
func TestTokensPageInBrowser(t *testing.T) {
	needChromium(t)
	data := t.TempDir()
	dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
	shots := screenshotDir(t)
	if shots == "" {
		shots = t.TempDir()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "clients/tokens_browser.mjs", issuer, "demo", devPassword(t, data), shots)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
		if s := stderr.String(); s != "" {
			t.Logf("tokens_browser.mjs stderr:\n%s", s)
		}
	}()
	lines := bufio.NewScanner(stdout)
	next := func(v any) {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("the browser stopped early: %v", lines.Err())
		}
		if err := json.Unmarshal(lines.Bytes(), v); err != nil {
			t.Fatalf("browser output %q: %v", lines.Text(), err)
		}
	}

	var created struct{ Chromium, Token, DefaultDays string }
	next(&created)
	t.Logf("drove the tokens page in Chromium %s", created.Chromium)
	if created.DefaultDays != "90" {
		t.Errorf("the form proposed %q days, want dev's default 90", created.DefaultDays)
	}
	if !strings.HasPrefix(created.Token, "hf_") || strings.HasPrefix(created.Token, "hf_oauth_") {
		t.Fatalf("token read from the page: %q", created.Token)
	}
	if got := whoamiStatus(t, issuer, created.Token); got != http.StatusOK {
		t.Fatalf("whoami-v2 with the token from the page: %d", got)
	}
	stdin.Write([]byte("used\n"))

	var revoked struct{ Notice, Status string }
	next(&revoked)
	if !strings.Contains(revoked.Notice, "laptop was revoked") || !strings.HasPrefix(revoked.Status, "revoked") {
		t.Errorf("after revoking on the page: %+v", revoked)
	}
	if got := whoamiStatus(t, issuer, created.Token); got != http.StatusUnauthorized {
		t.Errorf("whoami-v2 with the revoked token: %d, want 401", got)
	}
	// The password page with a wrong current password: the error stands
	// next to its field (the script checks aria-describedby).
	var pw struct{ PasswordError string }
	next(&pw)
	if pw.PasswordError == "" {
		t.Errorf("the password page showed no error for a wrong current password")
	}
}

func whoamiStatus(t *testing.T, issuer, token string) int {
	t.Helper()
	return bearerStatus(t, issuer+"/api/whoami-v2", token)
}
