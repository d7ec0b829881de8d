package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// rsaBits is the size of generated RSA keys.
const rsaBits = 2048

// pemType is the PEM block type of a PKCS #8 private key.
const pemType = "PRIVATE KEY"

// Algorithms returns the signing algorithms a Manager keeps keys for, the
// default (RS256) first.
func Algorithms() []string { return []string{oidc.AlgRS256, oidc.AlgES256} }

// ErrUnsupportedAlg is returned for an algorithm other than RS256 or ES256.
var ErrUnsupportedAlg = errors.New("keys: unsupported signing algorithm (supported: RS256, ES256)")

func checkAlg(alg string) error {
	switch alg {
	case oidc.AlgRS256, oidc.AlgES256:
		return nil
	}
	return fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
}

// Generate creates a new signing key for alg: an RSA-2048 key for RS256, a
// P-256 key for ES256. The private key is PKCS #8 PEM, the ID is the RFC 7638
// JWK thumbprint (SHA-256, base64url without padding) of the public key, and
// the key is in state store.KeyNext with CreatedAt and RotatedAt set to now.
func Generate(alg string, now time.Time) (store.SigningKey, error) {
	var priv crypto.Signer
	switch alg {
	case oidc.AlgRS256:
		k, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			return store.SigningKey{}, fmt.Errorf("keys: generate RSA key: %w", err)
		}
		priv = k
	case oidc.AlgES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return store.SigningKey{}, fmt.Errorf("keys: generate P-256 key: %w", err)
		}
		priv = k
	default:
		return store.SigningKey{}, checkAlg(alg)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("keys: marshal %s key: %w", alg, err)
	}
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return store.SigningKey{}, err
	}
	return store.SigningKey{
		ID:         kid,
		Alg:        alg,
		State:      store.KeyNext,
		PrivatePEM: pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}),
		CreatedAt:  now,
		RotatedAt:  now,
	}, nil
}

// thumbprint is the RFC 7638 JWK thumbprint of a public key, base64url.
func thumbprint(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// parsedKey is a stored key made ready to use: parsed once, with its jose
// signer and its public JWK.
type parsedKey struct {
	meta   store.SigningKey
	public jose.JSONWebKey
	signer jose.Signer
}

// parseKey parses a stored key and checks that it is what it claims to be:
// the PEM holds a PKCS #8 key of the type its algorithm needs, and its
// thumbprint is its ID.
func parseKey(k store.SigningKey) (*parsedKey, error) {
	if err := checkAlg(k.Alg); err != nil {
		return nil, err
	}
	block, _ := pem.Decode(k.PrivatePEM)
	if block == nil || block.Type != pemType {
		return nil, fmt.Errorf("keys: key %s: no %q PEM block", k.ID, pemType)
	}
	raw, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", k.ID, err)
	}
	var priv crypto.Signer
	switch p := raw.(type) {
	case *rsa.PrivateKey:
		if k.Alg != oidc.AlgRS256 {
			return nil, fmt.Errorf("keys: key %s: RSA key stored for %s", k.ID, k.Alg)
		}
		if p.N.BitLen() < rsaBits {
			return nil, fmt.Errorf("keys: key %s: RSA key of %d bits, want at least %d", k.ID, p.N.BitLen(), rsaBits)
		}
		// ParsePKCS8PrivateKey precomputes already; this makes sure of it
		// (a no-op when done) so that no signature pays for it.
		p.Precompute()
		priv = p
	case *ecdsa.PrivateKey:
		if k.Alg != oidc.AlgES256 || p.Curve != elliptic.P256() {
			return nil, fmt.Errorf("keys: key %s: EC key on %s stored for %s", k.ID, p.Curve.Params().Name, k.Alg)
		}
		priv = p
	default:
		return nil, fmt.Errorf("keys: key %s: unsupported key type %T", k.ID, raw)
	}
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return nil, err
	}
	if kid != k.ID {
		return nil, fmt.Errorf("keys: key %s: ID is not the key's thumbprint (%s)", k.ID, kid)
	}
	public := jose.JSONWebKey{Key: priv.Public(), KeyID: k.ID, Algorithm: k.Alg, Use: "sig"}
	var signingKey any = priv
	if p, ok := priv.(*rsa.PrivateKey); ok {
		fast, err := fastRSA(p, public)
		if err != nil {
			return nil, fmt.Errorf("keys: key %s: %w", k.ID, err)
		}
		if fast != nil {
			signingKey = fast
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.SignatureAlgorithm(k.Alg),
		Key:       jose.JSONWebKey{Key: signingKey, KeyID: k.ID, Algorithm: k.Alg},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", k.ID, err)
	}
	return &parsedKey{meta: k, public: public, signer: signer}, nil
}
