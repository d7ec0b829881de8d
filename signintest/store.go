package signintest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/signin"
)

// TestStore checks that the signin.Store made by newStore behaves as the
// SDK needs. Each subtest gets a store of its own from newStore. Run it
// from a test of your own Store:
//
//	func TestRedisStore(t *testing.T) {
//		signintest.TestStore(t, func(t *testing.T) signin.Store { return newRedisStore(t) })
//	}
//
// It checks that Get of a missing key answers signin.ErrNotFound (also
// when wrapped), that Put then Get returns the same bytes (binary, up to
// 32 KiB), that Put replaces a value and its expiry, that Delete removes a
// key and that deleting a missing key is no error, that keys are distinct
// (case included, since the SDK's keys are base64url), that an entry is
// not returned after its expiry, and that concurrent calls from many
// goroutines see their own writes (run it with -race).
//
// Expiry is checked with times already past when Put is called, measured
// with time.Now, so a store must read the current time (its own clock,
// or a database's); a store whose clock is injected should get time.Now
// from newStore. A bounded store must have room for a few hundred entries.
func TestStore(t *testing.T, newStore func(t *testing.T) signin.Store) {
	t.Helper()
	for _, c := range storeChecks {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			c.check(t, s)
		})
	}
}

// storeChecks are TestStore's subtests.
var storeChecks = []struct {
	name  string
	check func(t *testing.T, s signin.Store)
}{
	{"Missing", checkMissing},
	{"PutGet", checkPutGet},
	{"Overwrite", checkOverwrite},
	{"Delete", checkDelete},
	{"DistinctKeys", checkDistinctKeys},
	{"Expiry", checkExpiry},
	{"Concurrent", checkConcurrent},
}

// Keys shaped like the SDK's: "session/" + a base64url SHA-256, "flow/" +
// 16 hex digits.
const (
	sessionKeyA = "session/n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg"
	sessionKeyB = "session/N4BqGyHmFwwAl-QGXvRqfAo_tXSRc4iS0v1SfBdWcGG"
	flowKey     = "flow/3f2a9c0d1e4b5a67"
)

func storeCtx(t *testing.T) context.Context { return t.Context() }

func mustPut(t *testing.T, s signin.Store, key string, value []byte, expires time.Time) {
	t.Helper()
	if err := s.Put(storeCtx(t), key, value, expires); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func wantValue(t *testing.T, s signin.Store, key string, want []byte) {
	t.Helper()
	got, err := s.Get(storeCtx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v, want %d bytes", key, err, len(want))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %.64q (%d bytes), want %.64q (%d bytes)", key, got, len(got), want, len(want))
	}
}

func wantNotFound(t *testing.T, s signin.Store, key string) {
	t.Helper()
	got, err := s.Get(storeCtx(t), key)
	if !errors.Is(err, signin.ErrNotFound) {
		t.Fatalf("Get(%q) = %.64q, %v; want signin.ErrNotFound", key, got, err)
	}
}

func checkMissing(t *testing.T, s signin.Store) {
	wantNotFound(t, s, sessionKeyA)
	wantNotFound(t, s, flowKey)
}

func checkPutGet(t *testing.T, s signin.Store) {
	later := time.Now().Add(time.Hour)
	session := []byte(`{"user":{"sub":"64a1b2"},"at":"hf_oauth_x","rt":"hf_oauth_refresh_y"}`)
	mustPut(t, s, sessionKeyA, session, later)
	wantValue(t, s, sessionKeyA, session)

	binary := make([]byte, 32<<10)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	mustPut(t, s, flowKey, binary, later)
	wantValue(t, s, flowKey, binary)
	wantValue(t, s, sessionKeyA, session)
}

func checkOverwrite(t *testing.T, s signin.Store) {
	now := time.Now()
	mustPut(t, s, sessionKeyA, []byte("first"), now.Add(time.Hour))
	mustPut(t, s, sessionKeyA, []byte("second, longer than the first"), now.Add(2*time.Hour))
	wantValue(t, s, sessionKeyA, []byte("second, longer than the first"))
	mustPut(t, s, sessionKeyA, []byte("third"), now.Add(30*time.Minute)) // an earlier expiry is kept too
	wantValue(t, s, sessionKeyA, []byte("third"))
}

func checkDelete(t *testing.T, s signin.Store) {
	later := time.Now().Add(time.Hour)
	mustPut(t, s, sessionKeyA, []byte("a"), later)
	mustPut(t, s, flowKey, []byte("f"), later)
	if err := s.Delete(storeCtx(t), sessionKeyA); err != nil {
		t.Fatalf("Delete(%q): %v", sessionKeyA, err)
	}
	wantNotFound(t, s, sessionKeyA)
	wantValue(t, s, flowKey, []byte("f"))
	if err := s.Delete(storeCtx(t), sessionKeyA); err != nil {
		t.Errorf("Delete of a key already deleted: %v, want nil", err)
	}
	if err := s.Delete(storeCtx(t), "session/never-stored"); err != nil {
		t.Errorf("Delete of a key never stored: %v, want nil", err)
	}
	mustPut(t, s, sessionKeyA, []byte("again"), later)
	wantValue(t, s, sessionKeyA, []byte("again"))
}

func checkDistinctKeys(t *testing.T, s signin.Store) {
	later := time.Now().Add(time.Hour)
	keys := []string{sessionKeyA, sessionKeyB, "flow/" + sessionKeyA[len("session/"):], sessionKeyA + "x"}
	for i, k := range keys {
		mustPut(t, s, k, []byte{byte(i)}, later)
	}
	for i, k := range keys {
		wantValue(t, s, k, []byte{byte(i)})
	}
}

func checkExpiry(t *testing.T, s signin.Store) {
	now := time.Now()
	// Stored already expired: never returned.
	mustPut(t, s, flowKey, []byte("stale"), now.Add(-time.Second))
	wantNotFound(t, s, flowKey)
	// A live entry replaced by an expired one is gone: neither value comes
	// back (this is how a session past its end could otherwise linger).
	mustPut(t, s, sessionKeyA, []byte("live"), now.Add(time.Hour))
	wantValue(t, s, sessionKeyA, []byte("live"))
	mustPut(t, s, sessionKeyA, []byte("over"), now.Add(-time.Minute))
	wantNotFound(t, s, sessionKeyA)
	// Other entries are unaffected.
	mustPut(t, s, sessionKeyB, []byte("b"), now.Add(time.Hour))
	wantValue(t, s, sessionKeyB, []byte("b"))
}

func checkConcurrent(t *testing.T, s signin.Store) {
	const workers, rounds = 8, 50
	later := time.Now().Add(time.Hour)
	shared := "session/shared"
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := storeCtx(t)
			for i := range rounds {
				key := fmt.Sprintf("session/w%d-%d", w, i%5)
				val := fmt.Appendf(nil, "w%d round %d", w, i)
				if err := s.Put(ctx, key, val, later); err != nil {
					errs <- fmt.Errorf("Put(%q): %w", key, err)
					return
				}
				got, err := s.Get(ctx, key)
				if err != nil || !bytes.Equal(got, val) {
					errs <- fmt.Errorf("Get(%q) right after Put = %q, %v; want %q", key, got, err, val)
					return
				}
				if err := s.Put(ctx, shared, val, later); err != nil {
					errs <- fmt.Errorf("Put(%q): %w", shared, err)
					return
				}
				if got, err := s.Get(ctx, shared); err != nil || !bytes.HasPrefix(got, []byte("w")) {
					errs <- fmt.Errorf("Get(%q) = %q, %v; want a value some worker put", shared, got, err)
					return
				}
				if i%3 == 0 {
					if err := s.Delete(ctx, key); err != nil {
						errs <- fmt.Errorf("Delete(%q): %w", key, err)
						return
					}
					if got, err := s.Get(ctx, key); !errors.Is(err, signin.ErrNotFound) {
						errs <- fmt.Errorf("Get(%q) right after Delete = %q, %v; want signin.ErrNotFound", key, got, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
