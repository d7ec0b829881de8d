package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README is the newcomer's first hour: these tests keep it from
// pointing at files that are not in the repository, from leaving flags and
// variables out, and from asking for another Go than go.mod.

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadmeFilesExist: every file the README links to or names with a
// path is in the repository.
func TestReadmeFilesExist(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	var paths []string
	for _, m := range regexp.MustCompile(`\]\(([^)#:]+)\)`).FindAllStringSubmatch(readme, -1) {
		paths = append(paths, m[1])
	}
	for _, m := range regexp.MustCompile("`([A-Za-z0-9_.-]*/[A-Za-z0-9_./-]+\\.(?:md|go|png|py|js|json|mod))`").FindAllStringSubmatch(readme, -1) {
		paths = append(paths, m[1])
	}
	if len(paths) == 0 {
		t.Fatal("found no paths in the README; the patterns are wrong")
	}
	for _, p := range paths {
		if clean := filepath.ToSlash(filepath.Clean(p)); clean == ".." || strings.HasPrefix(clean, "../") || filepath.IsAbs(p) {
			t.Errorf("the README names %s, outside the repository", p)
			continue
		}
		if _, err := os.Stat(filepath.Join("..", "..", filepath.FromSlash(p))); err != nil {
			t.Errorf("the README names %s, which is not in the repository", p)
		}
	}
}

// TestReadmeGoVersion: the Go the README asks for is go.mod's.
func TestReadmeGoVersion(t *testing.T) {
	mod := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readRepoFile(t, "go.mod"))
	if mod == nil {
		t.Fatal("no go directive in go.mod")
	}
	for _, m := range regexp.MustCompile(`\bGo (\d+\.\d+(?:\.\d+)?)`).FindAllStringSubmatch(readRepoFile(t, "README.md"), -1) {
		if m[1] != mod[1] {
			t.Errorf("the README says Go %s, go.mod says go %s", m[1], mod[1])
		}
	}
}

// TestReadmeFlagsDocumented: every flag of every command is in the README.
func TestReadmeFlagsDocumented(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	flagLine := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	cmds := [][]string{{"dev"}, {"serve"}, {"migrate"}, {"login"}}
	for noun, verbs := range map[string][]string{
		"user": {"add", "list", "passwd", "update", "delete"}, "org": {"add", "list", "member"},
		"app": {"create", "list", "show", "rotate-secret", "delete"}, "token": {"create", "list"},
		"keys": {"list", "rotate"}, "secret-key": {"generate", "rotate"}, "space": {"sync", "env", "run", "delete"},
	} {
		for _, v := range verbs {
			cmds = append(cmds, []string{noun, v})
		}
	}
	for _, c := range cmds {
		code, _, stderr := run(t, t.TempDir(), "", append(c, "--help")...)
		flags := flagLine.FindAllStringSubmatch(stderr, -1)
		if code != exitOK || len(flags) == 0 {
			t.Errorf("hubid %s --help: exit %d, no flags: %s", strings.Join(c, " "), code, stderr)
		}
		for _, f := range flags {
			if !regexp.MustCompile(`--` + regexp.QuoteMeta(f[1]) + `\b`).MatchString(readme) {
				t.Errorf("hubid %s has --%s, which the README does not mention", strings.Join(c, " "), f[1])
			}
		}
	}
}

// TestReadmeVariablesDocumented: every HUBID_* and HF_* variable the code
// reads (and the e2e tests, which CI sets) is in the README.
func TestReadmeVariablesDocumented(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	name := regexp.MustCompile(`"((?:HUBID|HF)_[A-Z0-9_]+)"`)
	seen := map[string]bool{}
	for _, dir := range []string{"cmd", "internal", "signin", "signintest", "oidc", "e2e"} {
		err := filepath.WalkDir(filepath.Join("..", "..", dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			if strings.HasSuffix(path, "_test.go") && dir != "e2e" {
				return nil // a test's own plumbing
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range name.FindAllStringSubmatch(string(b), -1) {
				seen[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !seen["HUBID_DATA"] {
		t.Fatal("found no HUBID_DATA; the scan is wrong")
	}
	for v := range seen {
		if !strings.Contains(readme, v) {
			t.Errorf("%s is read by the code but not in the README", v)
		}
	}
}
