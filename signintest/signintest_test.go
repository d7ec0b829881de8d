package signintest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/oidc"
	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

func app(t *testing.T, cfg signin.Config) *httptest.Server {
	t.Helper()
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	mux.Handle("GET /me", s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "@%s", s.User(r).Username)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestProvider: the provider serves HF's discovery, and a Browser signs in
// to a signin app as the seeded user or as an added one.
func TestProvider(t *testing.T) {
	p := signintest.NewProvider(t)
	resp, err := http.Get(p.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var d oidc.Discovery
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if d.Issuer != p.URL || d.EndSessionEndpoint == "" {
		t.Errorf("discovery: %+v", d)
	}

	srv := app(t, p.Config())
	if r := p.Browser(t).Get(srv.URL + "/me"); r.StatusCode != http.StatusOK || r.Body != "@alice" {
		t.Errorf("seeded user: %d %q", r.StatusCode, r.Body)
	}
	bob := p.AddUser(t, "bob")
	if r := p.BrowserAs(t, bob).Get(srv.URL + "/me"); r.Body != "@bob" {
		t.Errorf("added user: %d %q", r.StatusCode, r.Body)
	}
}

// TestAuthorizedOrgs: with WithAuthorizedOrgs the provider refuses a
// non-member at authorize, as hf_oauth_authorized_org does.
func TestAuthorizedOrgs(t *testing.T) {
	p := signintest.NewProvider(t, signintest.WithAuthorizedOrgs(signintest.OrgName))
	srv := app(t, p.Config())
	if r := p.Browser(t).Get(srv.URL + "/me"); r.StatusCode != http.StatusOK {
		t.Errorf("member: %d", r.StatusCode)
	}
	r := p.BrowserAs(t, p.AddUser(t, "mallory")).Get(srv.URL + "/me")
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "only members of") {
		t.Errorf("non-member: %d %.500s", r.StatusCode, r.Body)
	}
}

// TestClockAndHosts: the provider and Config share the clock; AllowHosts
// turns the app into a Space app for hosts known only later.
func TestClockAndHosts(t *testing.T) {
	c := signintest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	p := signintest.NewProvider(t, signintest.WithClock(c.Now), signintest.WithTokenLifetime(time.Hour), signintest.WithRefreshTokens(false))
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	p.AllowHosts(t, host)
	cfg := p.Config()
	if len(cfg.Hosts) != 1 || cfg.Hosts[0] != host || cfg.Now() != c.Now() {
		t.Fatalf("config: %+v", cfg)
	}
	cfg.Prefix = "/auth" // any path on a Space host is accepted
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	mux.Handle("GET /me", s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, s.Token(r).Expiry.Sub(c.Now()))
	})))
	srv.Config.Handler = mux
	b := p.Browser(t)
	if r := b.Get(srv.URL + "/me"); r.StatusCode != http.StatusOK || r.Body != "1h0m0s" {
		t.Fatalf("login on a Space host: %s %d %q", r.URL, r.StatusCode, r.Body)
	}
	c.Advance(time.Hour)
	if r := b.Do(mustGet(t, srv.URL+"/me")); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after an hour: %d", r.StatusCode)
	}
}

func mustGet(t *testing.T, u string) *http.Request {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
