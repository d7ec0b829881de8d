package signin

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencies keeps the SDK light, as tailscale's deptest does: it
// lists the packages signin is built from and fails on hubid's internal
// packages, on signintest (the provider), on any database driver, and on
// any module outside the few it may use.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH; cannot list the dependencies")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	std, err := exec.Command(goBin, "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, std)
	}
	allowed := []string{
		"github.com/hubid/hubid/signin",
		"github.com/hubid/hubid/oidc",
		"github.com/coreos/go-oidc/v3/",
		"golang.org/x/oauth2",
		"github.com/go-jose/go-jose/v4", // go-oidc's
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, "github.com/hubid/hubid/internal/"):
			t.Errorf("signin depends on %s: the SDK must not import hubid's internal packages", dep)
		case strings.HasPrefix(dep, "github.com/hubid/hubid/signintest"):
			t.Errorf("signin depends on %s, the test provider", dep)
		case isDriver(dep):
			t.Errorf("signin depends on the database driver %s", dep)
		case !slices.ContainsFunc(allowed, func(a string) bool { return strings.HasPrefix(dep, a) }):
			t.Errorf("signin depends on %s, which is not among the allowed modules %v", dep, allowed)
		}
	}
	for _, dep := range strings.Fields(string(std)) {
		if dep == "database/sql" || dep == "testing" {
			t.Errorf("signin depends on %s", dep)
		}
	}
}

func isDriver(path string) bool {
	for _, d := range []string{"modernc.org/sqlite", "github.com/mattn/go-sqlite3", "github.com/jackc/pgx", "github.com/lib/pq", "github.com/go-sql-driver/mysql"} {
		if strings.HasPrefix(path, d) {
			return true
		}
	}
	return false
}
