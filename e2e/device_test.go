package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDeviceLoginAsHuggingFaceHub replays huggingface_hub's device login
// (hf auth login) against a real "hubid dev" process: a form with only
// client_id, polling through authorization_pending and a provoked
// slow_down (the client then adds 5 s to its interval), whoami-v2, and a
// refresh; a person approves the code through the hub's device pages
// meanwhile. It runs twice: with nothing set, so the client id is
// huggingface_hub's own CLI app id, which hubid dev registers (what
// "HF_ENDPOINT=hub hf auth login" does), and with the hub's hubid CLI app.
func TestDeviceLoginAsHuggingFaceHub(t *testing.T) {
	needPythonModules(t, "requests")
	t.Run("hf-cli-client-id", func(t *testing.T) {
		t.Parallel()
		deviceLoginAsHuggingFaceHub(t, false)
	})
	t.Run("hubid-cli-app", func(t *testing.T) {
		t.Parallel()
		deviceLoginAsHuggingFaceHub(t, true)
	})
}

// hfCLIClientID is huggingface_hub's client id for its CLI app.
const hfCLIClientID = "26be6b09-91c5-47da-9861-d2d2bb7a7e36"

// deviceLoginAsHuggingFaceHub runs clients/hf_device_login.py with the
// hubid CLI app's client id (hubidApp) or with none at all, and checks
// what it did.
func deviceLoginAsHuggingFaceHub(t *testing.T, hubidApp bool) {
	data := t.TempDir()
	dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
	allowed := dev.await(t, `Allowed scopes: ([^\n]+)`)
	var creds struct {
		Username    string `json:"username"`
		Password    string `json:"password"`
		CLIClientID string `json:"cli_client_id"`
	}
	b, err := os.ReadFile(filepath.Join(data, "dev-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &creds); err != nil || creds.CLIClientID == "" {
		t.Fatalf("dev-credentials.json: %v, no cli_client_id in %s", err, b)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args, wantClient := []string{"clients/hf_device_login.py", issuer}, hfCLIClientID
	if hubidApp {
		args, wantClient = append(args, creds.CLIClientID), creds.CLIClientID
	}
	cmd := exec.CommandContext(ctx, python, args...)
	// Nothing else set: huggingface_hub's own client id, not an override.
	cmd.Env = append(os.Environ(), "HF_DEVICE_CODE_OAUTH_CLIENT_ID=")
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		cmd.Wait()
		t.Fatalf("no user code printed: %s", stderr.String())
	}
	userCode := strings.TrimSpace(lines.Text())
	// Approve only after the client's provoked slow_down.
	if !lines.Scan() || lines.Text() != "polled" {
		cmd.Wait()
		t.Fatalf("the client did not poll: %s", stderr.String())
	}

	// The person: sign in, type the code, allow.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	hidden := regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	page := func(resp *http.Response, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		return b.String()
	}
	body := page(browser.Get(issuer + "/oauth/device?user_code=" + url.QueryEscape(userCode)))
	if strings.Contains(body, `name="password"`) {
		next := hidden.FindStringSubmatch(body)[2]
		body = page(browser.PostForm(issuer+"/login", url.Values{"username": {creds.Username}, "password": {creds.Password}, "next": {strings.ReplaceAll(next, "&amp;", "&")}}))
	}
	body = page(browser.PostForm(issuer+"/oauth/device/confirm", url.Values{"user_code": {userCode}}))
	f := url.Values{"decision": {"allow"}}
	for _, m := range hidden.FindAllStringSubmatch(body, -1) {
		f.Set(m[1], m[2])
	}
	if f.Get("decision_token") == "" {
		t.Fatalf("no approval form: %.500s", body)
	}
	page(browser.PostForm(issuer+"/oauth/device/decision", f))

	var summary string
	if lines.Scan() {
		summary = lines.Text()
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("device login: %v\n%s", err, stderr.String())
	}
	var got struct {
		Requests              string         `json:"requests"`
		ClientID              string         `json:"client_id"`
		Device                map[string]any `json:"device"`
		IntervalSent          bool           `json:"interval_sent"`
		ExpiresInSent         bool           `json:"expires_in_sent"`
		Answers               []string       `json:"answers"`
		Polls                 []float64      `json:"polls"`
		IntervalAfterSlowDown float64        `json:"interval_after_slow_down"`
		TokenType             string         `json:"token_type"`
		Scope                 string         `json:"scope"`
		ExpiresIn             float64        `json:"expires_in"`
		Whoami                struct {
			Name string         `json:"name"`
			Type string         `json:"type"`
			Auth map[string]any `json:"auth"`
		} `json:"whoami"`
		Stored struct {
			Name            string `json:"name"`
			HasRefreshToken bool   `json:"has_refresh_token"`
		} `json:"stored"`
		Refresh struct {
			Status          int  `json:"status"`
			NewRefreshToken bool `json:"new_refresh_token"`
		} `json:"refresh"`
	}
	if err := json.Unmarshal([]byte(summary), &got); err != nil {
		t.Fatalf("summary: %v\n%s", err, summary)
	}
	t.Logf("drove huggingface_hub's device login requests with python3-requests %s against hubid dev; polls at %v s: %v",
		got.Requests, got.Polls, got.Answers)
	// hubid always sends interval 5 and expires_in 900: the values
	// huggingface_hub falls back to when they are missing, so its fallback
	// path is never taken against hubid and a client relying on it polls
	// at the same pace.
	if !got.IntervalSent || !got.ExpiresInSent || got.Device["verification_uri"] != issuer+"/oauth/device" ||
		got.Device["expires_in"] != float64(900) || got.Device["interval"] != float64(5) {
		t.Errorf("device answer: %v", got.Device)
	}
	// Two polls in a row: pending, then slow_down; the client goes to 10 s,
	// and the next poll, 10 s later, gets the tokens without another
	// slow_down.
	if strings.Join(got.Answers, ",") != "authorization_pending,slow_down" || got.IntervalAfterSlowDown != 10 ||
		len(got.Polls) != 3 || got.Polls[2]-got.Polls[1] < 10 {
		t.Errorf("polling: answers %v at %v s, interval after slow_down %v", got.Answers, got.Polls, got.IntervalAfterSlowDown)
	}
	if got.TokenType != "bearer" || got.Scope != allowed || got.ExpiresIn != 30*24*3600 || got.Whoami.Name != creds.Username ||
		got.Whoami.Auth["type"] != "oauth" || got.Stored.Name != "oauth-"+creds.Username || !got.Stored.HasRefreshToken {
		t.Errorf("login: %+v", got)
	}
	if got.ClientID != wantClient {
		t.Errorf("the client used client id %q, want %q", got.ClientID, wantClient)
	}
	if got.Refresh.Status != 200 || !got.Refresh.NewRefreshToken {
		t.Errorf("refresh: %+v", got.Refresh)
	}
}
