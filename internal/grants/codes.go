package grants

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Codes carries authorization codes that hold their own grant: the
// client, user, redirect URI, scopes, nonce, PKCE challenge and times,
// sealed with AES-256-GCM under a key kept in the store. Issuing a code
// writes nothing; the token endpoint opens it, checks it, and records it
// as used in the same transaction that stores the tokens it issues
// (store.RedeemCode), which keeps it single use. A code is 120 bytes
// plus its fields, in base64url: about 300 characters for a typical
// redirect URI.
//
// Without the key a code can be neither read nor forged; a changed byte
// fails authentication. The key never rotates by itself: replacing it
// (deleting the store secret "code-key") only invalidates codes in flight,
// which live 60 seconds.
type Codes struct {
	aead cipher.AEAD
}

// CodeKeySize is the size of the key NewCodes takes.
const CodeKeySize = 32

// codeVersion is the first byte of a sealed code; codeAAD binds the
// ciphertext to its purpose, so no other sealed value opens as a code.
const (
	codeVersion = 1
	codeAAD     = "hubid authorization code v1"
)

// NewCodes returns Codes sealing with key (CodeKeySize bytes).
func NewCodes(key []byte) (*Codes, error) {
	if len(key) != CodeKeySize {
		return nil, fmt.Errorf("grants: code key is %d bytes, want %d", len(key), CodeKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Codes{aead: aead}, nil
}

// sealedCode is what a code carries; times are Unix nanoseconds.
type sealedCode struct {
	ClientID      string   `json:"c"`
	UserID        string   `json:"u"`
	RedirectURI   string   `json:"r"`
	Scopes        []string `json:"s"`
	Orgs          []string `json:"o,omitempty"`
	Nonce         string   `json:"n,omitempty"`
	CodeChallenge string   `json:"p,omitempty"`
	AuthTime      int64    `json:"a,omitempty"`
	CreatedAt     int64    `json:"t"`
	ExpiresAt     int64    `json:"e"`
}

// ErrBadCode is returned by Open for a code it cannot open: not one of
// ours, damaged, or sealed under another key.
var ErrBadCode = errors.New("grants: not a valid authorization code")

// Seal returns the code for c (whose Hash and UsedAt are ignored) and
// its digest, the key under which RedeemCode records it.
func (cs *Codes) Seal(c store.AuthCode) (string, store.Digest, error) {
	payload, err := json.Marshal(sealedCode{
		ClientID: c.ClientID, UserID: c.UserID, RedirectURI: c.RedirectURI, Scopes: c.Scopes, Orgs: c.Orgs,
		Nonce: c.Nonce, CodeChallenge: c.CodeChallenge, AuthTime: unixNano(c.AuthTime),
		CreatedAt: unixNano(c.CreatedAt), ExpiresAt: unixNano(c.ExpiresAt),
	})
	if err != nil {
		return "", store.Digest{}, err
	}
	ns := cs.aead.NonceSize()
	buf := make([]byte, 1+ns, 1+ns+len(payload)+cs.aead.Overhead())
	buf[0] = codeVersion
	rand.Read(buf[1:]) // never fails (crypto/rand)
	buf = cs.aead.Seal(buf, buf[1:], payload, []byte(codeAAD))
	code := base64.RawURLEncoding.EncodeToString(buf)
	return code, store.Hash(code), nil
}

// Open returns what code carries, with Hash set to its digest, or
// ErrBadCode. It does not check expiry: the caller does.
func (cs *Codes) Open(code string) (store.AuthCode, error) {
	ns := cs.aead.NonceSize()
	// A code longer than this would carry a redirect URI longer than
	// authorize accepts; refusing it first bounds the work.
	if len(code) > maxCodeLen {
		return store.AuthCode{}, ErrBadCode
	}
	buf, err := base64.RawURLEncoding.DecodeString(code)
	if err != nil || len(buf) < 1+ns+cs.aead.Overhead() || buf[0] != codeVersion {
		return store.AuthCode{}, ErrBadCode
	}
	payload, err := cs.aead.Open(nil, buf[1:1+ns], buf[1+ns:], []byte(codeAAD))
	if err != nil {
		return store.AuthCode{}, ErrBadCode
	}
	var sc sealedCode
	if err := json.Unmarshal(payload, &sc); err != nil {
		return store.AuthCode{}, ErrBadCode
	}
	return store.AuthCode{
		Hash: store.Hash(code), ClientID: sc.ClientID, UserID: sc.UserID, RedirectURI: sc.RedirectURI,
		Scopes: sc.Scopes, Orgs: sc.Orgs, Nonce: sc.Nonce, CodeChallenge: sc.CodeChallenge, AuthTime: fromUnixNano(sc.AuthTime),
		CreatedAt: fromUnixNano(sc.CreatedAt), ExpiresAt: fromUnixNano(sc.ExpiresAt),
	}, nil
}

// maxCodeLen bounds the codes Open looks at (64 KiB).
const maxCodeLen = 64 << 10

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
