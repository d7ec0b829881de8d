// Package keystest lets the in-process providers of one test binary share
// their signing keys: generating RSA keys takes a good part of a second, and
// a test binary starts hundreds of providers.
//
// Call Seed on a fresh store before provider.New (which then finds keys and
// generates none) and Remember after it (which keeps the first provider's
// keys for the next ones).
package keystest

import (
	"context"
	"slices"
	"sync"

	"github.com/hubid/hubid/internal/store"
)

// KeyStore is the part of the store the shared keys go through.
type KeyStore interface {
	Keys(ctx context.Context) ([]store.SigningKey, error)
	UpdateKeys(ctx context.Context, update func([]store.SigningKey) ([]store.SigningKey, error)) error
}

var shared struct {
	sync.Mutex
	keys []store.SigningKey
}

// Seed writes the shared keys into st, if a provider made them already.
func Seed(ctx context.Context, st KeyStore) error {
	shared.Lock()
	defer shared.Unlock()
	if shared.keys == nil {
		return nil
	}
	return st.UpdateKeys(ctx, func([]store.SigningKey) ([]store.SigningKey, error) {
		return slices.Clone(shared.keys), nil
	})
}

// Remember keeps st's keys as the shared ones, unless there are some.
func Remember(ctx context.Context, st KeyStore) error {
	shared.Lock()
	defer shared.Unlock()
	if shared.keys != nil {
		return nil
	}
	ks, err := st.Keys(ctx)
	if err != nil {
		return err
	}
	shared.keys = ks
	return nil
}
