package signintest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Browser is a user agent for tests: a cookie jar, redirects followed one
// by one, and the provider's pages filled in like a person would: the
// sign-in form with the user's name and password, the consent page with
// "Allow". Navigations carry Sec-Fetch-Mode: navigate and Sec-Fetch-Dest:
// document (iframe when Framed is set), as browsers send them.
type Browser struct {
	// Client makes the requests. It shares the jar and never follows
	// redirects itself.
	Client *http.Client
	// Jar holds the cookies of every host.
	Jar http.CookieJar
	// Framed makes requests look like loads into an iframe (Sec-Fetch-Dest:
	// iframe), as inside the Spaces page.
	Framed bool
	// Header is added to every request.
	Header http.Header

	t        testing.TB
	p        *Provider
	user     User
	mu       sync.Mutex
	routes   map[string]string // host:port -> listener address
	pool     *x509.CertPool
	provider *url.URL
}

// Browser returns a browser that signs in as the seeded user.
func (p *Provider) Browser(t testing.TB) *Browser { return p.BrowserAs(t, p.User) }

// BrowserAs returns a browser that signs in as u.
func (p *Provider) BrowserAs(t testing.TB, u User) *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{Jar: jar, Header: http.Header{}, t: t, p: p, user: u, routes: map[string]string{}, pool: x509.NewCertPool()}
	b.provider, _ = url.Parse(p.URL)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		b.mu.Lock()
		if to, ok := b.routes[addr]; ok {
			addr = to
		}
		b.mu.Unlock()
		return dialer.DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: b.pool}
	b.Client = &http.Client{
		Jar:       jar,
		Transport: tr,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return b
}

// Route sends the browser's requests for host (e.g. "space.example.com",
// port 443 implied, or "space.example.com:8443") to srv, and trusts srv's
// certificate when it serves TLS. httptest's certificate is valid for
// example.com and *.example.com, so Space hosts under example.com work
// over https.
func (b *Browser) Route(host string, srv *httptest.Server) {
	if _, _, err := net.SplitHostPort(host); err != nil {
		port := "80"
		if srv.TLS != nil {
			port = "443"
		}
		host = net.JoinHostPort(host, port)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.routes[host] = srv.Listener.Addr().String()
	if c := srv.Certificate(); c != nil {
		b.pool.AddCert(c)
	}
}

// Response is a page the browser ended on.
type Response struct {
	// URL is the page's address.
	URL *url.URL
	// StatusCode is the last response's status.
	StatusCode int
	// Header is the last response's header.
	Header http.Header
	// Body is the last response's body.
	Body string
}

// Get navigates to rawURL and follows redirects (up to 20), signing in at
// the provider and allowing consent on the way; it returns the page it
// ends on. It fails the test on a network error.
func (b *Browser) Get(rawURL string) *Response {
	b.t.Helper()
	return b.walk(rawURL, false)
}

// Authorize navigates to rawURL (the app's login route, or a provider
// authorize URL), signs in and allows consent at the provider, and
// returns the URL the provider sends the browser back to (the app's
// callback with code and state) without following it.
func (b *Browser) Authorize(rawURL string) string {
	b.t.Helper()
	r := b.walk(rawURL, true)
	if r.StatusCode/100 != 3 {
		b.t.Fatalf("signintest: %s ended at %s with %d, not a redirect back to the app:\n%.2000s", rawURL, r.URL, r.StatusCode, r.Body)
	}
	return r.Header.Get("Location")
}

// Do sends req with the browser's cookies and headers, following nothing.
func (b *Browser) Do(req *http.Request) *Response {
	b.t.Helper()
	for k, v := range b.Header {
		req.Header[k] = v
	}
	if req.Header.Get("Sec-Fetch-Mode") == "" {
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		if b.Framed && req.URL.Host != b.provider.Host {
			req.Header.Set("Sec-Fetch-Dest", "iframe")
		} else {
			req.Header.Set("Sec-Fetch-Dest", "document")
		}
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("signintest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("signintest: read %s: %v", req.URL, err)
	}
	return &Response{URL: req.URL, StatusCode: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

// Cookies returns the cookies the browser would send to rawURL.
func (b *Browser) Cookies(rawURL string) []*http.Cookie {
	u, err := url.Parse(rawURL)
	if err != nil {
		b.t.Fatalf("signintest: %v", err)
	}
	return b.Jar.Cookies(u)
}

var (
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	// checkedBox is a ticked checkbox, which a browser submits too (the
	// consent page's orgs the app asked for with orgIds).
	checkedBox = regexp.MustCompile(`<input type="checkbox" name="([^"]+)" value="([^"]*)" checked>`)
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

// walk follows redirects from rawURL; with stopAtApp it stops at the
// first redirect that leaves the provider.
func (b *Browser) walk(rawURL string, stopAtApp bool) *Response {
	b.t.Helper()
	next := rawURL
	method, form := http.MethodGet, url.Values(nil)
	for range 20 {
		u, err := url.Parse(next)
		if err != nil {
			b.t.Fatalf("signintest: bad URL %q: %v", next, err)
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, u.String(), body)
		if err != nil {
			b.t.Fatalf("signintest: %v", err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", u.Scheme+"://"+u.Host)
		}
		r := b.Do(req)
		method, form = http.MethodGet, nil
		if r.StatusCode/100 == 3 {
			loc, err := u.Parse(r.Header.Get("Location"))
			if err != nil || r.Header.Get("Location") == "" {
				return r
			}
			if stopAtApp && u.Host == b.provider.Host && loc.Host != b.provider.Host {
				r.Header.Set("Location", loc.String())
				return r
			}
			next = loc.String()
			continue
		}
		if u.Host != b.provider.Host || r.StatusCode != http.StatusOK && r.StatusCode != http.StatusUnauthorized {
			return r
		}
		switch {
		case strings.Contains(r.Body, `name="password"`):
			// The provider's sign-in page.
			fields := hidden(r.Body)
			form = url.Values{"username": {b.user.Username}, "password": {b.user.Password}, "next": {fields.Get("next")}}
			if r.StatusCode == http.StatusUnauthorized {
				b.t.Fatalf("signintest: the provider refused the password of %s", b.user.Username)
			}
			method, next = http.MethodPost, b.p.URL+"/login"
		case strings.Contains(r.Body, `name="consent_token"`):
			// The consent page: allow.
			form = hidden(r.Body)
			form.Set("consent", "allow")
			action := "/oauth/authorize"
			if m := formAction.FindStringSubmatch(r.Body); m != nil {
				action = html.UnescapeString(m[1])
			}
			a, _ := u.Parse(action)
			method, next = http.MethodPost, a.String()
		default:
			return r
		}
	}
	b.t.Fatalf("signintest: more than 20 redirects from %s", rawURL)
	return nil
}

func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(body, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for _, m := range checkedBox.FindAllStringSubmatch(body, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}
