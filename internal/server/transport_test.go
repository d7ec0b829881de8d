package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/provider"
)

// loginRaw posts the login form without a cookie jar and returns the
// answer (its Set-Cookie headers unread).
func loginRaw(t *testing.T, h *hub) *http.Response {
	t.Helper()
	form := url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {"/"}}
	req, _ := http.NewRequest("POST", h.ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	return resp
}

// TestHTTPSCookieAndHSTS: with an https issuer, the session cookie is a
// __Host- cookie (Secure, Path=/, no Domain) and every answer carries
// Strict-Transport-Security; an http issuer (dev) keeps the plain cookie
// and sends no HSTS.
func TestHTTPSCookieAndHSTS(t *testing.T) {
	h := newHubWith(t, func(c *provider.Config) { c.Issuer = "https://hub.example" })
	resp := loginRaw(t, h)
	var sess *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "hubid_session") {
			sess = c
		}
	}
	if sess == nil || sess.Name != "__Host-hubid_session" || !sess.Secure || sess.Path != "/" || sess.Domain != "" {
		t.Fatalf("https session cookie %+v; want __Host-hubid_session, Secure, Path=/, no Domain", sess)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("https login answer: Strict-Transport-Security %q", got)
	}
	// The __Host- cookie is the session.
	req, _ := http.NewRequest("GET", h.ts.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: sess.Name, Value: sess.Value})
	home, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, home); !strings.Contains(body, "@alice") {
		t.Errorf("the __Host- cookie does not sign in: %.300s", body)
	}
	if got := home.Header.Get("Strict-Transport-Security"); got == "" {
		t.Error("https home page: no Strict-Transport-Security")
	}

	h = newHub(t)
	resp = loginRaw(t, h)
	var names []string
	for _, c := range resp.Cookies() {
		names = append(names, c.Name)
	}
	if len(names) != 1 || names[0] != "hubid_session" || resp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("http hub: cookies %v, HSTS %q; want hubid_session and no HSTS", names, resp.Header.Get("Strict-Transport-Security"))
	}
}
