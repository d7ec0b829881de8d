//go:build !(hubid_openssl && cgo)

package keys

import (
	"crypto/rsa"

	"github.com/go-jose/go-jose/v4"
)

// RSABackend says what signs RS256 ID tokens in this build.
const RSABackend = "Go crypto/rsa"

// fastRSA is the hook for a faster RS256 signer (-tags hubid_openssl with
// cgo); this build has none, and crypto/rsa signs.
func fastRSA(*rsa.PrivateKey, jose.JSONWebKey) (jose.OpaqueSigner, error) { return nil, nil }
