package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Keys runs the tests of the signing-key set, which UpdateKeys replaces
// whole, also when updaters race.
func Keys(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Keys", x.keys},
		{"Keys/Concurrent", x.keysConcurrent},
	})
}

func key(id, state string) store.SigningKey {
	return store.SigningKey{ID: id, Alg: "RS256", State: state,
		PrivatePEM: []byte("-----BEGIN PRIVATE KEY-----\n" + id + "\n-----END PRIVATE KEY-----\n"),
		CreatedAt:  t0, RotatedAt: at(time.Hour).In(cet)}
}

func (x suite) keys(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	got, err := s.Keys(ctx)
	must(t, err)
	diff(t, "Keys of a new store", []store.SigningKey(nil), got)

	k1, k2 := key("k1", store.KeyActive), key("k2", store.KeyNext)
	must(t, s.UpdateKeys(ctx, func(cur []store.SigningKey) ([]store.SigningKey, error) {
		diff(t, "updater input", []store.SigningKey(nil), cur)
		return []store.SigningKey{k2, k1}, nil
	}))
	got, err = s.Keys(ctx)
	must(t, err)
	diff(t, "Keys", []store.SigningKey{k2, k1}, got)

	// Rotation: the whole set is replaced, in the order returned.
	k1.State, k2.State = store.KeyVerifyOnly, store.KeyActive
	k3 := key("k3", store.KeyNext)
	k3.Alg = "ES256"
	rotated := []store.SigningKey{k1, k2, k3}
	must(t, s.UpdateKeys(ctx, func(cur []store.SigningKey) ([]store.SigningKey, error) {
		diff(t, "updater input", []store.SigningKey{key("k2", store.KeyNext), key("k1", store.KeyActive)}, cur)
		return rotated, nil
	}))
	got, err = s.Keys(ctx)
	must(t, err)
	diff(t, "Keys after rotation", rotated, got)

	boom := errors.New("boom")
	for _, tc := range []struct {
		name   string
		update func([]store.SigningKey) ([]store.SigningKey, error)
		want   error
	}{
		{"updater error", func(cur []store.SigningKey) ([]store.SigningKey, error) { return nil, boom }, boom},
		{"duplicate IDs", func(cur []store.SigningKey) ([]store.SigningKey, error) {
			return []store.SigningKey{key("k4", store.KeyActive), key("k4", store.KeyNext)}, nil
		}, nil},
	} {
		err := s.UpdateKeys(ctx, tc.update)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: UpdateKeys error %v, want %v", tc.name, err, tc.want)
		}
		got, err := s.Keys(ctx)
		must(t, err)
		diff(t, tc.name+": Keys after failed UpdateKeys", rotated, got)
	}

	must(t, s.UpdateKeys(ctx, func([]store.SigningKey) ([]store.SigningKey, error) { return nil, nil }))
	got, err = s.Keys(ctx)
	must(t, err)
	diff(t, "Keys after emptying", []store.SigningKey(nil), got)
}

func (x suite) keysConcurrent(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	const n = 10
	for _, err := range concurrently(n, func(i int) error {
		return s.UpdateKeys(ctx, func(cur []store.SigningKey) ([]store.SigningKey, error) {
			return append(cur, key(fmt.Sprintf("k%d", i), store.KeyNext)), nil
		})
	}) {
		must(t, err)
	}
	got, err := s.Keys(ctx)
	must(t, err)
	if len(got) != n {
		t.Errorf("after %d concurrent appends there are %d keys: updates were lost", n, len(got))
	}
}
