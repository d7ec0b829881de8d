package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestInstallNodeModules: npm ci runs once per stale directory even when
// several test processes (here goroutines, each with its own lock file
// descriptor) ask at once; a directory installed from its current
// lockfile, or without a lockfile, is left alone; without npm the note
// says what to install. npm is a stand-in script on PATH.
func TestInstallNodeModules(t *testing.T) {
	bin := t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	script := "#!/bin/sh\necho \"$PWD $*\" >> " + calls + "\n/bin/mkdir -p node_modules && echo '{}' > node_modules/.package-lock.json\n"
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("TMPDIR", t.TempDir()) // the lock file's directory

	root := t.TempDir()
	stale, fresh, none := filepath.Join(root, "stale"), filepath.Join(root, "fresh"), filepath.Join(root, "none")
	for _, d := range []string{stale, fresh, none} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(stale, "package-lock.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(fresh, "package-lock.json"), []byte("{}"), 0o644)
	os.MkdirAll(filepath.Join(fresh, "node_modules"), 0o755)
	os.WriteFile(filepath.Join(fresh, "node_modules", ".package-lock.json"), []byte("{}"), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(fresh, "package-lock.json"), old, old)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if notes := installNodeModules(&strings.Builder{}, stale, fresh, none); notes != nil {
				t.Errorf("notes: %v", notes)
			}
		})
	}
	wg.Wait()
	b, _ := os.ReadFile(calls)
	if got := strings.TrimSpace(string(b)); got != stale+" ci --no-audit --no-fund" {
		t.Errorf("npm calls:\n%s\nwant one, npm ci in %s", got, stale)
	}

	// A newer lockfile makes the directory stale again.
	os.Chtimes(filepath.Join(stale, "node_modules", ".package-lock.json"), old, old)
	installNodeModules(&strings.Builder{}, stale)
	if b, _ := os.ReadFile(calls); strings.Count(string(b), "\n") != 2 {
		t.Errorf("after the lockfile changed, npm calls:\n%s", b)
	}

	// No npm: a note, no call.
	os.Chtimes(filepath.Join(stale, "node_modules", ".package-lock.json"), old, old)
	t.Setenv("PATH", t.TempDir())
	notes := installNodeModules(&strings.Builder{}, stale)
	if len(notes) != 1 || !strings.Contains(notes[0], "npm not found") {
		t.Errorf("without npm: %v", notes)
	}
}

func TestSkipSummary(t *testing.T) {
	if got := skipSummary(nil, nil); got != "e2e: no client test skipped" {
		t.Errorf("nothing skipped: %q", got)
	}
	got := skipSummary([]string{"TestB (chromium: apt-get install chromium)", "TestA (python3-requests: apt-get install python3-requests)"},
		[]string{"npm not found, so the npm packages were not installed (apt-get install nodejs npm)"})
	want := "e2e: skipped 2 client test(s); install what they name to run them: TestA (python3-requests: apt-get install python3-requests); " +
		"TestB (chromium: apt-get install chromium); npm not found, so the npm packages were not installed (apt-get install nodejs npm)"
	if got != want || strings.Contains(got, "\n") {
		t.Errorf("summary:\n%s\nwant\n%s", got, want)
	}
}
