package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/signintest"
)

// TestLoginLifetimes runs "hubid login" with the seeded hubid CLI app
// (30-day access tokens) against the real server handler on one injected
// clock: device login, then "hubid login --status" at day 29 refreshes
// (the refresh token outlives its access token); at day 58.5 the refreshed
// token stops at the family's end (day 60, twice the access-token
// lifetime); after it the login is gone.
func TestLoginLifetimes(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	ctx := context.Background()
	data := t.TempDir()
	st, err := openStore(data, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	creds, err := seedDemo(ctx, st, accounts.NewHasher(0), data)
	if err != nil {
		t.Fatal(err)
	}
	clock := signintest.NewClock(time.Now().Truncate(time.Second)) // one clock for the hub and the CLI
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	srv, err := provider.New(ctx, provider.Config{Issuer: ts.URL, Store: st, Now: clock.Now, FailedLoginDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	handler = srv.Handler()

	// The CLI on the same clock: polling waits until the person approved,
	// then moves the clock by the interval.
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	approved := make(chan struct{})
	newClient := func(e *env) *deviceClient {
		c := newDeviceClient(e)
		c.hub, c.clientID, c.now = ts.URL, creds.CLIClientID, clock.Now
		c.sleep = func(ctx context.Context, d time.Duration) error {
			select {
			case <-approved:
			case <-ctx.Done():
				return ctx.Err()
			}
			clock.Advance(d)
			return nil
		}
		return c
	}
	path := filepath.Join(t.TempDir(), "token.json")
	done := make(chan error, 1)
	go func() { done <- newClient(e).login(ctx, "", path, true) }()
	re := regexp.MustCompile(`\(or open (\S+)\)`)
	var m []string
	for deadline := time.Now().Add(20 * time.Second); m == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no code printed: %q", errb.String())
		}
		m = re.FindStringSubmatch(errb.String())
	}
	approveDevice(t, ts.URL, m[1], creds.Username, creds.Password)
	close(approved)
	if err := <-done; err != nil {
		t.Fatalf("login: %v; %s", err, errb.String())
	}
	loggedIn := clock.Now()
	tf := checkTokenFile(t, path)
	if got, want := time.Unix(tf.ExpiresAt, 0), loggedIn.Add(30*day); !got.Equal(want) {
		t.Fatalf("login: the token expires %v, want %v", got, want)
	}

	// status is "hubid login --status --json".
	var errb2 syncBuffer
	status := func() (loginJSON, error) {
		var out syncBuffer
		err := newClient(&env{stdout: &out, stderr: &errb2, getenv: e.getenv}).status(ctx, path, true)
		var res loginJSON
		if err == nil {
			if jerr := json.Unmarshal([]byte(out.String()), &res); jerr != nil {
				t.Fatalf("status --json: %v %q", jerr, out.String())
			}
		}
		return res, err
	}

	// Day 29 (an hour in): less than a day left; the refresh succeeds and
	// gives a full 30-day token.
	clock.Advance(29*day + time.Hour)
	res, err := status()
	if err != nil || !res.Refreshed {
		t.Fatalf("status at day 29: %v refreshed=%v; stderr %q", err, res.Refreshed, errb2.String())
	}
	if got, want := time.Unix(checkTokenFile(t, path).ExpiresAt, 0), clock.Now().Add(30*day); !got.Equal(want) {
		t.Errorf("refreshed at day 29: expires %v, want %v", got, want)
	}

	// Day 58.5: refreshing again works, but the family ends at day 60
	// (from the login), and so does the new access token.
	clock.Advance(29*day + 11*time.Hour)
	res, err = status()
	if err != nil || !res.Refreshed {
		t.Fatalf("status at day 58.5: %v refreshed=%v; stderr %q", err, res.Refreshed, errb2.String())
	}
	familyEnd := loggedIn.Add(60 * day)
	if got := time.Unix(checkTokenFile(t, path).ExpiresAt, 0); !got.Equal(familyEnd) {
		t.Errorf("refreshed at day 58.5: expires %v, want the family's end %v", got, familyEnd)
	}

	// After the family's end nothing refreshes: sign in again.
	clock.Advance(familyEnd.Sub(clock.Now()) + time.Second)
	if _, err := status(); !errors.Is(err, errLoginGone) {
		t.Errorf("status after the family's end: %v, want %v", err, errLoginGone)
	}
}
