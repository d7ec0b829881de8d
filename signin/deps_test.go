package signin

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencies keeps the SDK light, as tailscale's deptest does: it
// lists the packages signin, and signin/resource, are built from and fails on hubid's internal
// packages, on signintest (the provider), on any database driver, and on
// any module outside the few it may use.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH; cannot list the dependencies")
	}
	for _, c := range []struct {
		pkg     string
		allowed []string
	}{
		{".", []string{
			"github.com/hubid/hubid/signin",
			"github.com/hubid/hubid/oidc",
			"github.com/coreos/go-oidc/v3/",
			"golang.org/x/oauth2",
			"github.com/go-jose/go-jose/v4", // go-oidc's
		}},
		// The resource server needs the standard library and oidc only.
		{"./resource", []string{"github.com/hubid/hubid/signin/resource", "github.com/hubid/hubid/oidc"}},
	} {
		t.Run(c.pkg, func(t *testing.T) { checkDependencies(t, goBin, c.pkg, c.allowed) })
	}
}

func checkDependencies(t *testing.T, goBin, pkg string, allowed []string) {
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	std, err := exec.Command(goBin, "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, std)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, "github.com/hubid/hubid/internal/"):
			t.Errorf("%s depends on %s: the SDK must not import hubid's internal packages", pkg, dep)
		case strings.HasPrefix(dep, "github.com/hubid/hubid/signintest"):
			t.Errorf("%s depends on %s, the test provider", pkg, dep)
		case isDriver(dep):
			t.Errorf("%s depends on the database driver %s", pkg, dep)
		case !slices.ContainsFunc(allowed, func(a string) bool { return strings.HasPrefix(dep, a) }):
			t.Errorf("%s depends on %s, which is not among the allowed modules %v", pkg, dep, allowed)
		}
	}
	for _, dep := range strings.Fields(string(std)) {
		if dep == "database/sql" || dep == "testing" {
			t.Errorf("%s depends on %s", pkg, dep)
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
