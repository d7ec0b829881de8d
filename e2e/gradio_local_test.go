package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGradioLocalMode replays gradio's local mode (no SYSTEM=spaces)
// against hubid dev: with HF_ENDPOINT pointing at the hub and HF_TOKEN a
// user access token made by "hubid token create", huggingface_hub's
// get_token() and whoami() (GET /api/whoami-v2) give gradio a personal
// account (type "user") with the fullname, name and avatarUrl its mocked
// sign-in stores; huggingface_hub's own mocked attach_huggingface_oauth
// sends the same token again, and an unknown token gets 401.
func TestGradioLocalMode(t *testing.T) {
	needPythonModules(t, "requests")
	data := t.TempDir()
	dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
	bin, _ := hubidBinary()
	tok, err := exec.Command(bin, "token", "create", "--user", "demo", "--name", "gradio-local", "--data", data).Output()
	if err != nil {
		t.Fatalf("hubid token create: %v", err)
	}
	token := strings.TrimSpace(string(tok))
	if !strings.HasPrefix(token, "hf_") {
		t.Fatalf("token %q", token)
	}

	ctx := t.Context()
	cmd := exec.CommandContext(ctx, python, "clients/gradio_local.py")
	cmd.Env = append(os.Environ(), "HF_ENDPOINT="+issuer+"/", "HF_TOKEN="+token, "HF_HOME="+filepath.Join(t.TempDir(), "hf"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gradio_local.py: %v\n%s%s", err, out, stderr.String())
	}
	var got struct {
		Whoami            map[string]any    `json:"whoami"`
		Profile           map[string]string `json:"profile"`
		OrgsAgain         []string          `json:"orgs_again"`
		UnknownTokenState int               `json:"unknown_token_status"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output: %v\n%s", err, out)
	}
	if got.Whoami["type"] != "user" || got.Whoami["name"] != "demo" || got.Whoami["fullname"] != "Demo User" {
		t.Errorf("whoami-v2: %v", got.Whoami)
	}
	if got.Profile["username"] != "demo" || got.Profile["name"] != "Demo User" || !strings.HasPrefix(got.Profile["picture"], "/avatars/") {
		t.Errorf("gradio's profile: %v", got.Profile)
	}
	if len(got.OrgsAgain) != 1 || got.OrgsAgain[0] != "demo-org" {
		t.Errorf("orgs from the second whoami: %v", got.OrgsAgain)
	}
	if got.UnknownTokenState != 401 {
		t.Errorf("whoami with an unknown token: %d, want 401", got.UnknownTokenState)
	}
}
