package secretbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/secretbox"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
)

func newKey(t *testing.T, fill byte) *secretbox.Key {
	t.Helper()
	k, err := secretbox.NewKey(bytes.Repeat([]byte{fill}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// plainKeys are signing keys as a database written before sealing holds
// them. The PEMs are stand-ins: secretbox never parses them.
var plainKeys = []store.SigningKey{
	{ID: "k1", Alg: "RS256", State: store.KeyActive, PrivatePEM: []byte("-----BEGIN PRIVATE KEY-----\nrsa one\n-----END PRIVATE KEY-----\n")},
	{ID: "k2", Alg: "ES256", State: store.KeyNext, PrivatePEM: []byte("-----BEGIN PRIVATE KEY-----\nec two\n-----END PRIVATE KEY-----\n")},
}

func seedPlain(t *testing.T, db *sqlite.DB) {
	t.Helper()
	now := time.Unix(1_700_000_000, 0).UTC()
	err := db.UpdateKeys(context.Background(), func([]store.SigningKey) ([]store.SigningKey, error) {
		out := slices.Clone(plainKeys)
		for i := range out {
			out[i].CreatedAt, out[i].RotatedAt = now, now
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rawKeys(t *testing.T, db *sqlite.DB) []store.SigningKey {
	t.Helper()
	ks, err := db.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// checkPEMs: ks carry plainKeys' private keys, in order.
func checkPEMs(t *testing.T, what string, ks []store.SigningKey) {
	t.Helper()
	if len(ks) != len(plainKeys) {
		t.Fatalf("%s: %d keys, want %d", what, len(ks), len(plainKeys))
	}
	for i, k := range ks {
		if k.ID != plainKeys[i].ID || !bytes.Equal(k.PrivatePEM, plainKeys[i].PrivatePEM) {
			t.Errorf("%s: key %d is %s %q, want %s with its plaintext PEM", what, i, k.ID, k.PrivatePEM, plainKeys[i].ID)
		}
	}
}

// checkSealedWith: every stored private key is sealed with key, and none
// contains its plaintext.
func checkSealedWith(t *testing.T, db *sqlite.DB, key *secretbox.Key) {
	t.Helper()
	for _, k := range rawKeys(t, db) {
		if id, ok := secretbox.SealedWith(k.PrivatePEM); !ok || id != key.ID() {
			t.Errorf("stored key %s: sealed with %q (%v), want %s", k.ID, id, ok, key.ID())
		}
		if bytes.Contains(k.PrivatePEM, []byte("PRIVATE KEY")) {
			t.Errorf("stored key %s holds its PEM in the clear", k.ID)
		}
	}
}

func TestSealOpen(t *testing.T) {
	a, b := newKey(t, 1), newKey(t, 2)
	if a.ID() == b.ID() || len(a.ID()) != 8 {
		t.Fatalf("key ids %q and %q: want two distinct 8-digit ids", a.ID(), b.ID())
	}
	msg := []byte("the code key")
	sealed := a.Seal("secret code-key", msg)
	if !secretbox.Sealed(sealed) || bytes.Contains(sealed, msg) {
		t.Fatalf("Seal = %q: want a sealed value without the plaintext", sealed)
	}
	if again := a.Seal("secret code-key", msg); bytes.Equal(again, sealed) {
		t.Error("two seals of the same value are equal: the nonce is not fresh")
	}
	got, err := a.Open("secret code-key", sealed)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v; want the plaintext", got, err)
	}
	if _, err := a.Open("secret csrf-key", sealed); err == nil {
		t.Error("a value sealed for code-key opened as csrf-key")
	}
	_, err = b.Open("secret code-key", sealed)
	var wrong *secretbox.WrongKeyError
	if !errors.As(err, &wrong) || wrong.SealedWith != a.ID() ||
		!strings.Contains(err.Error(), "sealed with another key (id "+a.ID()) || !strings.Contains(err.Error(), "--secret-key-file") {
		t.Errorf("Open with another key: %v; want a WrongKeyError naming %s and --secret-key-file", err, a.ID())
	}
	// Flip one bit of the ciphertext: an error, never garbage.
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(string(sealed), "hubid-sealed:"))
	raw[len(raw)-1] ^= 1
	tampered := append([]byte("hubid-sealed:"), base64.RawURLEncoding.EncodeToString(raw)...)
	if got, err := a.Open("secret code-key", tampered); err == nil {
		t.Errorf("a tampered value opened: %q", got)
	}
	for _, bad := range []string{"", "hubid-sealed:", "hubid-sealed:!!", "plain"} {
		if _, err := a.Open("x", []byte(bad)); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, secretbox.KeySize)
	want, _ := secretbox.NewKey(raw)
	for _, text := range []string{
		base64.StdEncoding.EncodeToString(raw) + "\n",
		base64.RawURLEncoding.EncodeToString(raw),
		hex.EncodeToString(raw),
		"  " + hex.EncodeToString(raw) + "\r\n",
	} {
		k, err := secretbox.ParseKey([]byte(text))
		if err != nil || k.ID() != want.ID() {
			t.Errorf("ParseKey(%q) = %v, %v; want the key %s", text, k, err, want.ID())
		}
	}
	for _, text := range []string{"", "\n", "abc", base64.StdEncoding.EncodeToString(raw[:16]), "zz" + hex.EncodeToString(raw)[2:]} {
		if _, err := secretbox.ParseKey([]byte(text)); err == nil {
			t.Errorf("ParseKey(%q) accepted it", text)
		}
	}
	g1, g2 := secretbox.GenerateKey(), secretbox.GenerateKey()
	k1, err1 := secretbox.ParseKey(g1)
	k2, err2 := secretbox.ParseKey(g2)
	if err1 != nil || err2 != nil || k1.ID() == k2.ID() {
		t.Errorf("GenerateKey: %q (%v), %q (%v): want two different keys ParseKey reads", g1, err1, g2, err2)
	}
}

// TestMigratePlaintext: Open with a key seals the plaintext signing keys
// of an older database in place, the Store reads them back as they were,
// and opening again changes nothing.
func TestMigratePlaintext(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	seedPlain(t, db)
	key := newKey(t, 1)
	s, err := secretbox.Open(ctx, db, key)
	if err != nil {
		t.Fatal(err)
	}
	checkSealedWith(t, db, key)
	ks, err := s.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkPEMs(t, "Keys after the migration", ks)

	before := rawKeys(t, db)
	if _, err := secretbox.Open(ctx, db, key); err != nil {
		t.Fatal(err)
	}
	if after := rawKeys(t, db); !slices.EqualFunc(before, after, func(a, b store.SigningKey) bool { return bytes.Equal(a.PrivatePEM, b.PrivatePEM) }) {
		t.Error("a second Open re-sealed keys that were sealed already")
	}

	// Without a key, or with another one: refused, naming the key.
	_, err = secretbox.Open(ctx, db, nil)
	var needed *secretbox.KeyNeededError
	if !errors.As(err, &needed) || needed.SealedWith != key.ID() {
		t.Errorf("Open without a key: %v; want a KeyNeededError naming %s", err, key.ID())
	}
	_, err = secretbox.Open(ctx, db, newKey(t, 2))
	var wrong *secretbox.WrongKeyError
	if !errors.As(err, &wrong) || wrong.SealedWith != key.ID() {
		t.Errorf("Open with another key: %v; want a WrongKeyError naming %s", err, key.ID())
	}
}

// TestMigrateConcurrently: processes starting at once on a plaintext
// database all succeed and agree; every key ends sealed exactly once.
func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "hubid.db")
	db0, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seedPlain(t, db0)
	db0.Close()
	key := newKey(t, 1)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	got := make([][]store.SigningKey, n)
	for i := range n {
		db, err := sqlite.Open(path) // one handle per "process"
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		wg.Go(func() {
			s, err := secretbox.Open(ctx, db, key)
			if err == nil {
				got[i], err = s.Keys(ctx)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
		checkPEMs(t, "Keys", got[i])
	}
	check, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	checkSealedWith(t, check, key)
}

// TestUpdateKeysSeals: what the key manager writes through the Store is
// sealed; what it reads is opened.
func TestUpdateKeysSeals(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	key := newKey(t, 3)
	s, err := secretbox.Open(ctx, db, key)
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateKeys(ctx, func(have []store.SigningKey) ([]store.SigningKey, error) {
		if len(have) != 0 {
			t.Errorf("a fresh store has keys %v", have)
		}
		return slices.Clone(plainKeys), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkSealedWith(t, db, key)
	err = s.UpdateKeys(ctx, func(have []store.SigningKey) ([]store.SigningKey, error) {
		checkPEMs(t, "UpdateKeys' view", have)
		return have, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ks, err := s.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkPEMs(t, "Keys", ks)
	checkSealedWith(t, db, key)
}

// TestSecretSealed: a named secret is stored sealed under NAME@KEYID; the
// same key gets the same value back in every process; a plaintext value
// an older hubid stored under NAME is not used.
func TestSecretSealed(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	legacy := bytes.Repeat([]byte{'L'}, 32)
	if _, err := db.Secret(ctx, "code-key", func() ([]byte, error) { return legacy, nil }); err != nil {
		t.Fatal(err)
	}
	key := newKey(t, 1)
	s, err := secretbox.Open(ctx, db, key)
	if err != nil {
		t.Fatal(err)
	}
	fresh := bytes.Repeat([]byte{'F'}, 32)
	got, err := s.Secret(ctx, "code-key", func() ([]byte, error) { return fresh, nil })
	if err != nil || !bytes.Equal(got, fresh) {
		t.Fatalf("Secret = %q, %v; want the generated value (not the plaintext one)", got, err)
	}
	stored, err := db.Secret(ctx, secretbox.StoredName("code-key", key), func() ([]byte, error) { return nil, errors.New("missing") })
	if err != nil {
		t.Fatal(err)
	}
	if !secretbox.Sealed(stored) || bytes.Contains(stored, fresh) {
		t.Errorf("stored code-key@%s = %q: want it sealed", key.ID(), stored)
	}
	s2, err := secretbox.Open(ctx, db, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err = s2.Secret(ctx, "code-key", func() ([]byte, error) { return nil, errors.New("generated twice") })
	if err != nil || !bytes.Equal(got, fresh) {
		t.Errorf("Secret in a second process = %q, %v; want the stored value", got, err)
	}
}

// TestRotate: after a rotation the new key opens everything and the old
// one nothing; rotating again is harmless; a wrong old key changes nothing.
func TestRotate(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	seedPlain(t, db)
	a, b, c := newKey(t, 1), newKey(t, 2), newKey(t, 3)
	if _, err := secretbox.Open(ctx, db, a); err != nil {
		t.Fatal(err)
	}
	sealedA := rawKeys(t, db)

	var wrong *secretbox.WrongKeyError
	if _, err := secretbox.Rotate(ctx, db, c, b); !errors.As(err, &wrong) || wrong.SealedWith != a.ID() {
		t.Errorf("Rotate from the wrong key: %v; want a WrongKeyError naming %s", err, a.ID())
	}
	if got := rawKeys(t, db); !bytes.Equal(got[0].PrivatePEM, sealedA[0].PrivatePEM) {
		t.Error("a refused rotation changed the keys")
	}
	if _, err := secretbox.Rotate(ctx, db, a, a); err == nil {
		t.Error("Rotate to the same key succeeded")
	}

	n, err := secretbox.Rotate(ctx, db, a, b)
	if err != nil || n != len(plainKeys) {
		t.Fatalf("Rotate = %d, %v; want %d keys re-sealed", n, err, len(plainKeys))
	}
	checkSealedWith(t, db, b)
	s, err := secretbox.Open(ctx, db, b)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := s.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkPEMs(t, "Keys with the new key", ks)
	if _, err := secretbox.Open(ctx, db, a); !errors.As(err, &wrong) || wrong.SealedWith != b.ID() {
		t.Errorf("Open with the old key after rotation: %v; want a WrongKeyError naming %s", err, b.ID())
	}
	// An interrupted rotation is finished by running it again: here, all
	// of it was done, so nothing is left to re-seal.
	if n, err := secretbox.Rotate(ctx, db, a, b); err != nil || n != 0 {
		t.Errorf("Rotate again = %d, %v; want 0, nil", n, err)
	}
}
