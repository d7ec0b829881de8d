package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/hubid/hubid/internal/store"
)

// Secrets runs the tests of named server secrets, which are generated
// once, also when callers race.
func Secrets(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Secret", x.secret},
		{"Secret/Concurrent", x.secretConcurrent},
	})
}

func (x suite) secret(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	v1 := bytes.Repeat([]byte{1}, 32)
	got, err := s.Secret(ctx, "cookie", func() ([]byte, error) { return v1, nil })
	must(t, err)
	diff(t, "new secret", v1, got)
	got, err = s.Secret(ctx, "cookie", func() ([]byte, error) {
		t.Error("gen called for an existing secret")
		return bytes.Repeat([]byte{9}, 32), nil
	})
	must(t, err)
	diff(t, "existing secret", v1, got)

	boom := errors.New("boom")
	_, err = s.Secret(ctx, "csrf", func() ([]byte, error) { return nil, boom })
	wantErr(t, "Secret with failing gen", err, boom)
	v2 := bytes.Repeat([]byte{2}, 64)
	got, err = s.Secret(ctx, "csrf", func() ([]byte, error) { return v2, nil })
	must(t, err)
	diff(t, "secret after failed gen", v2, got)
	got, err = s.Secret(ctx, "cookie", func() ([]byte, error) { return nil, boom })
	must(t, err)
	diff(t, "first secret again", v1, got)
}

func (x suite) secretConcurrent(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	const n = 10
	got := make([][]byte, n)
	errs := concurrently(n, func(i int) (err error) {
		got[i], err = s.Secret(ctx, "cookie", func() ([]byte, error) {
			return bytes.Repeat([]byte{byte(i + 1)}, 32), nil
		})
		return err
	})
	for i := range n {
		must(t, errs[i])
		if len(got[i]) != 32 {
			t.Fatalf("goroutine %d got %d bytes", i, len(got[i]))
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Errorf("goroutine %d got %x, goroutine 0 got %x", i, got[i], got[0])
		}
	}
}
