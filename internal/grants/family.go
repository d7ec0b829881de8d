package grants

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hubid/hubid/oidc"
)

// Family describes a refresh-token family. Its ID is what the store keeps
// (store.Token.FamilyID); it carries the two times every rotation needs
// and the store has no columns for: when the user authenticated (the ID
// token's auth_time) and when the family ends (its absolute lifetime).
// Form: "<16 random hex>.<auth_time unix>.<expiry unix>".
type Family struct {
	ID       string
	AuthTime time.Time
	Expires  time.Time
}

// NewFamily starts a family. A zero expires is a family with no absolute
// end (an app with store.NoRefreshLimit), written as 0 in the id.
func NewFamily(authTime, expires time.Time) Family {
	var b [8]byte
	rand.Read(b[:])
	f := Family{AuthTime: time.Unix(authTime.Unix(), 0)}
	end := int64(0)
	if !expires.IsZero() {
		end = expires.Unix()
		f.Expires = time.Unix(end, 0)
	}
	f.ID = fmt.Sprintf("%s.%d.%d", hex.EncodeToString(b[:]), authTime.Unix(), end)
	return f
}

// Ended reports whether the family's absolute lifetime is over at now.
func (f Family) Ended(now time.Time) bool { return !f.Expires.IsZero() && !now.Before(f.Expires) }

// ParseFamily reads a family id.
func ParseFamily(id string) (Family, error) {
	parts := strings.Split(id, ".")
	if len(parts) != 3 || len(parts[0]) != 16 {
		return Family{}, fmt.Errorf("malformed refresh family %q", id)
	}
	at, err1 := strconv.ParseInt(parts[1], 10, 64)
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return Family{}, fmt.Errorf("malformed refresh family %q", id)
	}
	f := Family{ID: id, AuthTime: time.Unix(at, 0)}
	if exp != 0 {
		f.Expires = time.Unix(exp, 0)
	}
	return f, nil
}

// sealSuccessor encrypts a rotation's response with a key derived from the
// refresh token it replaced, which the store never sees: only a client
// presenting the old token again can open it, and a database dump reveals
// nothing.
func sealSuccessor(oldToken string, resp *oidc.TokenResponse) ([]byte, error) {
	plain, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	aead, err := successorAEAD(oldToken)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, nil), nil
}

// openSuccessor decrypts what sealSuccessor sealed.
func openSuccessor(oldToken string, sealed []byte) (*oidc.TokenResponse, error) {
	aead, err := successorAEAD(oldToken)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed successor is too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		return nil, err
	}
	var resp oidc.TokenResponse
	if err := json.Unmarshal(plain, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

func successorAEAD(oldToken string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(oldToken), nil, "hubid refresh successor v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
