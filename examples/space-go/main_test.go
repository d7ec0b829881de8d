package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

	outsider := p.BrowserAs(t, p.AddUser(t, "bob"))
	if r := outsider.Get(app.URL + "/org"); r.StatusCode != http.StatusForbidden {
		t.Errorf("/org for an outsider: %d\n%s", r.StatusCode, r.Body)
	}
}
