package storetest

import (
	"errors"
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
