//go:build !(hubid_openssl && cgo)

package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestNoFastRSA: the default build signs RS256 with crypto/rsa.
func TestNoFastRSA(t *testing.T) {
	p, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := fastRSA(p, jose.JSONWebKey{}); s != nil || err != nil {
		t.Errorf("fastRSA = %v, %v in a pure-Go build", s, err)
	}
}
