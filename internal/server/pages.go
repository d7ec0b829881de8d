package server

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type pages struct {
	t map[string]*template.Template
}

// loadPages parses each page together with the layout.
func loadPages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{t: map[string]*template.Template{}}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		p.t[n[len("templates/"):]] = t
	}
	return p, nil
}

// pageData is what every page gets; Body is the page's own data.
type pageData struct {
	Title  string
	Issuer string
	User   string // signed-in username, "" when signed out
	Body   any
}

// render writes a page with status, rendered fully before any byte is sent.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	d.Issuer = s.issuer
	var buf bytes.Buffer
	if err := s.pages.t[name].Execute(&buf, d); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the readable page shown when the client cannot be told
// (unknown client, bad redirect URI) or a person made a bad request.
type errorPage struct {
	Heading string
	Message string
	Hint    string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, e errorPage) {
	s.render(w, r, status, "error.html", pageData{Title: e.Heading, Body: e})
}

func (s *Server) serveNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, errorPage{Heading: "Page not found", Message: "There is nothing at " + r.URL.Path + "."})
}

func staticHandler() http.Handler {
	h := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// Files only: no directory listing (http.FileServer lists one).
		if fi, err := fs.Stat(staticFS, strings.TrimPrefix(r.URL.Path, "/")); err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
