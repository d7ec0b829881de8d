package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
)

// Checks shared by the aggregates' tests.

// opts compares store values: nil and empty lists are equal; times compare
// with their Equal method (cmp's default for types that have one).
var opts = cmp.Options{cmpopts.EquateEmpty()}

func diff(t *testing.T, what string, want, got any, extra ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, append(cmp.Options{opts}, extra...)...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// wantTokens checks that each token is stored exactly as given.
func wantTokens(t *testing.T, s store.Store, what string, toks []store.Token) {
	t.Helper()
	for _, tok := range toks {
		got, err := s.Token(t.Context(), tok.Hash)
		if err != nil {
			t.Errorf("%s: token %s: %v", what, tok.Kind, err)
			continue
		}
		diff(t, what+": token "+tok.Kind, tok, got)
	}
}

// wantNoTokens checks that none of the tokens was stored.
func wantNoTokens(t *testing.T, s store.Store, what string, toks []store.Token) {
	t.Helper()
	for _, tok := range toks {
		_, err := s.Token(t.Context(), tok.Hash)
		wantErr(t, what+": token "+tok.Kind+" stored", err, store.ErrNotFound)
	}
}

// concurrently calls f(0), …, f(n-1), each in its own goroutine, released
// together so that they overlap as much as the backend lets them, and
// returns their errors: errs[i] is f(i)'s.
func concurrently(n int, f func(i int) error) (errs []error) {
	errs = make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// race runs n contenders for something only one may have (redeeming a
// code, rotating a refresh token) concurrently: f(i) is contender i's
// attempt. It checks that exactly one succeeds and that the others fail
// with lost, naming them after who ("redeemer", "rotator"), and returns the
// winner: the first to succeed if several did. It stops the test if none
// did.
func race(t *testing.T, who string, n int, lost error, f func(i int) error) (winner int) {
	t.Helper()
	winner = -1
	for i, err := range concurrently(n, f) {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%ss %d and %d both succeeded", who, winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, lost):
			t.Errorf("%s %d: error %v, want %v", who, i, err, lost)
		}
	}
	if winner < 0 {
		t.Fatalf("no %s succeeded", who)
	}
	return winner
}
