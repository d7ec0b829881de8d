package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOrgConsentInBrowser: a Space with an org-reaching scope, a user in two
// orgs who ticks one of them on the consent page in Chromium, and
// @huggingface/hub's parsed userInfo.orgs: both orgs listed, roleInOrg on
// the ticked one only.
func TestOrgConsentInBrowser(t *testing.T) {
	needChromium(t)
	need(t, "examples/space-static/node_modules", "(cd examples/space-static && npm ci)", func() error {
		_, err := os.Stat("../examples/space-static/node_modules/@huggingface/hub/package.json")
		return err
	})
	// The static example, with read-repos (which reaches orgs) added.
	space := t.TempDir()
	readme, err := os.ReadFile("../examples/space-static/README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme = []byte(strings.Replace(string(readme), "hf_oauth_scopes:\n  - email\n", "hf_oauth_scopes:\n  - email\n  - read-repos\n", 1))
	if !strings.Contains(string(readme), "- read-repos") {
		t.Fatal("the example's README no longer lists hf_oauth_scopes as expected; update this test")
	}
	index, err := os.ReadFile("../examples/space-static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"README.md": readme, "index.html": index} {
		if err := os.WriteFile(filepath.Join(space, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A copy, not a symlink: space run serves a static Space through an
	// os.Root, which refuses links that leave the Space's directory.
	if err := os.CopyFS(filepath.Join(space, "node_modules"), os.DirFS("../examples/space-static/node_modules")); err != nil {
		t.Fatal(err)
	}

	data := t.TempDir()
	dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
	bin, err := hubidBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"org", "add", "looking-glass", "--full-name", "Looking Glass", "--data", data},
		{"org", "member", "looking-glass", "demo", "--role", "write", "--data", data},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("hubid %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run := start(t, "space", "run", space, "--space", "demo/org-login", "--data", data, "--issuer", issuer)
	host := run.await(t, `\(or http://(127\.0\.0\.1:\d+)/\)`)
	run.await(t, `serving the static files`)

	shots := screenshotDir(t)
	if shots == "" {
		shots = t.TempDir()
	}
	out := runClient(t, "node", "clients/org_browser.mjs", "http://"+host+"/", "demo", devPassword(t, data), "looking-glass", shots)
	var got struct {
		Chromium     string   `json:"chromium"`
		Offered      []string `json:"offered"`
		TickedBefore int      `json:"tickedBefore"`
		Scope        string   `json:"scope"`
		UserInfo     struct {
			Orgs []map[string]any `json:"orgs"`
		} `json:"userInfo"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("browser output: %v\n%s", err, out)
	}
	t.Logf("drove the org consent in Chromium %s", got.Chromium)
	if strings.Join(got.Offered, ",") != "demo-org,looking-glass" || got.TickedBefore != 0 {
		t.Errorf("consent page offered %q with %d ticked, want demo-org and looking-glass, none ticked", got.Offered, got.TickedBefore)
	}
	if got.Scope != "openid profile email read-repos" {
		t.Errorf("scope %q", got.Scope)
	}
	roles := map[string]any{}
	for _, o := range got.UserInfo.Orgs {
		roles[o["preferred_username"].(string)] = o["roleInOrg"]
	}
	if len(roles) != 2 || roles["looking-glass"] != "write" || roles["demo-org"] != nil {
		t.Errorf("userInfo.orgs roles %v, want both orgs, roleInOrg on looking-glass only", roles)
	}
}
