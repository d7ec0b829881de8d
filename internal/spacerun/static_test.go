package spacerun

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var staticTestVars = map[string]string{
	"OAUTH_CLIENT_ID":     "c-123",
	"OAUTH_SCOPES":        "openid profile",
	"OPENID_PROVIDER_URL": "https://hub.example",
}

const staticTestScript = `<script>window.huggingface=Object.assign(window.huggingface||{},{variables:{"OAUTH_CLIENT_ID":"c-123","OAUTH_SCOPES":"openid profile","OPENID_PROVIDER_URL":"https://hub.example"}});</script>`

// staticTestSpace lays out a static Space, and a secret next to it that a
// symlink inside points at.
func staticTestSpace(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "space")
	files := map[string]string{
		"index.html":        "<!doctype html>\n<html><head><title>t</title></head><body>hi</body></html>",
		"nohead.html":       "<!DOCTYPE html><html lang=en><body>x</body></html>",
		"fragment.htm":      "<p>just a fragment</p>",
		"sub/index.html":    "<HEAD data-x=1><title>sub</title></HEAD>",
		"sub/page.txt":      "plain text <head>",
		"app.js":            "console.log('<head>')",
		"README.md":         "---\nsdk: static\n---\n",
		"noext":             "<html><head></head></html>",
		".env":              "OAUTH_CLIENT_SECRET=s3cret",
		".git/config":       "[core]",
		"sub/.hidden":       "hidden",
		"emptydir/keep.txt": "k",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "outside.txt"), []byte("outside secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside.txt", filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("app.js", filepath.Join(dir, "inside.js")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func staticGet(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "http://alice-demo.localhost"+target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestStaticInjectsIntoHTMLOnly(t *testing.T) {
	h, err := NewStaticHandler(staticTestSpace(t), staticTestVars)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, body, ctype string
	}{
		{"/", "<!doctype html>\n<html><head>" + staticTestScript + "<title>t</title></head><body>hi</body></html>", "text/html; charset=utf-8"},
		{"/index.html", "<!doctype html>\n<html><head>" + staticTestScript + "<title>t</title></head><body>hi</body></html>", "text/html; charset=utf-8"},
		{"/nohead.html", "<!DOCTYPE html><html lang=en>" + staticTestScript + "<body>x</body></html>", "text/html; charset=utf-8"},
		{"/fragment.htm", staticTestScript + "<p>just a fragment</p>", "text/html; charset=utf-8"},
		{"/sub/", "<HEAD data-x=1>" + staticTestScript + "<title>sub</title></HEAD>", "text/html; charset=utf-8"},
		{"/noext", "<html><head>" + staticTestScript + "</head></html>", "text/html; charset=utf-8"},
		{"/sub/page.txt", "plain text <head>", "text/plain; charset=utf-8"},
		{"/README.md", "---\nsdk: static\n---\n", ""},
		{"/inside.js", "console.log('<head>')", ""},
	} {
		rec := staticGet(t, h, "GET", tc.path)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", tc.path, rec.Code)
			continue
		}
		if diff := cmp.Diff(tc.body, rec.Body.String()); diff != "" {
			t.Errorf("%s: body (-want +got):\n%s", tc.path, diff)
		}
		if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("%s: Content-Length %s for %d bytes", tc.path, got, rec.Body.Len())
		}
		ct := rec.Header().Get("Content-Type")
		if tc.ctype != "" && ct != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, ct, tc.ctype)
		}
		isHTML := strings.HasPrefix(ct, "text/html")
		if cc := rec.Header().Get("Cache-Control"); (cc == "no-cache") != isHTML {
			t.Errorf("%s (%s): Cache-Control %q", tc.path, ct, cc)
		}
	}
}

func TestStaticHeadAndConditional(t *testing.T) {
	h, err := NewStaticHandler(staticTestSpace(t), staticTestVars)
	if err != nil {
		t.Fatal(err)
	}
	get := staticGet(t, h, "GET", "/")
	head := staticGet(t, h, "HEAD", "/")
	if head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d body bytes", head.Code, head.Body.Len())
	}
	if got, want := head.Header().Get("Content-Length"), strconv.Itoa(get.Body.Len()); got != want {
		t.Errorf("HEAD Content-Length %s, want %s", got, want)
	}
	etag := get.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on HTML")
	}
	if rec := staticGet(t, h, "GET", "/", "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec.Code)
	}
	// Other variables, other ETag: a browser never keeps a page with
	// stale variables.
	vars := map[string]string{"OAUTH_CLIENT_ID": "other"}
	h2, err := NewStaticHandler(staticTestSpace(t), vars)
	if err != nil {
		t.Fatal(err)
	}
	if rec := staticGet(t, h2, "GET", "/", "If-None-Match", etag); rec.Code != http.StatusOK {
		t.Errorf("If-None-Match with other variables: status %d, want 200", rec.Code)
	}
	if rec := staticGet(t, h, "POST", "/"); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestStaticBlocksTraversalAndDotfiles(t *testing.T) {
	h, err := NewStaticHandler(staticTestSpace(t), staticTestVars)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"/../outside.txt",
		"/sub/../../outside.txt",
		"/%2e%2e/outside.txt",
		"/..%2foutside.txt",
		"/.env",
		"/sub/../.env",
		"/%2eenv",
		"/.git/config",
		"/.git/",
		"/sub/.hidden",
		"/escape.txt",
		"/missing.html",
		"/emptydir/",
	} {
		rec := staticGet(t, h, "GET", p)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, rec.Code)
		}
		if b := rec.Body.String(); strings.Contains(b, "secret") || strings.Contains(b, "[core]") {
			t.Errorf("%s: leaked %q", p, b)
		}
	}
}

func TestStaticRedirects(t *testing.T) {
	h, err := NewStaticHandler(staticTestSpace(t), staticTestVars)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/sub":             "sub/",
		"/sub?a=1":         "sub/?a=1",
		"/sub/page.txt/":   "../page.txt",
		"/emptydir?x=y&z=": "emptydir/?x=y&z=",
	} {
		rec := staticGet(t, h, "GET", path)
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != want {
			t.Errorf("%s: %d Location %q, want 301 %q", path, rec.Code, rec.Header().Get("Location"), want)
		}
	}
}

func TestStaticRefusesSecretVariables(t *testing.T) {
	dir := staticTestSpace(t)
	for _, k := range []string{"OAUTH_CLIENT_SECRET", "HF_TOKEN", "my_token", "Secret"} {
		vars := map[string]string{"OAUTH_CLIENT_ID": "c", k: "v"}
		if _, err := NewStaticHandler(dir, vars); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("variable %s: err %v, want a refusal naming it", k, err)
		}
	}
	if _, err := NewStaticHandler(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("a missing directory was accepted")
	}
}

func TestStaticEscapesVariables(t *testing.T) {
	vars := map[string]string{"SPACE_TITLE": "</script><script>alert(1)</script><!-- & \u2028"}
	h, err := NewStaticHandler(staticTestSpace(t), vars)
	if err != nil {
		t.Fatal(err)
	}
	body := staticGet(t, h, "GET", "/").Body.String()
	want := `{variables:{"SPACE_TITLE":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u003c!-- \u0026 \u2028"}}`
	if !strings.Contains(body, want) {
		t.Errorf("body %q lacks %q", body, want)
	}
	if strings.Count(body, "</script>") != 1 {
		t.Errorf("a variable closed the script element: %q", body)
	}
}

func TestStaticInjectScript(t *testing.T) {
	const s = "<S>"
	for _, tc := range []struct{ in, want string }{
		{"<head>x", "<head><S>x"},
		{"<html><HEAD >x", "<html><HEAD ><S>x"},
		{"<header>h</header><head>", "<header>h</header><head><S>"},
		{"<header>only</header>", "<S><header>only</header>"},
		{"<!DOCTYPE html><p>", "<!DOCTYPE html><S><p>"},
		{"<html\nlang=en><p>", "<html\nlang=en><S><p>"},
		{"\xef\xbb\xbf<p>bom", "\xef\xbb\xbf<S><p>bom"},
		{"", "<S>"},
		{"\u212a\u212a<head>", "\u212a\u212a<head><S>"}, // Kelvin signs: offsets stay right
		{"<head", "<S><head"},
	} {
		if got := string(injectScript([]byte(tc.in), []byte(s))); got != tc.want {
			t.Errorf("injectScript(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
