package server_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/provider"
)

// limitedHub is a hub with the given limits, N per minute each; the test
// server (127.0.0.1) is a trusted proxy, so X-Forwarded-For picks the
// client IP, unless untrusted.
func limitedHub(t *testing.T, trusted bool, ls map[limits.Kind]int) *hub {
	t.Helper()
	cfg := limits.Config{Limits: map[limits.Kind]limits.Limit{}}
	for k, n := range ls {
		cfg.Limits[k] = limits.Limit{N: n, Per: time.Minute}
	}
	if trusted {
		cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	return newHubWith(t, func(c *provider.Config) { c.Limits = &cfg })
}

// loginFrom posts the login form as if from ip (through the proxy).
func (b *browser) loginFrom(ip, username, password string) (*http.Response, string) {
	b.h.t.Helper()
	hdr := b.sameOrigin()
	hdr["X-Forwarded-For"] = ip
	return b.send("POST", "/login", url.Values{"username": {username}, "password": {password}, "next": {"/"}}.Encode(), hdr)
}

func wantTooManyPage(t *testing.T, resp *http.Response, body, heading string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, heading) {
		t.Fatalf("want a 429 page %q with Retry-After; got %d (Retry-After %q): %.400s", heading, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestLoginLimitPerUserAndIP: after N wrong passwords for alice from one
// IP, that IP gets 429 for alice, even with her password; alice from
// another IP signs in at once, as often as she likes (successes do not
// count), and the attacking IP may still try other names.
func TestLoginLimitPerUserAndIP(t *testing.T) {
	h := limitedHub(t, true, map[limits.Kind]int{limits.LoginUserIP: 3, limits.LoginIP: 100})
	const attacker, home = "198.51.100.7", "203.0.113.5"
	b := h.browser()
	for i := range 3 {
		if resp, body := b.loginFrom(attacker, "alice", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %.300s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := b.loginFrom(attacker, "alice", "guess")
	wantTooManyPage(t, resp, body, "Too many sign-in attempts")
	resp, body = b.loginFrom(attacker, "ALICE", alicePassword)
	wantTooManyPage(t, resp, body, "Too many sign-in attempts")

	for i := range 5 {
		if resp, body := h.browser().loginFrom(home, "alice", alicePassword); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("alice from her own address, login %d: %d %.300s", i+1, resp.StatusCode, body)
		}
	}
	if resp, body := b.loginFrom(attacker, "bob", "guess"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another name from the attacking address: %d %.300s", resp.StatusCode, body)
	}
	h.clock.Advance(20 * time.Second) // one attempt per 20 s comes back
	if resp, body := b.loginFrom(attacker, "alice", "guess"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after the refill: %d %.300s", resp.StatusCode, body)
	}
	if resp, body := b.loginFrom(attacker, "alice", "guess"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("one refill allowed two guesses: %d %.300s", resp.StatusCode, body)
	}
}

// TestLoginLimitPerIP: N failures from one IP, whatever the names, and
// that IP gets 429; other IPs do not.
func TestLoginLimitPerIP(t *testing.T) {
	h := limitedHub(t, true, map[limits.Kind]int{limits.LoginUserIP: 100, limits.LoginIP: 3})
	b := h.browser()
	for i, name := range []string{"alice", "bob", "mallory"} {
		if resp, body := b.loginFrom("198.51.100.7", name, "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %.300s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := b.loginFrom("198.51.100.7", "carol", "guess")
	wantTooManyPage(t, resp, body, "Too many sign-in attempts")
	if resp, body := b.loginFrom("203.0.113.5", "bob", bobPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob from another address: %d %.300s", resp.StatusCode, body)
	}
}

// TestLoginLimitSpoofedForwardedFor: without trusted proxies a forged
// X-Forwarded-For changes nothing: the guesses count against the peer.
func TestLoginLimitSpoofedForwardedFor(t *testing.T) {
	h := limitedHub(t, false, map[limits.Kind]int{limits.LoginUserIP: 3})
	b := h.browser()
	for i := range 3 {
		if resp, body := b.loginFrom("198.51.100."+string(rune('1'+i)), "alice", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %.300s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := b.loginFrom("198.51.100.9", "alice", "guess")
	wantTooManyPage(t, resp, body, "Too many sign-in attempts")
}

// TestUserCodeLimit: user-code entry is limited per session and per IP.
func TestUserCodeLimit(t *testing.T) {
	h := limitedHub(t, true, map[limits.Kind]int{limits.UserCodeSession: 2, limits.UserCodeIP: 3})
	a := protocol.UserCodeAlphabet
	wrongCode := strings.Repeat(a[:1], 4) + "-" + strings.Repeat(a[1:2], 4) // well formed, waits for nothing
	confirm := func(b *browser, ip string) (*http.Response, string) {
		hdr := b.sameOrigin()
		hdr["X-Forwarded-For"] = ip
		return b.send("POST", "/oauth/device/confirm", url.Values{"user_code": {wrongCode}}.Encode(), hdr)
	}
	b1 := h.browser()
	b1.signIn(h.alice)
	for i := range 2 {
		if resp, body := confirm(b1, "198.51.100.7"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("code %d: %d %.300s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := confirm(b1, "198.51.100.7")
	wantTooManyPage(t, resp, body, "Too many codes")
	// The session is limited from any address.
	resp, body = confirm(b1, "203.0.113.5")
	wantTooManyPage(t, resp, body, "Too many codes")

	b2 := h.browser()
	b2.signIn(h.bob)
	if resp, body := confirm(b2, "198.51.100.7"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another session, same address: %d %.300s", resp.StatusCode, body)
	}
	// Three entries from 198.51.100.7 now: the address is spent.
	b3 := h.browser()
	b3.signIn(h.bob)
	resp, body = confirm(b3, "198.51.100.7")
	wantTooManyPage(t, resp, body, "Too many codes")
	if resp, body := confirm(b3, "203.0.113.5"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a fresh session from another address: %d %.300s", resp.StatusCode, body)
	}
	// A real code goes through once the session's bucket refills.
	d := h.startDevice(false, nil)
	h.clock.Advance(time.Minute)
	resp, body = b1.decideDevice(d.UserCode, "allow")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("device approval after the refill: %d %.300s", resp.StatusCode, body)
	}
}

// TestAuthorizeLimit: the authorization endpoint takes N requests per IP.
func TestAuthorizeLimit(t *testing.T) {
	h := limitedHub(t, true, map[limits.Kind]int{limits.Authorize: 2})
	b := h.browser()
	get := func(ip string) (*http.Response, string) {
		q := url.Values{"client_id": {h.pub.ClientID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s"}}
		return b.send("GET", "/oauth/authorize?"+q.Encode(), "", map[string]string{"X-Forwarded-For": ip})
	}
	for i := range 2 {
		if resp, body := get("198.51.100.7"); resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("request %d limited: %.300s", i+1, body)
		}
	}
	resp, body := get("198.51.100.7")
	wantTooManyPage(t, resp, body, "Too many requests")
	if resp, body := get("203.0.113.5"); resp.StatusCode == http.StatusTooManyRequests {
		t.Fatalf("another address limited: %.300s", body)
	}
}
