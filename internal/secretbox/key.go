package secretbox

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a secret key: AES-256.
const KeySize = 32

// Key is a secret key that seals and opens. Its ID, a short hash of the
// key, is written into every sealed value, so that a value sealed with
// another key is recognized as such instead of failing to decrypt.
type Key struct {
	aead cipher.AEAD
	id   [idSize]byte
}

// idSize is the length of a key id: enough to tell a handful of keys
// apart, far too short to say anything about the key.
const idSize = 4

// NewKey returns the Key of raw, which must be KeySize bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("secret key is %d bytes, want %d", len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &Key{aead: aead}
	sum := sha256.Sum256(append([]byte("hubid secret key id\x00"), raw...))
	copy(k.id[:], sum[:])
	return k, nil
}

// ParseKey reads a secret key written as text: base64 (standard or URL
// alphabet, padded or not) or hex of KeySize bytes. Surrounding white
// space (a file's final newline) is ignored.
func ParseKey(text []byte) (*Key, error) {
	s := strings.TrimSpace(string(text))
	if s == "" {
		return nil, errors.New("secret key is empty; make one with 'hubid secret-key generate'")
	}
	if len(s) == 2*KeySize {
		if raw, err := hex.DecodeString(s); err == nil {
			return NewKey(raw)
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			if len(raw) != KeySize {
				return nil, fmt.Errorf("secret key decodes to %d bytes, want %d; make one with 'hubid secret-key generate'", len(raw), KeySize)
			}
			return NewKey(raw)
		}
	}
	return nil, fmt.Errorf("secret key is neither base64 nor hex of %d bytes; make one with 'hubid secret-key generate'", KeySize)
}

// GenerateKey returns a new random secret key as text (base64 with a
// final newline), as ParseKey reads it.
func GenerateKey() []byte {
	raw := make([]byte, KeySize)
	rand.Read(raw) // never fails (crypto/rand)
	return []byte(base64.StdEncoding.EncodeToString(raw) + "\n")
}

// ID returns the key's id: 8 hex digits of a hash of the key.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// The sealed format: prefix, then base64url (unpadded) of
//
//	version (1 byte) | key id (4 bytes) | nonce (12 bytes) | AES-GCM ciphertext and tag
//
// with additional data version | key id | purpose, where purpose names what
// is sealed (a secret's name, a signing key's id and algorithm), so that a
// sealed value moved to another row does not open. Text, so that it fits
// any column a backend keeps PEM or secret bytes in.
const (
	prefix  = "hubid-sealed:"
	version = 1
	header  = 1 + idSize
)

// Sealed reports whether b is a sealed value (of any key).
func Sealed(b []byte) bool { return bytes.HasPrefix(b, []byte(prefix)) }

// SealedWith returns the id of the key b was sealed with, if b is sealed.
func SealedWith(b []byte) (id string, ok bool) {
	raw, err := decode(b)
	if err != nil {
		return "", false
	}
	return hex.EncodeToString(raw[1:header]), true
}

func decode(b []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(b, []byte(prefix))
	if !ok {
		return nil, errors.New("not a sealed value")
	}
	raw := make([]byte, base64.RawURLEncoding.DecodedLen(len(rest)))
	n, err := base64.RawURLEncoding.Decode(raw, rest)
	if err != nil || n < header {
		return nil, errors.New("malformed sealed value")
	}
	return raw[:n], nil
}

func additional(hdr []byte, purpose string) []byte {
	return append(append([]byte(nil), hdr...), purpose...)
}

// Seal encrypts plaintext for purpose.
func (k *Key) Seal(purpose string, plaintext []byte) []byte {
	hdr := append([]byte{version}, k.id[:]...)
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	raw := append(append(hdr[:len(hdr):len(hdr)], nonce...), k.aead.Seal(nil, nonce, plaintext, additional(hdr, purpose))...)
	return append([]byte(prefix), base64.RawURLEncoding.EncodeToString(raw)...)
}

// WrongKeyError is the error for a value sealed with another key.
type WrongKeyError struct {
	// SealedWith is the id of the key the database's secrets were sealed
	// with; Have, the id of the key given.
	SealedWith, Have string
}

func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("the database's secrets were sealed with another key (id %s, not %s); pass the key they were sealed with via --secret-key-file", e.SealedWith, e.Have)
}

// KeyNeededError is the error for a sealed database opened without a key.
type KeyNeededError struct{ SealedWith string }

func (e *KeyNeededError) Error() string {
	return fmt.Sprintf("the database's secrets are sealed (key id %s) and no secret key was given; pass the key they were sealed with via --secret-key-file (or HUBID_SECRET_KEY)", e.SealedWith)
}

// Open decrypts a value Seal made for purpose with this key. A value
// sealed with another key is a *WrongKeyError; one that does not
// authenticate (tampered, or moved from another purpose) is an error too,
// never garbage.
func (k *Key) Open(purpose string, sealed []byte) ([]byte, error) {
	raw, err := decode(sealed)
	if err != nil {
		return nil, err
	}
	if raw[0] != version {
		return nil, fmt.Errorf("sealed value has version %d; this hubid reads version %d (was it written by a newer hubid?)", raw[0], version)
	}
	if !bytes.Equal(raw[1:header], k.id[:]) {
		return nil, &WrongKeyError{SealedWith: hex.EncodeToString(raw[1:header]), Have: k.ID()}
	}
	ns := k.aead.NonceSize()
	if len(raw) < header+ns+k.aead.Overhead() {
		return nil, errors.New("malformed sealed value")
	}
	nonce, ct := raw[header:header+ns], raw[header+ns:]
	pt, err := k.aead.Open(nil, nonce, ct, additional(raw[:header], purpose))
	if err != nil {
		return nil, fmt.Errorf("sealed %s does not authenticate: it was altered or belongs elsewhere", purpose)
	}
	return pt, nil
}
