package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/spaces"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
)

const (
	username = "alice"
	password = "correct horse battery"
)

// hub is a real provider on a loopback port, with one user, an org and two
// apps: a plain confidential one and a Space app.
type hub struct {
	issuer      string
	db          *sqlite.DB
	user        store.User
	conf        store.App
	confSecret  string
	space       store.App
	spaceSecret string
}

const confRedirect = "http://127.0.0.1:9/login/callback"

func startHub(t *testing.T) *hub {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{issuer: "http://" + ln.Addr().String(), db: db}
	hasher := accounts.NewHasher(0)
	srv, err := provider.New(ctx, provider.Config{Issuer: h.issuer, Store: db, Passwords: hasher, FailedLoginDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })

	hash, err := hasher.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h.user = store.User{ID: accounts.NewID(), Username: username, FullName: "Alice Liddell", Email: "alice@example.com",
		EmailVerified: true, PasswordHash: hash, CreatedAt: now}
	if err := db.CreateUser(ctx, h.user); err != nil {
		t.Fatal(err)
	}
	org := store.Org{ID: accounts.NewID(), Name: "wonderland", FullName: "Wonderland", CreatedAt: now}
	if err := db.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	if err := db.SetMember(ctx, org.ID, h.user.ID, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	h.conf, h.confSecret, err = apps.Create(ctx, db, apps.Spec{
		Name: "e2e app", RedirectURIs: []string{confRedirect}, Scopes: []string{"email", "read-repos"}, RefreshTokens: true,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	md, err := spaces.ParseReadme([]byte("---\ntitle: gradio-like Space\nsdk: gradio\nhf_oauth: true\nhf_oauth_scopes: [email]\n---\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := spaces.Sync(ctx, db, spaces.Space{Owner: username, Name: "gradio-oauth", Hosts: []string{"alice-gradio-oauth.localhost"}}, md, spaces.SyncOptions{CreatorID: h.user.ID}, now)
	if err != nil {
		t.Fatal(err)
	}
	h.space, h.spaceSecret = res.App, res.Secret
	return h
}

// required reports whether missing clients fail the test (CI) rather than
// skip it (a newcomer's machine).
func required() bool { return os.Getenv("HUBID_E2E") == "require" }

// need skips (or fails under HUBID_E2E=require) when check fails, with a
// one-line reason naming what to install.
func need(t *testing.T, what, install string, check func() error) {
	t.Helper()
	if err := check(); err != nil {
		if required() {
			t.Fatalf("%s is missing (%v); install it: %s", what, err, install)
		}
		noteSkip(t, what+": "+install)
		t.Skipf("%s not installed (%v); install it with: %s", what, err, install)
	}
}

// python is Debian's interpreter, which sees Debian's python3-* packages
// (a pyenv python3 earlier on PATH does not).
const python = "/usr/bin/python3"

func needPythonModules(t *testing.T, modules ...string) {
	t.Helper()
	need(t, "python3-"+strings.Join(modules, ", python3-"), "apt-get install python3-authlib python3-requests python3-starlette python3-httpx python3-fastapi python3-uvicorn python3-itsdangerous", func() error {
		return exec.Command(python, "-c", "import "+strings.Join(modules, ", ")).Run()
	})
}

// needNodeModules checks e2e/node_modules (npm ci in e2e/).
func needNodeModules(t *testing.T, modules ...string) {
	t.Helper()
	need(t, "node and the e2e npm packages", "apt-get install nodejs npm && (cd e2e && npm ci)", func() error {
		if _, err := exec.LookPath("node"); err != nil {
			return err
		}
		for _, m := range modules {
			if _, err := os.Stat(filepath.Join("node_modules", m, "package.json")); err != nil {
				return err
			}
		}
		return nil
	})
}

// runClient runs a client script and returns its stdout; the script's
// stderr is logged.
func runClient(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if s := stderr.String(); s != "" {
		t.Logf("%s stderr:\n%s", filepath.Base(args[0]), s)
	}
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout: %s", name, args[0], err, out)
	}
	return string(out)
}
