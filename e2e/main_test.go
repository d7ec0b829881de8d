package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain installs the locked npm packages the browser and node tests
// need (npm ci in e2e/ and examples/space-static/, where npm is present
// and node_modules is missing or older than the lockfile), then runs the
// tests and prints one line saying which were skipped and why, so that a
// plain "go test ./..." neither skips them for want of a step the README
// does not list nor hides that it skipped them.
func TestMain(m *testing.M) {
	npmNotes = installNodeModules(os.Stderr, ".", filepath.Join("..", "examples", "space-static"))
	code := m.Run()
	skippedMu.Lock()
	line := skipSummary(skipped, npmNotes)
	skippedMu.Unlock()
	fmt.Println(line)
	if len(skipped) > 0 {
		tellTerminal(line)
	}
	os.Exit(code)
}

// npmNotes says why npm packages could not be installed, per directory.
var npmNotes []string

var (
	skippedMu sync.Mutex
	skipped   []string // "TestName (reason)"
)

// noteSkip records a skipped test for the summary.
func noteSkip(t *testing.T, reason string) {
	skippedMu.Lock()
	defer skippedMu.Unlock()
	skipped = append(skipped, t.Name()+" ("+reason+")")
}

// skipSummary is the one line printed after the run: the skipped tests
// with their reasons, and why npm packages were not installed.
func skipSummary(skipped, npmNotes []string) string {
	if len(skipped) == 0 {
		return "e2e: no client test skipped"
	}
	s := append([]string(nil), skipped...)
	sort.Strings(s)
	line := fmt.Sprintf("e2e: skipped %d client test(s); install what they name to run them: %s", len(s), strings.Join(s, "; "))
	if len(npmNotes) > 0 {
		line += "; " + strings.Join(npmNotes, "; ")
	}
	return line
}

// tellTerminal also writes line to the terminal when the output goes
// elsewhere: "go test ./..." shows a passing package's output only with
// -v, and a skipped client test must not go unnoticed.
func tellTerminal(line string) {
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return // already on the terminal
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return // no terminal (CI)
	}
	defer tty.Close()
	fmt.Fprintln(tty, line)
}

// installNodeModules runs "npm ci" in each directory whose node_modules is
// missing or older than its package-lock.json, under a lock shared by
// every test process on the machine, so packages tested in parallel (or
// two go test runs) do not install into the same directory at once. It
// returns why a directory could not be installed; the tests that need it
// then skip saying so.
func installNodeModules(log io.Writer, dirs ...string) []string {
	var stale []string
	for _, d := range dirs {
		if !nodeModulesFresh(d) {
			stale = append(stale, d)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return []string{"npm not found, so the npm packages were not installed (apt-get install nodejs npm)"}
	}
	unlock, err := lockFile(filepath.Join(os.TempDir(), "hubid-e2e-npm.lock"))
	if err != nil {
		return []string{"lock for npm ci: " + err.Error()}
	}
	defer unlock()
	var notes []string
	for _, d := range stale {
		if nodeModulesFresh(d) {
			continue // another test process installed it meanwhile
		}
		fmt.Fprintf(log, "e2e: npm ci in %s (once; the locked packages the client tests use)\n", d)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = d
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			notes = append(notes, fmt.Sprintf("npm ci in %s failed (%v): %s", d, err, lines[len(lines)-1]))
		}
	}
	return notes
}

// nodeModulesFresh reports whether dir's node_modules was installed from
// its current package-lock.json (npm ci writes node_modules/.package-lock.json).
func nodeModulesFresh(dir string) bool {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return true // nothing to install
	}
	inst, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	return err == nil && !inst.ModTime().Before(lock.ModTime())
}
