package signin_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// newSpaceApp serves the test app over TLS as a Space at hosts (all under
// example.com, which httptest's certificate covers), and routes b's
// requests for them to it.
func newSpaceApp(t *testing.T, p *signintest.Provider, b *signintest.Browser, tune func(*signin.Config)) *testApp {
	t.Helper()
	a := newTestApp(t, p, tune)
	a.srv.Close()
	a.srv = httptest.NewTLSServer(appHandler(a.s))
	t.Cleanup(a.srv.Close)
	for _, h := range p.Config().Hosts {
		b.Route(h, a.srv)
	}
	return a
}

// TestSpaceCookies: served over https on a Space host, the callback URL is
// https://{SPACE_HOST}/login/callback and every cookie is
// __Host-…; Secure; SameSite=None; Partitioned; HttpOnly; Path=/, what
// keeps it alive inside the Spaces iframe.
func TestSpaceCookies(t *testing.T) {
	p := signintest.NewProvider(t, signintest.WithSpaceHosts("space.example.com"))
	b := p.Browser(t)
	newSpaceApp(t, p, b, nil)

	login := b.Do(mustRequest(t, "GET", "https://space.example.com/login/huggingface?_target_url=%2Fme"))
	auth, _ := url.Parse(login.Header.Get("Location"))
	if got := auth.Query().Get("redirect_uri"); got != "https://space.example.com/login/callback" {
		t.Errorf("redirect_uri %q", got)
	}
	checkCookies(t, login.Header, "__Host-hf_signin_flow_")

	callback := b.Authorize(auth.String())
	r := b.Do(mustRequest(t, "GET", callback))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/me" {
		t.Fatalf("callback: %d %q\n%.800s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	checkCookies(t, r.Header, "__Host-hf_signin")
	if me := b.Get("https://space.example.com/me"); me.StatusCode != http.StatusOK {
		t.Errorf("/me: %d", me.StatusCode)
	}
}

func checkCookies(t *testing.T, h http.Header, wantPrefix string) {
	t.Helper()
	found := false
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.MaxAge < 0 {
			continue
		}
		if strings.HasPrefix(c.Name, wantPrefix) {
			found = true
		}
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || c.SameSite != http.SameSiteNoneMode || !c.Partitioned || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie over https: %s", line)
		}
		if len(line) > 200 {
			t.Errorf("cookie is %d bytes: %s", len(line), line)
		}
	}
	if !found {
		t.Errorf("no %s… cookie set: %q", wantPrefix, h.Values("Set-Cookie"))
	}
}

// flowDroppingJar is a browser that never keeps flow cookies, as Safari
// inside the Spaces iframe.
type flowDroppingJar struct{ http.CookieJar }

func (j flowDroppingJar) SetCookies(u *url.URL, cs []*http.Cookie) {
	var keep []*http.Cookie
	for _, c := range cs {
		if !strings.Contains(c.Name, "_flow_") {
			keep = append(keep, c)
		}
	}
	j.CookieJar.SetCookies(u, keep)
}

// TestLoopBreakOut: a framed browser that loses every flow cookie is sent
// round at most MaxRedirects more times, then offered the Space's primary
// host in a new tab; a top-level browser is redirected there; if cookies
// fail even at top level, a page says that cookies are blocked. Nothing
// loops forever.
func TestLoopBreakOut(t *testing.T) {
	p := signintest.NewProvider(t, signintest.WithSpaceHosts("space.example.com", "custom.example.com"))
	b := p.Browser(t)
	newSpaceApp(t, p, b, nil)
	b.Client.Jar = flowDroppingJar{b.Jar}

	b.Framed = true
	r := b.Get("https://custom.example.com/login/huggingface?_target_url=%2Fme")
	const breakOut = "https://space.example.com/login/huggingface?_target_url=%2Fme&amp;_top=1"
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `href="`+breakOut+`" target="_blank" rel="noopener"`) {
		t.Fatalf("framed loop ended at %s (%d):\n%.1500s", r.URL, r.StatusCode, r.Body)
	}

	b.Framed = false
	r = b.Do(mustRequest(t, "GET", "https://custom.example.com/login/huggingface?_target_url=%2Fme&_nb_redirects=3"))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != strings.ReplaceAll(breakOut, "&amp;", "&") {
		t.Fatalf("top-level break-out: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = b.Get(r.Header.Get("Location"))
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "Cookies are blocked") {
		t.Fatalf("still no cookies at top level: %s (%d):\n%.1500s", r.URL, r.StatusCode, r.Body)
	}

	// The same browser with cookies allowed signs in at the primary host.
	b.Client.Jar = b.Jar
	r = b.Get("https://space.example.com/login/huggingface?_target_url=%2Fme&_top=1")
	if r.StatusCode != http.StatusOK || r.URL.String() != "https://space.example.com/me" {
		t.Fatalf("with cookies: %s (%d)", r.URL, r.StatusCode)
	}
}

// TestLoginButton: the button is a real link; framed (Sec-Fetch-Dest:
// iframe) it opens a new tab; signed in it offers to sign out.
func TestLoginButton(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	b := p.Browser(t)

	top := b.Get(a.url("/?x=1"))
	if !strings.Contains(top.Body, `<a class="hf-signin" href="/login/huggingface?_target_url=%2F%3Fx%3D1" style=`) ||
		strings.Contains(top.Body, "_blank") || !strings.Contains(top.Body, "<span>Sign in with HF</span>") ||
		!strings.Contains(top.Body, `<svg aria-hidden="true" focusable="false"`) {
		t.Errorf("top-level button: %s", top.Body)
	}
	// The face is drawn, not an emoji, which shows as an empty box where
	// no emoji font is installed.
	if strings.Contains(top.Body, "🤗") {
		t.Errorf("the button uses the 🤗 emoji: %s", top.Body)
	}
	b.Framed = true
	framed := b.Get(a.url("/"))
	if !strings.Contains(framed.Body, `target="_blank" rel="noopener"`) || !strings.Contains(framed.Body, "(opens in a new tab)") {
		t.Errorf("framed button: %s", framed.Body)
	}
	b.Framed = false
	b.Get(a.url("/login/huggingface"))
	in := b.Get(a.url("/"))
	if !strings.Contains(in.Body, `<a class="hf-signin hf-signout" href="/logout?_target_url=%2F"`) || !strings.Contains(in.Body, "Sign out @alice") {
		t.Errorf("signed-in button: %s", in.Body)
	}
}
