package spacerun

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// NewProxy returns the reverse proxy from the Space host to the app
// listening at target (e.g. http://127.0.0.1:7861).
//
// The app sees the Space host: the incoming Host header is kept, and
// X-Forwarded-For/-Host/-Proto are set from the inbound request (Proto is
// "https" when it came over TLS), with whatever the client sent in those
// headers dropped. Responses are flushed at once, so Server-Sent Events
// stream, and WebSocket upgrades pass through. While the app is not
// listening (still starting, or gone), the answer is a 502 page saying so,
// and the cause goes to log at debug level (nil discards it).
func NewProxy(target *url.URL, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	port := target.Port()
	if port == "" {
		port = "80"
		if target.Scheme == "https" {
			port = "443"
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // never send the app's traffic to an HTTP_PROXY
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				return // the client went away; nobody to answer
			}
			log.DebugContext(r.Context(), "space proxy", "err", err)
			proxyError(w, r, port)
		},
	}
}

// proxyError answers 502 when the app cannot be reached. Browsers get a
// page that reloads itself (GET only), so it turns into the app once it
// listens; other clients get the same sentence as text.
func proxyError(w http.ResponseWriter, r *http.Request, port string) {
	msg := fmt.Sprintf("The Space's app is not answering on port %s yet (it may still be starting).", port)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", "2")
	h.Set("X-Content-Type-Options", "nosniff")
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintln(w, msg)
		return
	}
	refresh := ""
	if r.Method == http.MethodGet {
		refresh = `<meta http-equiv="refresh" content="2">`
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, `<!doctype html>
<html><head><meta charset="utf-8">%s<title>502 Space not answering</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>502 Bad Gateway</h1>
<p>%s</p>
<p>Look at the terminal running <code>hubid space run</code> for the app's output.</p>
</body></html>
`, refresh, html.EscapeString(msg))
}
