package signin

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

// page is an error or notice page the SDK shows itself.
type page struct {
	Title    string
	Message  string
	Detail   string // shown smaller; from the provider or Refuse, never an internal cause
	Hint     string
	Link     string
	LinkText string
	NewTab   bool // the link opens top level, out of the Spaces iframe
}

// pageKind names a failure; each has its page.
type pageKind int

const (
	pageConfig pageKind = iota
	pageStore
	pageProviderDown
	pageBadCallback
	pageStaleState
	pageCodeExpired
	pageClientRejected
	pageBadAnswer
	pageCookiesBlocked
	pageOnLoginFailed
)

// pageFor returns the page of a failure; retry is the login route.
func (s *SignIn) pageFor(k pageKind, retry string) page {
	switch k {
	case pageConfig:
		return page{Title: "Sign-in is not set up for this address",
			Message: "This app cannot build its sign-in callback URL for the address you used.",
			Hint:    "If you run this app: set SPACE_HOST (Config.Hosts) or Config.RedirectURL; the app's log says more."}
	case pageStore:
		return page{Title: "Something went wrong",
			Message: "The app could not store your sign-in. Try again in a moment.",
			Link:    retry, LinkText: "Try again"}
	case pageProviderDown:
		return page{Title: "Sign-in is unavailable right now",
			Message: "The app could not reach the sign-in provider (" + s.cfg.Issuer + "). It may be down or restarting.",
			Hint:    "Try again in a minute.", Link: retry, LinkText: "Try again"}
	case pageBadCallback:
		return page{Title: "Sign-in link incomplete",
			Message: "The address you arrived at is missing parts a sign-in answer has.",
			Link:    retry, LinkText: "Sign in again"}
	case pageStaleState:
		return page{Title: "This sign-in has expired",
			Message: "This sign-in answer does not belong to a sign-in in progress: it took longer than " +
				strconv.Itoa(int(FlowLifetime.Minutes())) + " minutes, was already used, or the link was altered.",
			Link: retry, LinkText: "Sign in again"}
	case pageCodeExpired:
		return page{Title: "This sign-in has expired",
			Message: "The provider refused the sign-in code: it expired or was already used.",
			Link:    retry, LinkText: "Sign in again"}
	case pageClientRejected:
		return page{Title: "The provider does not recognize this app",
			Message: "The sign-in provider refused the app's credentials.",
			Hint:    "If you run this app: check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET."}
	case pageBadAnswer:
		return page{Title: "Sign-in could not be verified",
			Message: "The answer from the sign-in provider did not pass the app's checks, so you were not signed in.",
			Link:    retry, LinkText: "Try again"}
	case pageCookiesBlocked:
		return page{Title: "Cookies are blocked for this app",
			Message: "Signing in needs a cookie from this app, and your browser did not keep it, even with the app open in its own tab.",
			Hint:    "Allow cookies for this site (private windows and some privacy settings block them), then try again.",
			Link:    retry, LinkText: "Try again"}
	case pageOnLoginFailed:
		return page{Title: "Something went wrong",
			Message: "The app could not complete your sign-in. Try again in a moment.",
			Link:    retry, LinkText: "Try again"}
	}
	return page{Title: "Something went wrong", Message: "Try again in a moment."}
}

// fail logs err and shows the page for k with status.
func (s *SignIn) fail(w http.ResponseWriter, r *http.Request, status int, k pageKind, err error) {
	if status >= 500 && k != pageProviderDown {
		s.log.ErrorContext(r.Context(), "signin: "+r.URL.Path, "status", status, "err", err)
	} else {
		s.log.WarnContext(r.Context(), "signin: "+r.URL.Path, "status", status, "err", err)
	}
	p := s.pageFor(k, s.LoginPath())
	if k == pageProviderDown {
		w.Header().Set("Retry-After", "30")
	}
	s.renderPage(w, r, status, p)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body style="font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5;color:#111">
<main>
<h1 style="font-size:1.4em">{{.Title}}</h1>
<p>{{.Message}}</p>
{{- with .Detail}}
<p style="color:#555;font-size:.9em">{{.}}</p>
{{- end}}
{{- with .Hint}}
<p style="color:#555">{{.}}</p>
{{- end}}
{{- if .Link}}
<p><a href="{{.Link}}"{{if .NewTab}} target="_blank" rel="noopener"{{end}} style="display:inline-block;padding:.5em 1em;border-radius:.5em;background:#000;color:#fff;text-decoration:none;font-weight:600">{{.LinkText}}{{if .NewTab}}<span style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap"> (opens in a new tab)</span>{{end}}</a></p>
{{- end}}
</main>
</body>
</html>
`))

// renderPage writes p as an HTML page, headers before the status.
func (s *SignIn) renderPage(w http.ResponseWriter, r *http.Request, status int, p page) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		s.log.ErrorContext(r.Context(), "signin: render page", "err", err)
		http.Error(w, p.Title, status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}
