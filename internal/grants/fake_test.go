package grants

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// fakeStore is an in-memory store with the semantics store.Store documents
// for the methods the token endpoint uses: enough to test the grants
// without a database. The conformance suite (internal/store/storetest)
// holds the real backends to the same semantics.
type fakeStore struct {
	mu      sync.Mutex
	apps    map[string]store.App
	users   map[string]store.User
	tokens  map[store.Digest]store.Token
	codes   map[store.Digest]store.AuthCode // redeemed
	devices map[store.Digest]store.DeviceCode
	members map[string][]store.Membership // by user id
}

var _ interface {
	HandlerStore
	CodeStore
	RefreshStore
	DeviceStore
} = (*fakeStore)(nil)

func newFakeStore() *fakeStore {
	return &fakeStore{
		apps: map[string]store.App{}, users: map[string]store.User{}, tokens: map[store.Digest]store.Token{},
		codes: map[store.Digest]store.AuthCode{}, devices: map[store.Digest]store.DeviceCode{}, members: map[string][]store.Membership{},
	}
}

func (f *fakeStore) App(_ context.Context, id string) (store.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apps[id]
	if !ok {
		return a, store.ErrNotFound
	}
	return a, nil
}

func (f *fakeStore) Memberships(_ context.Context, userID string) ([]store.Membership, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.members[userID]), nil
}

func (f *fakeStore) User(_ context.Context, id string) (store.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return u, store.ErrNotFound
	}
	return u, nil
}

func (f *fakeStore) Token(_ context.Context, h store.Digest) (store.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[h]
	if !ok {
		return t, store.ErrNotFound
	}
	return t, nil
}

func (f *fakeStore) RevokeTokens(_ context.Context, flt store.TokenFilter, now time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for h, t := range f.tokens {
		match := t.RevokedAt.IsZero() &&
			(flt.Hash == store.Digest{} || flt.Hash == t.Hash) &&
			(flt.CodeHash == store.Digest{} || flt.CodeHash == t.CodeHash) &&
			(flt.FamilyID == "" || flt.FamilyID == t.FamilyID) &&
			(flt.ClientID == "" || flt.ClientID == t.ClientID) &&
			(flt.UserID == "" || flt.UserID == t.UserID)
		if match {
			t.RevokedAt = now
			f.tokens[h] = t
			n++
		}
	}
	return n, nil
}

// insert stores issued tokens; the caller holds mu.
func (f *fakeStore) insert(issued []store.Token) error {
	for _, t := range issued {
		if _, ok := f.users[t.UserID]; !ok {
			return store.ErrNotFound
		}
		if _, ok := f.apps[t.ClientID]; !ok {
			return store.ErrNotFound
		}
	}
	for _, t := range issued {
		f.tokens[t.Hash] = t
	}
	return nil
}

func (f *fakeStore) RedeemCode(_ context.Context, c store.AuthCode, now time.Time, issued []store.Token) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.codes[c.Hash]; ok {
		return store.ErrCodeUsed
	}
	if err := f.insert(issued); err != nil {
		return err
	}
	c.UsedAt = now
	f.codes[c.Hash] = c
	return nil
}

func (f *fakeStore) RotateRefresh(_ context.Context, h store.Digest, now time.Time, sealed []byte, issued []store.Token) (store.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[h]
	switch {
	case !ok || t.Kind != store.KindRefresh:
		return store.Token{}, store.ErrNotFound
	case !t.RotatedAt.IsZero():
		return t, store.ErrTokenRotated
	case !t.RevokedAt.IsZero():
		return store.Token{}, store.ErrNotFound
	}
	if err := f.insert(issued); err != nil {
		return store.Token{}, err
	}
	t.RotatedAt, t.Successor = now, slices.Clone(sealed)
	f.tokens[h] = t
	return t, nil
}

func (f *fakeStore) CreateDeviceCode(_ context.Context, d store.DeviceCode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.devices {
		if o.Hash == d.Hash || o.UserCodeHash == d.UserCodeHash {
			return store.ErrAlreadyExists
		}
	}
	f.devices[d.Hash] = d
	return nil
}

func (f *fakeStore) DeviceCode(_ context.Context, h store.Digest) (store.DeviceCode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devices[h]
	if !ok {
		return d, store.ErrNotFound
	}
	return d, nil
}

func (f *fakeStore) UpdateDeviceCode(_ context.Context, h store.Digest, update func(*store.DeviceCode) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devices[h]
	if !ok {
		return store.ErrNotFound
	}
	if err := update(&d); err != nil {
		return err
	}
	f.devices[h] = d
	return nil
}

func (f *fakeStore) RedeemDeviceCode(_ context.Context, h store.Digest, now time.Time, issued []store.Token) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devices[h]
	switch {
	case !ok:
		return store.ErrNotFound
	case !d.UsedAt.IsZero():
		return store.ErrCodeUsed
	case d.Status != store.DeviceApproved:
		return errors.New("fake store: device code not approved")
	}
	if err := f.insert(issued); err != nil {
		return err
	}
	d.UsedAt = now
	f.devices[h] = d
	return nil
}

// live counts the tokens that are neither revoked nor rotated.
func (f *fakeStore) live() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.tokens {
		if t.RevokedAt.IsZero() && t.RotatedAt.IsZero() {
			n++
		}
	}
	return n
}

// fakeSigner "signs" by naming the algorithm; the grants never read what
// they sign.
type fakeSigner struct{}

func (fakeSigner) Sign(_ context.Context, alg string, _ any) (string, error) {
	return "signed-with-" + alg, nil
}
