package spacerun

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// maxInjectSize is the largest HTML file that gets the variables script;
// bigger ones are served as they are rather than read into memory.
const maxInjectSize = 32 << 20

// NewStaticHandler serves a static Space: the files under dir, read
// through an os.Root (no path traversal, no symlink leaving dir), never a
// file or directory whose name starts with a dot (.git, .env, …), with
// index.html for directories and no directory listings. Only GET and HEAD.
//
// Every text/html response gets, right after its <head> tag (or at the
// start of the document when it has none), the script
//
//	<script>window.huggingface=Object.assign(window.huggingface||{},{variables:VARS});</script>
//
// where VARS is vars as JSON: that is where huggingface.js reads
// OAUTH_CLIENT_ID and OAUTH_SCOPES on Spaces. HTML is sent with
// Cache-Control: no-cache. vars must not hold secrets: a name containing
// SECRET or TOKEN is refused with an error.
func NewStaticHandler(dir string, vars map[string]string) (http.Handler, error) {
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		u := strings.ToUpper(k)
		if strings.Contains(u, "SECRET") || strings.Contains(u, "TOKEN") {
			return nil, fmt.Errorf("static Space: refusing to show %s to browsers: it looks like a secret", k)
		}
	}
	if vars == nil {
		vars = map[string]string{}
	}
	// encoding/json escapes <, > and & (and U+2028/U+2029), so no value can
	// close the script element or start a comment inside it.
	js, err := json.Marshal(vars)
	if err != nil {
		return nil, fmt.Errorf("static Space: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("static Space: %w", err)
	}
	script := "<script>window.huggingface=Object.assign(window.huggingface||{},{variables:" + string(js) + "});</script>"
	return &staticHandler{root: root, script: []byte(script)}, nil
}

// NewStaticAppHandler serves a static Space whose README names app_file,
// as Spaces do: the directory of app_file is the site's root and app_file
// its index, so "app_file: dist/index.html" (a built frontend) serves
// dist/index.html at "/" and dist/assets/x.js at "/assets/x.js"; other
// directories use index.html. An empty appFile is index.html in dir. The
// rest is NewStaticHandler's. app_file must be a relative path inside
// dir naming a regular file: when it is missing (not built yet), the
// error says so.
func NewStaticAppHandler(dir, appFile string, vars map[string]string) (http.Handler, error) {
	app := strings.TrimSpace(appFile)
	if app == "" {
		return NewStaticHandler(dir, vars)
	}
	if err := checkAppFile(app); err != nil {
		return nil, fmt.Errorf("static Space: app_file %q %w", appFile, err)
	}
	app = path.Clean(strings.ReplaceAll(app, `\`, "/"))
	for _, seg := range strings.Split(app, "/") {
		if strings.HasPrefix(seg, ".") {
			return nil, fmt.Errorf("static Space: app_file %q: hidden files and directories are never served", appFile)
		}
	}
	sub, index := path.Split(app)
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(app)))
	if err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("static Space: app_file %q is not a file in %s; build it first (the README's app_build_command) or fix app_file", appFile, dir)
	}
	h, err := NewStaticHandler(filepath.Join(dir, filepath.FromSlash(sub)), vars)
	if err != nil {
		return nil, err
	}
	h.(*staticHandler).index = index
	return h, nil
}

type staticHandler struct {
	root   *os.Root
	script []byte
	// index is the file served for "/" ("" means index.html).
	index string
}

func (h *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	upath := r.URL.Path
	if !strings.HasPrefix(upath, "/") {
		upath = "/" + upath
	}
	// Refuse rather than clean: "..", ".env", ".git/config" are never
	// served, whatever the path around them.
	for _, seg := range strings.Split(upath, "/") {
		if strings.HasPrefix(seg, ".") || strings.ContainsAny(seg, "\\\x00") {
			http.NotFound(w, r)
			return
		}
	}
	name := strings.Trim(path.Clean(upath), "/")
	if name == "" {
		name = "."
	}
	f, err := h.root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if fi.IsDir() {
		if !strings.HasSuffix(upath, "/") {
			redirect(w, r, path.Base(upath)+"/")
			return
		}
		f.Close()
		index := "index.html"
		if name == "." && h.index != "" {
			index = h.index
		}
		name = path.Join(name, index)
		if f, err = h.root.Open(name); err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
	} else if strings.HasSuffix(upath, "/") {
		redirect(w, r, "../"+path.Base(upath))
		return
	}
	if !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}

	ctype, err := contentType(name, f)
	if err != nil {
		http.Error(w, "500 cannot read file", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	mt, _, _ := mime.ParseMediaType(ctype)
	if mt != "text/html" || fi.Size() > maxInjectSize {
		http.ServeContent(w, r, name, fi.ModTime(), f)
		return
	}
	page, err := io.ReadAll(io.LimitReader(f, maxInjectSize+1))
	if err != nil {
		http.Error(w, "500 cannot read file", http.StatusInternalServerError)
		return
	}
	page = injectScript(page, h.script)
	sum := sha256.Sum256(page)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:16])+`"`)
	// A zero modification time: the ETag, which covers the injected
	// variables too, is the only validator.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(page))
}

// redirect answers 301 to a path relative to the request's, keeping the
// query, as http.FileServer does.
func redirect(w http.ResponseWriter, r *http.Request, rel string) {
	if q := r.URL.RawQuery; q != "" {
		rel += "?" + q
	}
	w.Header().Set("Location", rel)
	w.WriteHeader(http.StatusMovedPermanently)
}

// contentType is the type by extension, else sniffed from the first 512
// bytes (f is rewound).
func contentType(name string, f io.ReadSeeker) (string, error) {
	if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
		return t, nil
	}
	var buf [512]byte
	n, err := io.ReadFull(f, buf[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return http.DetectContentType(buf[:n]), nil
}

// injectScript puts script right after the <head> start tag; without one,
// after the <html> start tag or else the doctype (a script before the
// doctype would put the page in quirks mode), or at the very start (after
// a byte order mark).
func injectScript(page, script []byte) []byte {
	// ASCII-only lowering keeps byte offsets (bytes.ToLower may not:
	// the Kelvin sign becomes a one-byte k).
	lower := make([]byte, len(page))
	for i, b := range page {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		lower[i] = b
	}
	at := 0
	if end := startTagEnd(lower, "head"); end >= 0 {
		at = end
	} else if end := startTagEnd(lower, "html"); end >= 0 {
		at = end
	} else if end := startTagEnd(lower, "!doctype"); end >= 0 {
		at = end
	} else if bytes.HasPrefix(page, []byte("\xef\xbb\xbf")) {
		at = 3
	}
	out := make([]byte, 0, len(page)+len(script))
	out = append(out, page[:at]...)
	out = append(out, script...)
	return append(out, page[at:]...)
}

// startTagEnd returns the index just past the first <tag …> start tag in
// lower, a lower-cased page (<header> is not <head>), or -1.
func startTagEnd(lower []byte, tag string) int {
	open := []byte("<" + tag)
	for off := 0; ; {
		i := bytes.Index(lower[off:], open)
		if i < 0 {
			return -1
		}
		i += off + len(open)
		if i < len(lower) {
			switch lower[i] {
			case '>', ' ', '\t', '\n', '\r', '\f', '/':
				if j := bytes.IndexByte(lower[i:], '>'); j >= 0 {
					return i + j + 1
				}
				return -1
			}
		}
		off = i
	}
}
