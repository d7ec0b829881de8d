package secretbox

import (
	"context"
	"fmt"

	"github.com/hubid/hubid/internal/store"
)

// Backing is the part of store.Store that holds secrets: what Store wraps.
type Backing interface {
	Keys(ctx context.Context) ([]store.SigningKey, error)
	UpdateKeys(ctx context.Context, update func([]store.SigningKey) ([]store.SigningKey, error)) error
	Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error)
}

// Store seals what it writes to its Backing and opens what it reads. It
// implements keys.Store and the Secret method of store.Store. With a nil
// key it passes everything through as it is (in-process tests, signintest)
// but still refuses a sealed database.
type Store struct {
	st  Backing
	key *Key
}

// Open checks st against key and returns the Store: a database sealed
// with another key, or sealed when key is nil, is refused (*WrongKeyError,
// *KeyNeededError). With a key, plaintext signing keys (a database written
// before sealing, or by an older hubid) are sealed in place.
//
// The migration is one UpdateKeys transaction that seals only what is
// still plaintext: interrupted, it committed all or nothing; run by two
// processes at once, the second finds the keys sealed and leaves them;
// run again, it finds nothing to do and writes nothing.
func Open(ctx context.Context, st Backing, key *Key) (*Store, error) {
	s := &Store{st: st, key: key}
	ks, err := st.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("secrets: load signing keys: %w", err)
	}
	plain := false
	for _, k := range ks {
		if err := s.check(k.PrivatePEM); err != nil {
			return nil, err
		}
		plain = plain || !Sealed(k.PrivatePEM)
	}
	if plain && key != nil {
		err := st.UpdateKeys(ctx, func(ks []store.SigningKey) ([]store.SigningKey, error) {
			out := make([]store.SigningKey, len(ks))
			for i, k := range ks {
				if err := s.check(k.PrivatePEM); err != nil {
					return nil, err
				}
				if !Sealed(k.PrivatePEM) {
					k.PrivatePEM = key.Seal(keyPurpose(k), k.PrivatePEM)
				}
				out[i] = k
			}
			return out, nil
		})
		if err != nil {
			return nil, fmt.Errorf("secrets: seal the plaintext signing keys: %w", err)
		}
	}
	return s, nil
}

// check refuses a value this Store's key cannot open because it was sealed
// with another key, or sealed at all when there is no key.
func (s *Store) check(v []byte) error {
	id, sealed := SealedWith(v)
	switch {
	case !sealed && Sealed(v):
		return fmt.Errorf("secrets: a sealed value in the database is malformed")
	case !sealed:
		return nil
	case s.key == nil:
		return &KeyNeededError{SealedWith: id}
	case id != s.key.ID():
		return &WrongKeyError{SealedWith: id, Have: s.key.ID()}
	}
	return nil
}

// keyPurpose is the additional data of a signing key: its id and
// algorithm, so that a sealed key moved to another row does not open.
func keyPurpose(k store.SigningKey) string { return "signing-key " + k.ID + " " + k.Alg }

// open returns k with its PrivatePEM opened. A plaintext PEM (written by
// an older hubid sharing the store after Open) is passed as it is; the next
// UpdateKeys seals it.
func (s *Store) open(k store.SigningKey) (store.SigningKey, error) {
	if err := s.check(k.PrivatePEM); err != nil {
		return k, err
	}
	if s.key == nil || !Sealed(k.PrivatePEM) {
		return k, nil
	}
	pem, err := s.key.Open(keyPurpose(k), k.PrivatePEM)
	if err != nil {
		return k, fmt.Errorf("secrets: signing key %s: %w", k.ID, err)
	}
	k.PrivatePEM = pem
	return k, nil
}

func (s *Store) openAll(ks []store.SigningKey) ([]store.SigningKey, error) {
	out := make([]store.SigningKey, len(ks))
	for i, k := range ks {
		var err error
		if out[i], err = s.open(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Keys implements keys.Store: the signing keys, opened.
func (s *Store) Keys(ctx context.Context) ([]store.SigningKey, error) {
	ks, err := s.st.Keys(ctx)
	if err != nil {
		return nil, err
	}
	return s.openAll(ks)
}

// UpdateKeys implements keys.Store: update sees the keys opened, and what
// it returns is sealed (with a key) before it is stored.
func (s *Store) UpdateKeys(ctx context.Context, update func([]store.SigningKey) ([]store.SigningKey, error)) error {
	return s.st.UpdateKeys(ctx, func(stored []store.SigningKey) ([]store.SigningKey, error) {
		ks, err := s.openAll(stored)
		if err != nil {
			return nil, err
		}
		ks, err = update(ks)
		if err != nil || s.key == nil {
			return ks, err
		}
		out := make([]store.SigningKey, len(ks))
		for i, k := range ks {
			if !Sealed(k.PrivatePEM) {
				k.PrivatePEM = s.key.Seal(keyPurpose(k), k.PrivatePEM)
			}
			out[i] = k
		}
		return out, nil
	})
}

// StoredName is the name under which Store keeps the secret name sealed
// with key: NAME@KEYID (name itself without a key).
func StoredName(name string, key *Key) string {
	if key == nil {
		return name
	}
	return name + "@" + key.ID()
}

// Secret is store.Store's Secret, sealed: the value lives under
// StoredName(name, key), sealed with name as additional data; gen makes
// the plaintext of a new one. Every process sharing the store gets the
// same value: the backing store's create-if-missing is atomic, and a
// loser of the race opens the winner's value.
//
// A plaintext value stored under name by an older hubid is not used (a
// copy of the database holds it), nor is a value sealed with a previous
// key (the previous key may be why it was rotated): with a new key come new
// secrets.
func (s *Store) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	if s.key == nil {
		return s.st.Secret(ctx, name, gen)
	}
	v, err := s.st.Secret(ctx, StoredName(name, s.key), func() ([]byte, error) {
		pt, err := gen()
		if err != nil {
			return nil, err
		}
		return s.key.Seal(secretPurpose(name), pt), nil
	})
	if err != nil {
		return nil, err
	}
	pt, err := s.key.Open(secretPurpose(name), v)
	if err != nil {
		return nil, fmt.Errorf("secrets: %s: %w", name, err)
	}
	return pt, nil
}

func secretPurpose(name string) string { return "secret " + name }

// Rotate re-seals every signing key from the key from to the key to, in
// one UpdateKeys transaction. Keys still in plaintext are sealed with to;
// keys already sealed with to are left as they are, so an interrupted or
// repeated rotation completes by running it again. A key sealed with
// neither is a *WrongKeyError naming it, and nothing is changed.
//
// The named secrets are not carried over: the processes started with to
// make fresh ones (see Secret), so that from and any copy of the database
// together no longer open a secret in use. It returns how many keys it
// re-sealed.
func Rotate(ctx context.Context, st Backing, from, to *Key) (int, error) {
	if from == nil || to == nil {
		return 0, fmt.Errorf("secrets: rotate needs the old and the new key")
	}
	if from.ID() == to.ID() {
		return 0, fmt.Errorf("secrets: the old and the new key are the same key (id %s)", from.ID())
	}
	var n int
	err := st.UpdateKeys(ctx, func(ks []store.SigningKey) ([]store.SigningKey, error) {
		n = 0
		out := make([]store.SigningKey, len(ks))
		for i, k := range ks {
			id, sealed := SealedWith(k.PrivatePEM)
			switch {
			case sealed && id == to.ID():
			case sealed && id == from.ID():
				pem, err := from.Open(keyPurpose(k), k.PrivatePEM)
				if err != nil {
					return nil, fmt.Errorf("signing key %s: %w", k.ID, err)
				}
				k.PrivatePEM = to.Seal(keyPurpose(k), pem)
				n++
			case sealed:
				return nil, &WrongKeyError{SealedWith: id, Have: from.ID()}
			case Sealed(k.PrivatePEM):
				return nil, fmt.Errorf("signing key %s: malformed sealed value", k.ID)
			default:
				k.PrivatePEM = to.Seal(keyPurpose(k), k.PrivatePEM)
				n++
			}
			out[i] = k
		}
		return out, nil
	})
	if err != nil {
		return 0, fmt.Errorf("secrets: rotate: %w", err)
	}
	return n, nil
}
