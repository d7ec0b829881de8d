package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/store"
)

// TestLoginByEmail: the username field takes an email too, in any case;
// every failure (wrong password, unknown address, someone else's address,
// an address two users share) answers the one generic message.
func TestLoginByEmail(t *testing.T) {
	h := newHub(t)
	carol := store.User{ID: accounts.NewID(), Username: "carol", Email: "Shared@example.com", PasswordHash: aliceHash, CreatedAt: h.clock.Now()}
	dave := store.User{ID: accounts.NewID(), Username: "dave", Email: "shared@EXAMPLE.com", PasswordHash: aliceHash, CreatedAt: h.clock.Now()}
	for _, u := range []store.User{carol, dave} {
		if err := h.db.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}

	for _, input := range []string{"alice@example.com", "Alice@Example.COM"} {
		b := h.browser()
		resp, body := b.postForm("/login", url.Values{"username": {input}, "password": {alicePassword}, "next": {"/settings/tokens"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/settings/tokens" || !strings.Contains(body, "@alice") {
			t.Errorf("sign in as %s: %d at %s: %.300s", input, resp.StatusCode, resp.Request.URL, body)
		}
	}

	for _, tc := range []struct{ name, input, password string }{
		{"wrong password", "alice@example.com", "wrong horse battery"},
		{"unknown address", "mallory@example.com", alicePassword},
		{"someone else's address", "bob@example.com", alicePassword},
		{"shared address", "shared@example.com", alicePassword},
		{"just an @", "@", alicePassword},
	} {
		resp, body := h.browser().postForm("/login", url.Values{"username": {tc.input}, "password": {tc.password}, "next": {"/"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Incorrect username or password.") {
			t.Errorf("%s: %d %.300s", tc.name, resp.StatusCode, body)
		}
		if !strings.Contains(body, `value="`+tc.input+`"`) {
			t.Errorf("%s: the form does not keep what was typed: %.600s", tc.name, body)
		}
	}
	// Who shares an address still signs in by username.
	h.browser().login("carol", alicePassword)
}

// TestLoginLimitByTypedInput: the per-(name, IP) limit counts what was
// typed, ignoring case. Failures under alice's username do not refuse her
// email (which would tell the guesser whose address it is), and case
// variants of one input share one budget; the per-IP limit bounds all.
func TestLoginLimitByTypedInput(t *testing.T) {
	h := limitedHub(t, true, map[limits.Kind]int{limits.LoginUserIP: 2, limits.LoginIP: 100})
	const attacker = "198.51.100.7"
	b := h.browser()
	for range 2 {
		if resp, body := b.loginFrom(attacker, "alice", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess: %d %.300s", resp.StatusCode, body)
		}
	}
	resp, body := b.loginFrom(attacker, "alice", "guess")
	wantTooManyPage(t, resp, body, "Too many sign-in attempts")

	// Her address is another input: its own budget, so the 429 above
	// says nothing about which address is alice's.
	for range 2 {
		if resp, body := b.loginFrom(attacker, "alice@example.com", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess by email: %d %.300s", resp.StatusCode, body)
		}
	}
	resp, body = b.loginFrom(attacker, "ALICE@example.COM", alicePassword)
	wantTooManyPage(t, resp, body, "Too many sign-in attempts")
}
