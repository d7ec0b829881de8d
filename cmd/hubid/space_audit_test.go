package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSpace writes README.md into a new directory named name and returns
// the directory.
func writeSpace(t *testing.T, name, readme string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSpaceMetadataErrorsAllShown: every problem of a README is printed, one
// line each with key, line, value and allowed values, and the file is named
// once per line.
func TestSpaceMetadataErrorsAllShown(t *testing.T) {
	dir := writeSpace(t, "sp-bad", "---\ntitle: bad\nsdk: docker\nhf_oauth: \"yes please\"\nhf_oauth_expiration_minutes: 50000\n---\n")
	readme := filepath.Join(dir, "README.md")
	for _, verb := range []string{"sync", "env", "run"} {
		code, _, stderr := run(t, t.TempDir(), "", "space", verb, dir, "--space", "demo/bad")
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != exitFailure || len(lines) != 2 {
			t.Fatalf("space %s: exit %d, stderr %q; want 2 lines", verb, code, stderr)
		}
		for i, want := range []string{
			"hubid space: " + readme + ` line 4: hf_oauth: "yes please" `,
			"hubid space: " + readme + " line 5: hf_oauth_expiration_minutes: 50000 ",
		} {
			if !strings.HasPrefix(lines[i], want) || !strings.Contains(lines[i], "allowed: ") {
				t.Errorf("space %s, line %d: %q; want it to start with %q and say what is allowed", verb, i+1, lines[i], want)
			}
			if strings.Count(lines[i], "README.md") != 1 {
				t.Errorf("space %s: the file is named twice: %q", verb, lines[i])
			}
		}
	}
}
