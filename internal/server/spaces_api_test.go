package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store"
)

// spaceToken stores a user access token (hf_…) for u with role and
// returns it.
func spaceToken(h *hub, u store.User, role string) string {
	h.t.Helper()
	raw, digest := store.NewSecret("hf_")
	if err := h.db.CreateToken(context.Background(), store.Token{Hash: digest, Kind: store.KindUser, UserID: u.ID, Name: "t", Role: role, CreatedAt: h.clock.Now()}); err != nil {
		h.t.Fatal(err)
	}
	return raw
}

// spaceCall calls the Space API and returns the status and the JSON answer.
func spaceCall(h *hub, method, space, token, readme string) (int, map[string]any) {
	h.t.Helper()
	var body *bytes.Reader
	if method == http.MethodPut {
		b, _ := json.Marshal(map[string]any{"readme": readme})
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, h.ts.URL+"/api/spaces/"+space, body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

const apiReadme = "---\ntitle: API test\nsdk: static\nhf_oauth: true\nhf_oauth_scopes: [email]\n---\n"

// TestSpaceAPIAuth: who may PUT and DELETE /api/spaces/{owner}/{name}.
func TestSpaceAPIAuth(t *testing.T) {
	h := newHub(t)
	aliceW, aliceR, bobW := spaceToken(h, h.alice, store.RoleWrite), spaceToken(h, h.alice, store.RoleRead), spaceToken(h, h.bob, store.RoleWrite)
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		for _, tc := range []struct {
			name, space, token string
			code               string
			desc               string
		}{
			{"read-only-token", "alice/demo", aliceR, "insufficient_scope", "read-only"},
			{"other-user", "alice/demo", bobW, "access_denied", "may not manage Spaces of \"alice\""},
			{"not-org-admin", "wonderland/demo", bobW, "access_denied", "not an admin of the org wonderland"},
			{"no-token", "alice/demo", "hf_nope", "invalid_token", ""},
		} {
			status, out := spaceCall(h, method, tc.space, tc.token, apiReadme)
			if status == http.StatusOK || out["error"] != tc.code || !strings.Contains(fmtAny(out["error_description"]), tc.desc) {
				t.Errorf("%s %s: %d %v; want %s with %q", method, tc.name, status, out, tc.code, tc.desc)
			}
		}
	}
	if apps, _ := h.db.ListApps(context.Background()); len(apps) != 2 {
		t.Errorf("refused calls changed the apps: %d apps", len(apps))
	}
	// The owner, and an admin of the owning org, may.
	for _, space := range []string{"alice/demo", "wonderland/demo"} {
		status, out := spaceCall(h, http.MethodPut, space, aliceW, apiReadme)
		env, _ := out["env"].(map[string]any)
		if status != http.StatusOK || out["created"] != true || env["OAUTH_SCOPES"] != "openid profile email" || !strings.HasPrefix(fmtAny(env["OAUTH_CLIENT_SECRET"]), "hf_oauth_secret_") {
			t.Errorf("PUT %s: %d %v", space, status, out)
		}
		status, out = spaceCall(h, http.MethodDelete, space, aliceW, "")
		if status != http.StatusOK || out["deleted"] != true {
			t.Errorf("DELETE %s: %d %v", space, status, out)
		}
	}
}

// TestSpaceAPIDelete: DELETE removes the app and its tokens; a Space
// without an app is 404 with a message, not a success.
func TestSpaceAPIDelete(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	tok := spaceToken(h, h.alice, store.RoleWrite)
	status, out := spaceCall(h, http.MethodPut, "alice/demo", tok, apiReadme)
	if status != http.StatusOK {
		t.Fatalf("PUT: %d %v", status, out)
	}
	clientID := fmtAny(out["client_id"])
	access, digest := store.NewSecret("hf_oauth_")
	if err := h.db.CreateToken(ctx, store.Token{Hash: digest, Kind: store.KindAccess, UserID: h.alice.ID, ClientID: clientID,
		Scopes: []string{"openid", "profile"}, CreatedAt: h.clock.Now(), ExpiresAt: h.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if s := h.userinfoStatus(access); s != http.StatusOK {
		t.Fatalf("the Space app's token before DELETE: userinfo %d", s)
	}
	if status, out := spaceCall(h, http.MethodDelete, "alice/demo", tok, ""); status != http.StatusOK || out["deleted"] != true {
		t.Fatalf("DELETE: %d %v", status, out)
	}
	if s := h.userinfoStatus(access); s != http.StatusUnauthorized {
		t.Errorf("the Space app's token after DELETE: userinfo %d, want 401", s)
	}
	if _, err := h.db.AppBySpace(ctx, "alice/demo"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the app is still there: %v", err)
	}
	status, out = spaceCall(h, http.MethodDelete, "alice/demo", tok, "")
	if status != http.StatusNotFound || !strings.Contains(fmtAny(out["error_description"]), "alice/demo has no OAuth app on this hub") {
		t.Errorf("DELETE again: %d %v; want 404 saying there is nothing to delete", status, out)
	}
}

// TestSpaceAPIBadReadme: the hub refuses bad metadata with the parser's
// message, every problem with its line, and an unknown org with its line
// and the orgs that exist.
func TestSpaceAPIBadReadme(t *testing.T) {
	h := newHub(t)
	tok := spaceToken(h, h.alice, store.RoleWrite)
	for _, tc := range []struct {
		name, readme string
		want         []string
	}{
		{"parser", "---\nsdk: static\nhf_oauth: \"yes please\"\nhf_oauth_expiration_minutes: 50000\n---\n", []string{
			`README.md line 3: hf_oauth: "yes please" is not a boolean; allowed: true or false`,
			"README.md line 4: hf_oauth_expiration_minutes: 50000 is out of range; allowed: 1 to 43200",
		}},
		{"unknown-org", "---\nsdk: static\nhf_oauth: true\nhf_oauth_authorized_org:\n  - wonderland\n  - wonderlnd\n---\n", []string{
			`README.md line 6: hf_oauth_authorized_org: "wonderlnd" does not exist on this hub (did you mean "wonderland"?); allowed: an existing org: wonderland`,
		}},
	} {
		status, out := spaceCall(h, http.MethodPut, "alice/bad", tok, tc.readme)
		desc := fmtAny(out["error_description"])
		if status != http.StatusBadRequest || out["error"] != "invalid_request" {
			t.Errorf("%s: %d %v", tc.name, status, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(desc, w) {
				t.Errorf("%s: the description %q lacks %q", tc.name, desc, w)
			}
		}
	}
	if _, err := h.db.AppBySpace(context.Background(), "alice/bad"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused README created an app: %v", err)
	}
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}

// TestServerDoesNotImportSpaceRunner: the provider's server never links the
// local Space runner (process control, the local CA, the proxy; see
// internal/spacerun's doc), not even through internal/spaces.
func TestServerDoesNotImportSpaceRunner(t *testing.T) {
	const server, runner = "github.com/hubid/hubid/internal/server", "github.com/hubid/hubid/internal/spacerun"
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: cannot list internal/server's dependencies")
	}
	// One line per dependency: its import path, then its imports.
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, server).Output()
	if err != nil {
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			t.Fatalf("go list -deps %s: %v\n%s", server, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", server, err)
	}
	isRunner := func(p string) bool { return p == runner || strings.HasPrefix(p, runner+"/") }
	listed := false
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		listed = listed || f[0] == server
		for _, imp := range f[1:] {
			if isRunner(imp) {
				t.Errorf("%s imports %s, so internal/server links the local Space runner; the server may use internal/spaces only, the runner is for hubid space run", f[0], imp)
			}
		}
	}
	if !listed {
		t.Fatalf("go list -deps %s did not list the package itself:\n%s", server, out)
	}
}

// TestSpaceAPIHFEndpoint: the answer's HF_ENDPOINT is the issuer unless
// the request's hf_endpoint says otherwise; a bad one is refused.
func TestSpaceAPIHFEndpoint(t *testing.T) {
	h := newHub(t)
	tok := spaceToken(h, h.alice, store.RoleWrite)
	for _, tc := range []struct {
		choice string
		status int
		want   any // HF_ENDPOINT in the answer, nil when absent
	}{
		{"", http.StatusOK, h.ts.URL},
		{"off", http.StatusOK, nil},
		{"https://hub.internal.example/", http.StatusOK, "https://hub.internal.example"},
		{"hub.example", http.StatusBadRequest, nil},
	} {
		b, _ := json.Marshal(map[string]any{"readme": apiReadme, "hf_endpoint": tc.choice})
		req, _ := http.NewRequest(http.MethodPut, h.ts.URL+"/api/spaces/"+h.alice.Username+"/endpoint", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Env map[string]any `json:"env"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != tc.status || out.Env["HF_ENDPOINT"] != tc.want {
			t.Errorf("hf_endpoint %q: %d, HF_ENDPOINT %v; want %d, %v", tc.choice, resp.StatusCode, out.Env["HF_ENDPOINT"], tc.status, tc.want)
		}
	}
}

// TestSpaceAPIHosts: a caller cannot give a Space a host the hub does not
// serve for it (an open redirect: a Space app accepts any URL on its
// hosts); custom domains only when the operator allows them.
func TestSpaceAPIHosts(t *testing.T) {
	put := func(h *hub, tok string, hosts []string) (int, map[string]any) {
		h.t.Helper()
		b, _ := json.Marshal(map[string]any{"readme": apiReadme, "hosts": hosts})
		req, _ := http.NewRequest(http.MethodPut, h.ts.URL+"/api/spaces/alice/demo", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			h.t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	h := newHubWith(t, func(c *provider.Config) { c.SpacesDomain = "hf.example" })
	tok := spaceToken(h, h.alice, store.RoleWrite)
	for _, hosts := range [][]string{{"evil.example"}, {"alice-demo.hf.example", "evil.example"}, {"bob-demo.hf.example"}} {
		if status, out := put(h, tok, hosts); status != http.StatusBadRequest {
			t.Errorf("hosts %q: %d %v; want 400", hosts, status, out)
		}
	}
	if _, err := h.db.AppBySpace(context.Background(), "alice/demo"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused sync created the app: %v", err)
	}
	if status, out := put(h, tok, []string{"alice-demo.hf.example", "127.0.0.1:7860"}); status != http.StatusOK {
		t.Errorf("own and loopback hosts: %d %v", status, out)
	}

	h = newHubWith(t, func(c *provider.Config) { c.SpacesDomain = "hf.example"; c.SpaceCustomDomains = true })
	tok = spaceToken(h, h.alice, store.RoleWrite)
	if status, out := put(h, tok, []string{"bob-demo.hf.example"}); status != http.StatusBadRequest {
		t.Errorf("another Space's host with custom domains on: %d %v; want 400", status, out)
	}
	if status, out := put(h, tok, []string{"alice-demo.hf.example", "app.example.com"}); status != http.StatusOK {
		t.Errorf("custom domain with custom domains on: %d %v", status, out)
	}
}
