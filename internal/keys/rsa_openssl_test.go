//go:build hubid_openssl && cgo

package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestOpenSSLSigner: in a hubid_openssl build RS256 keys sign through
// OpenSSL, with signatures crypto/rsa verifies, and nothing but RS256.
func TestOpenSSLSigner(t *testing.T) {
	p, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fastRSA(p, jose.JSONWebKey{Key: p.Public(), KeyID: "k"})
	if err != nil || s == nil {
		t.Fatalf("fastRSA = %v, %v; want an OpenSSL signer", s, err)
	}
	for _, msg := range []string{"", "header.payload"} {
		sig, err := s.SignPayload([]byte(msg), jose.RS256)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(msg))
		if err := rsa.VerifyPKCS1v15(&p.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			t.Errorf("signature of %q does not verify: %v", msg, err)
		}
	}
	if _, err := s.SignPayload([]byte("x"), jose.PS256); err == nil {
		t.Error("the OpenSSL signer signed PS256")
	}
	if s.Public().KeyID != "k" {
		t.Errorf("Public().KeyID = %q", s.Public().KeyID)
	}
}
