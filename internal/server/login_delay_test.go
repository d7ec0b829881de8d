package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/provider"
)

// TestFailedLoginDelay: every failed login waits FailedLoginDelay (300 ms
// by default), a wrong password and an unknown username alike, so neither
// guessing nor timing tells them apart; a successful login does not wait.
// The sleep is injected and recorded: nothing here measures time.
func TestFailedLoginDelay(t *testing.T) {
	cases := []struct {
		name               string
		delay              time.Duration // Config.FailedLoginDelay
		username, password string
		status             int
		want               []time.Duration // the sleeps asked for
	}{
		{"wrong-password", 0, "alice", "not her password", http.StatusUnauthorized, []time.Duration{300 * time.Millisecond}},
		{"unknown-user", 0, "mallory", "not her password", http.StatusUnauthorized, []time.Duration{300 * time.Millisecond}},
		{"other-users-password", 0, "alice", bobPassword, http.StatusUnauthorized, []time.Duration{300 * time.Millisecond}},
		{"empty-password", 0, "alice", "", http.StatusUnauthorized, []time.Duration{300 * time.Millisecond}},
		{"configured-delay", 2 * time.Second, "mallory", "x", http.StatusUnauthorized, []time.Duration{2 * time.Second}},
		{"disabled", -1, "mallory", "x", http.StatusUnauthorized, nil},
		{"success", 0, "alice", alicePassword, http.StatusSeeOther, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var slept []time.Duration
			h := newHubWith(t, func(c *provider.Config) {
				c.FailedLoginDelay = tc.delay
				c.Sleep = func(_ context.Context, d time.Duration) {
					mu.Lock()
					slept = append(slept, d)
					mu.Unlock()
				}
			})
			b := h.browser()
			resp, _ := b.send("POST", "/login", url.Values{"username": {tc.username}, "password": {tc.password}, "next": {"/"}}.Encode(), b.sameOrigin())
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.status)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(slept, tc.want) {
				t.Errorf("sleeps = %v, want %v", slept, tc.want)
			}
		})
	}
}
