package spacerun

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaticAppFile: with app_file dist/index.html, dist/ is the site's
// root and dist/index.html is served at "/", as on Spaces after a build.
func TestStaticAppFile(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"index.html":               "<html><head></head>the source page</html>",
		"README.md":                "---\nsdk: static\napp_file: dist/index.html\n---\n",
		"dist/index.html":          "<html><head></head>the built page</html>",
		"dist/assets/app.js":       "console.log('built')",
		"dist/docs/index.html":     "<html><head></head>docs</html>",
		"dist/other.html":          "<html><head></head>other</html>",
		"dist/.vite/manifest.json": "{}",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		appFile, path string
		status        int
		want          string
	}{
		{"dist/index.html", "/", 200, "the built page"},
		{"dist/index.html", "/assets/app.js", 200, "console.log('built')"},
		{"dist/index.html", "/docs/", 200, "docs"},
		{"dist/index.html", "/index.html", 200, "the built page"},
		{"dist/index.html", "/dist/index.html", 404, ""},
		{"dist/index.html", "/README.md", 404, ""},
		{"dist/index.html", "/.vite/manifest.json", 404, ""},
		{"dist/other.html", "/", 200, "other"},
		{"dist/other.html", "/docs/", 200, "docs"},
		{"", "/", 200, "the source page"},
		{"index.html", "/", 200, "the source page"},
	} {
		h, err := NewStaticAppHandler(dir, tc.appFile, staticTestVars)
		if err != nil {
			t.Fatalf("app_file %q: %v", tc.appFile, err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("app_file %q, GET %s: %d %q; want %d with %q", tc.appFile, tc.path, rec.Code, body, tc.status, tc.want)
		}
		if tc.status == 200 && strings.HasSuffix(tc.want, "page") && !strings.Contains(string(body), staticTestScript) {
			t.Errorf("app_file %q, GET %s: no variables script: %q", tc.appFile, tc.path, body)
		}
	}
	for _, bad := range []string{"dist/missing.html", "../index.html", "/etc/passwd", "dist", ".hidden/index.html"} {
		if _, err := NewStaticAppHandler(dir, bad, nil); err == nil || !strings.Contains(err.Error(), "app_file") {
			t.Errorf("app_file %q: err %v, want one naming app_file", bad, err)
		}
	}
}
