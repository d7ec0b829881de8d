package protocol

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636). Only S256 is supported; plain is refused at authorize.

// ValidCodeChallenge reports whether c has the form of an S256 challenge:
// 43 base64url characters without padding (RFC 7636 §4.2).
func ValidCodeChallenge(c string) bool {
	return len(c) == 43 && isUnreserved(c, false)
}

// ValidCodeVerifier reports whether v is 43 to 128 characters of
// [A-Z a-z 0-9 - . _ ~] (RFC 7636 §4.1).
func ValidCodeVerifier(v string) bool {
	return len(v) >= 43 && len(v) <= 128 && isUnreserved(v, true)
}

// S256Challenge returns BASE64URL(SHA256(verifier)), the S256 challenge.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifyPKCE reports whether verifier is well formed and hashes to
// challenge, comparing in constant time.
func VerifyPKCE(challenge, verifier string) bool {
	if !ValidCodeVerifier(verifier) {
		return false
	}
	got := S256Challenge(verifier)
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// isUnreserved checks characters: base64url's alphabet, plus '.' and '~'
// when allowDotTilde (the verifier alphabet).
func isUnreserved(s string, allowDotTilde bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case allowDotTilde && (c == '.' || c == '~'):
		default:
			return false
		}
	}
	return true
}
