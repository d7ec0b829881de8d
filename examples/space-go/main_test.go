package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// TestSpace signs in to the example against an in-process hubid and checks
// its three pages, for a member of demo-org and for someone who is not.
func TestSpace(t *testing.T) {
	p := signintest.NewProvider(t)
	cfg := p.Config()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(newHandler(s))
	defer app.Close()

	b := p.Browser(t)
	home := b.Get(app.URL + "/")
	if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, "Sign in with HF") {
		t.Fatalf("home: %d\n%s", home.StatusCode, home.Body)
	}
	me := b.Get(app.URL + "/me")
	if me.URL.Path != "/me" || me.StatusCode != http.StatusOK {
		t.Fatalf("/me: %s %d", me.URL, me.StatusCode)
	}
	for _, want := range []string{"@alice", "alice@example.com (verified)", "<code>read-repos</code>", "<dd>demo-org</dd>", "Sign out @alice", p.User.ID} {
		if !strings.Contains(me.Body, want) {
			t.Errorf("/me lacks %q:\n%s", want, me.Body)
		}
	}
	if r := b.Get(app.URL + "/org"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "you are a member of <code>demo-org</code>") {
		t.Errorf("/org for a member: %d\n%s", r.StatusCode, r.Body)
	}

	if r := b.Get(app.URL + "/orgs"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "<strong>demo-org</strong>: not granted") {
		t.Errorf("/orgs before granting demo-org: %d\n%s", r.StatusCode, r.Body)
	}

	outsider := p.BrowserAs(t, p.AddUser(t, "bob"))
	if r := outsider.Get(app.URL + "/org"); r.StatusCode != http.StatusForbidden {
		t.Errorf("/org for an outsider: %d\n%s", r.StatusCode, r.Body)
	}
}

// TestSpaceGrantedOrg: an app that asks for demo-org (orgIds) gets it
// granted, and /orgs says so with the user's role.
func TestSpaceGrantedOrg(t *testing.T) {
	p := signintest.NewProvider(t)
	cfg := p.Config()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.AuthParams = url.Values{"orgIds": {p.OrgID}}
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(newHandler(s))
	defer app.Close()
	if r := p.Browser(t).Get(app.URL + "/orgs"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "<strong>demo-org</strong>: granted (") {
		t.Errorf("/orgs with demo-org granted: %d\n%s", r.StatusCode, r.Body)
	}
}
