package protocol

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/hubid/hubid/internal/store"
)

// maxRedirectURILen bounds redirect URIs; real ones are far shorter, and
// gradio's carry only a short _target_url.
const maxRedirectURILen = 2048

// MatchRedirectURI reports whether requested is one of the registered
// redirect URIs, under the rules of hf-oauth-dialect §a.1 and RFC 8252 §7.3:
// an exact string match, except that for http on a loopback host
// (localhost, 127.0.0.1, [::1]) any port matches as long as scheme, host,
// path, query and user info are equal. Hosts are not aliased: localhost is
// not 127.0.0.1.
func MatchRedirectURI(registered []string, requested string) bool {
	if requested == "" || len(requested) > maxRedirectURILen {
		return false
	}
	for _, r := range registered {
		if r == requested {
			return !strings.Contains(requested, "#")
		}
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || req.Fragment != "" || req.RawFragment != "" || strings.Contains(requested, "#") {
		return false
	}
	if !isLoopbackIP(req.Hostname()) {
		return false
	}
	for _, r := range registered {
		reg, err := url.Parse(r)
		if err != nil || reg.Scheme != "http" {
			continue
		}
		if reg.Hostname() == req.Hostname() &&
			reg.EscapedPath() == req.EscapedPath() &&
			reg.RawQuery == req.RawQuery && reg.ForceQuery == req.ForceQuery &&
			reg.User.String() == req.User.String() {
			return true
		}
	}
	return false
}

// RedirectAllowed reports whether app accepts uri as the redirect URI of an
// authorization request: one of its registered redirect URIs
// (MatchRedirectURI) or, for a Space app, any URL on the Space's hosts
// (MatchSpaceRedirect).
func RedirectAllowed(app store.App, uri string) bool {
	return appAccepts(app, app.RedirectURIs, uri)
}

// PostLogoutRedirectAllowed is RedirectAllowed for RP-initiated logout's
// post_logout_redirect_uri: the app's registered post-logout URIs, or any
// URL on a Space's hosts.
func PostLogoutRedirectAllowed(app store.App, uri string) bool {
	return appAccepts(app, app.PostLogoutRedirectURIs, uri)
}

func appAccepts(app store.App, registered []string, uri string) bool {
	return MatchRedirectURI(registered, uri) || (app.SpaceID != "" && MatchSpaceRedirect(app.SpaceHosts, uri))
}

// isLoopbackIP reports whether host (without port or brackets) is one of the
// loopback names RFC 8252 allows any port on.
func isLoopbackIP(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// IsLoopbackHost reports whether host (a hostname without port) always
// resolves to this machine: localhost, any *.localhost name (RFC 6761 §6.3),
// and loopback IP addresses.
func IsLoopbackHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// MatchSpaceRedirect reports whether requested is an acceptable redirect URI
// for a Space served at hosts ("host" or "host:port", first one primary):
// any https URL on one of those hosts, with any path and query (gradio sends
// /login/callback?_target_url=…), or http when the host is a loopback host.
// User info and fragments are refused.
func MatchSpaceRedirect(hosts []string, requested string) bool {
	if requested == "" || len(requested) > maxRedirectURILen || strings.Contains(requested, "#") {
		return false
	}
	u, err := url.Parse(requested)
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return false
		}
	default:
		return false
	}
	for _, h := range hosts {
		if h != "" && strings.EqualFold(h, u.Host) {
			return true
		}
	}
	return false
}

// ValidateRedirectURI checks a redirect URI an app registers: an absolute
// URI without fragment; https, http only on a loopback host, or a private-use
// scheme for native apps (RFC 8252 §7.1). The error says what is wrong.
func ValidateRedirectURI(s string) error {
	if s == "" {
		return errors.New("redirect URI is empty")
	}
	if len(s) > maxRedirectURILen {
		return fmt.Errorf("redirect URI is longer than %d characters", maxRedirectURILen)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("redirect URI %q is not a URL: %v", s, err)
	}
	if strings.Contains(s, "#") {
		return fmt.Errorf("redirect URI %q has a fragment (#…); fragments are not allowed", s)
	}
	switch {
	case u.Scheme == "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", s)
		}
	case u.Scheme == "http":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", s)
		}
		if !IsLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URI %q uses http on a host that is not loopback; use https, or http://localhost, http://127.0.0.1 or http://[::1] for local development", s)
		}
	case u.Scheme == "":
		return fmt.Errorf("redirect URI %q is not absolute; give the full URL, e.g. https://example.com/login/callback", s)
	case strings.Contains(u.Scheme, "."):
		// Private-use scheme in reverse-domain form, e.g. com.example.app:/cb.
	default:
		return fmt.Errorf("redirect URI %q uses scheme %q; use https, http on loopback, or a reverse-domain private scheme such as com.example.app", s, u.Scheme)
	}
	return nil
}
