package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/apps"
)

// TestDeviceLoginAsHuggingFaceHub replays huggingface_hub's device login
// (hf auth login) against hubid: a form with only client_id, polling with
// the interval fallback, whoami, and a refresh; a person approves the code
// through the hub's device pages meanwhile.
func TestDeviceLoginAsHuggingFaceHub(t *testing.T) {
	needPythonModules(t, "requests")
	h := startHub(t)
	cli, _, err := apps.Create(context.Background(), h.db, apps.Spec{Name: "hf CLI", Public: true, Scopes: []string{"email", "read-repos"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "clients/hf_device_login.py", h.issuer, cli.ClientID)
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
	body := page(browser.Get(h.issuer + "/oauth/device?user_code=" + url.QueryEscape(userCode)))
	if strings.Contains(body, `name="password"`) {
		next := hidden.FindStringSubmatch(body)[2]
		body = page(browser.PostForm(h.issuer+"/login", url.Values{"username": {username}, "password": {password}, "next": {strings.ReplaceAll(next, "&amp;", "&")}}))
	}
	body = page(browser.PostForm(h.issuer+"/oauth/device/confirm", url.Values{"user_code": {userCode}}))
	f := url.Values{"decision": {"allow"}}
	for _, m := range hidden.FindAllStringSubmatch(body, -1) {
		f.Set(m[1], m[2])
	}
	if f.Get("decision_token") == "" {
		t.Fatalf("no approval form: %.500s", body)
	}
	page(browser.PostForm(h.issuer+"/oauth/device/decision", f))

	var summary string
	if lines.Scan() {
		summary = lines.Text()
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("device login: %v\n%s", err, stderr.String())
	}
	var got struct {
		Requests  string         `json:"requests"`
		Device    map[string]any `json:"device"`
		Answers   []string       `json:"answers"`
		TokenType string         `json:"token_type"`
		Scope     string         `json:"scope"`
		Whoami    struct {
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
	t.Logf("drove huggingface_hub's device login requests with python3-requests %s", got.Requests)
	if got.Device["verification_uri"] != h.issuer+"/oauth/device" || got.Device["expires_in"] != float64(900) || got.Device["interval"] != float64(5) {
		t.Errorf("device answer: %v", got.Device)
	}
	if got.TokenType != "bearer" || got.Scope != "openid profile email read-repos" || got.Whoami.Name != username ||
		got.Whoami.Auth["type"] != "app_token_as_user" || got.Stored.Name != "oauth-alice" || !got.Stored.HasRefreshToken {
		t.Errorf("login: %+v", got)
	}
	if got.Refresh.Status != 200 || !got.Refresh.NewRefreshToken {
		t.Errorf("refresh: %+v", got.Refresh)
	}
	for _, a := range got.Answers {
		if a != "authorization_pending" && a != "slow_down" {
			t.Errorf("unexpected polling answer %q", a)
		}
	}
}
