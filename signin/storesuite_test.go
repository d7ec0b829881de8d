package signin_test

import (
	"testing"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// TestStores runs the Store conformance suite against the stores the SDK
// ships: MemoryStore as New makes it, a small bounded one, and the zero
// value.
func TestStores(t *testing.T) {
	stores := map[string]func(t *testing.T) signin.Store{
		"MemoryStore":     func(*testing.T) signin.Store { return signin.NewMemoryStore(0, nil) },
		"MemoryStore/100": func(*testing.T) signin.Store { return signin.NewMemoryStore(100, nil) },
		"MemoryStore/zero": func(*testing.T) signin.Store {
			var m signin.MemoryStore
			return &m
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) { signintest.TestStore(t, newStore) })
	}
}
