package signin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// origin is where the browser reaches the app for a request: the scheme
// and host that the callback URL, the cookies and the post-logout URL are
// made for.
type origin struct {
	scheme string // "https" or "http"
	host   string // host or host:port
}

func (o origin) secure() bool { return o.scheme == "https" }

func (o origin) url(path string) string { return o.scheme + "://" + o.host + path }

// errNoHost: the request came to a host the configuration does not
// cover.
type errNoHost struct{ host string }

func (e errNoHost) Error() string {
	return fmt.Sprintf("the app was reached at %q, which is not loopback, and no host is configured: set Config.Hosts (SPACE_HOST) or Config.RedirectURL", e.host)
}

// originFor applies the redirect URI rule (see the package documentation):
//
//  1. RedirectURL, when configured, fixes scheme and host.
//  2. The host is the request's Host when it is one of Hosts (compared
//     case-insensitively), else the first of Hosts; with no Hosts it is the
//     request's Host, which must then be loopback.
//  3. A host that is not loopback always gets https: providers accept http
//     only on loopback, and Spaces terminate TLS in front of the app.
//  4. A loopback host gets the scheme the browser used: https when the
//     connection is TLS, or when TrustForwardedProto is set and
//     X-Forwarded-Proto says https; http otherwise.
func (s *SignIn) originFor(r *http.Request) (origin, error) {
	if s.fixed != nil {
		return *s.fixed, nil
	}
	reqHost := strings.ToLower(r.Host)
	host := ""
	for _, h := range s.cfg.Hosts {
		if h == reqHost {
			host = h
			break
		}
	}
	if host == "" {
		if len(s.cfg.Hosts) > 0 {
			host = s.cfg.Hosts[0]
		} else if isLoopback(hostname(reqHost)) {
			host = reqHost
		} else {
			return origin{}, errNoHost{reqHost}
		}
	}
	if !isLoopback(hostname(host)) {
		return origin{scheme: "https", host: host}, nil
	}
	return origin{scheme: s.requestScheme(r), host: host}, nil
}

// primaryOrigin is where a login breaks out to: the first host, top level.
func (s *SignIn) primaryOrigin(r *http.Request) (origin, error) {
	if s.fixed != nil || len(s.cfg.Hosts) == 0 {
		return s.originFor(r)
	}
	host := s.cfg.Hosts[0]
	if !isLoopback(hostname(host)) {
		return origin{scheme: "https", host: host}, nil
	}
	return origin{scheme: s.requestScheme(r), host: host}, nil
}

func (s *SignIn) requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if s.cfg.TrustForwardedProto {
		// The first value is the one the outermost proxy saw.
		p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
		if strings.EqualFold(strings.TrimSpace(p), "https") {
			return "https"
		}
	}
	return "http"
}

// hostname strips the port from host:port.
func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.Trim(h, "[]")
	}
	return strings.Trim(hostport, "[]")
}

// isLoopback reports whether host (no port) always means this machine:
// localhost, *.localhost (RFC 6761 §6.3) and loopback addresses.
func isLoopback(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// safeReturn returns target when it is a path on this app, and "" when it
// is not: absolute URLs, scheme-relative "//host" and "/\host" (which
// browsers treat as "//host"), and control characters are refused, so the
// return-to parameter cannot become an open redirect.
func safeReturn(target string) string {
	if target == "" || target[0] != '/' || len(target) > 2048 {
		return ""
	}
	if strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return ""
	}
	for _, c := range target {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	return target
}

// framed reports whether the browser says the request loads a page into a
// frame. Chromium, Firefox and Safari (16.4+) send Sec-Fetch-Dest on
// navigations; without it the page is taken as top level.
func framed(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "iframe", "frame", "embed", "object":
		return true
	}
	return false
}

// wantsJSON reports whether the request comes from a script rather than a
// navigation: such a request gets a JSON 401 instead of a redirect to the
// provider, which fetch and XMLHttpRequest could not follow usefully.
func wantsJSON(r *http.Request) bool {
	if strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest") {
		return true
	}
	switch r.Header.Get("Sec-Fetch-Mode") {
	case "cors", "same-origin", "no-cors":
		return true
	case "navigate":
		return false
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// Cookies.

// cookieName returns the cookie's name for the origin: with the __Host-
// prefix over https (the browser then insists on Secure, Path=/ and no
// Domain, so a neighbouring host cannot plant it).
func cookieName(base string, o origin) string {
	if o.secure() {
		return "__Host-" + base
	}
	return base
}

// newCookie returns a cookie for the origin: over https SameSite=None,
// Secure and Partitioned, which is what keeps it alive inside the Spaces
// iframe (a third-party context); over http SameSite=Lax, the most a
// browser allows without Secure.
func (s *SignIn) newCookie(o origin, base, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{
		Name:     cookieName(base, o),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   o.secure(),
	}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
		if c.MaxAge == 0 {
			c.MaxAge = 1
		}
	} else {
		c.MaxAge = -1
	}
	switch {
	case o.secure() && s.cfg.Cookie.SameSite != 0:
		c.SameSite = s.cfg.Cookie.SameSite
	case o.secure():
		c.SameSite = http.SameSiteNoneMode
	case s.cfg.Cookie.SameSite != 0 && s.cfg.Cookie.SameSite != http.SameSiteNoneMode:
		c.SameSite = s.cfg.Cookie.SameSite
	default:
		c.SameSite = http.SameSiteLaxMode
	}
	c.Partitioned = o.secure() && !s.cfg.Cookie.Unpartitioned
	return c
}

// clearCookie expires a cookie with the attributes it was set with: a
// Partitioned cookie is only removed by a Partitioned deletion, and a
// __Host- one only by a Secure one.
func (s *SignIn) clearCookie(w http.ResponseWriter, o origin, base string) {
	http.SetCookie(w, s.newCookie(o, base, "", 0))
}

// readCookie returns the value of the named cookie for the origin, also
// accepting the unprefixed name a plain-http visit to the same host set.
func readCookie(r *http.Request, base string, o origin) (string, bool) {
	if c, err := r.Cookie(cookieName(base, o)); err == nil {
		return c.Value, true
	}
	if o.secure() {
		if c, err := r.Cookie(base); err == nil {
			return c.Value, true
		}
	}
	return "", false
}

// Random values and digests.

// randomToken returns n random bytes, base64url encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// digest is the base64url SHA-256 of s: how secrets appear in store keys.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// flowID names a flow after its state: the first 16 hex digits of
// SHA-256(state). It appears in the flow cookie's name and the store key,
// so a tab's callback finds its own flow among several in progress.
func flowID(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:8])
}

// validFlowID reports whether s looks like a flowID.
func validFlowID(s string) bool {
	if len(s) != 16 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// validToken reports whether s looks like a randomToken of n bytes.
func validToken(s string, n int) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(n) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// constantEqual compares two secrets in constant time.
func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
