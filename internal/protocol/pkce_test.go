package protocol

import (
	"strings"
	"testing"
)

// The test vector of RFC 7636 Appendix B.
const (
	rfc7636Verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfc7636Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestS256Challenge(t *testing.T) {
	tests := []struct {
		name     string
		verifier string
		want     string
	}{
		{"rfc7636-appendix-b", rfc7636Verifier, rfc7636Challenge},
		// SHA-256 of the empty string, base64url without padding.
		{"empty", "", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := S256Challenge(tt.verifier)
			if got != tt.want {
				t.Errorf("S256Challenge(%q) = %q, want %q", tt.verifier, got, tt.want)
			}
			if !ValidCodeChallenge(got) {
				t.Errorf("ValidCodeChallenge(S256Challenge(%q)) = false", tt.verifier)
			}
		})
	}
}

func TestValidCodeVerifier(t *testing.T) {
	tests := []struct {
		name     string
		verifier string
		want     bool
	}{
		{"rfc7636-appendix-b", rfc7636Verifier, true},
		{"min-length-43", strings.Repeat("a", 43), true},
		{"max-length-128", strings.Repeat("Z", 128), true},
		{"all-unreserved-characters", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", true},
		{"empty", "", false},
		{"too-short-42", strings.Repeat("a", 42), false},
		{"too-long-129", strings.Repeat("a", 129), false},
		{"plus", strings.Repeat("a", 42) + "+", false},
		{"slash", strings.Repeat("a", 42) + "/", false},
		{"padding", strings.Repeat("a", 42) + "=", false},
		{"space", strings.Repeat("a", 21) + " " + strings.Repeat("a", 21), false},
		{"percent-encoded", strings.Repeat("a", 40) + "%7E", false},
		{"non-ascii", strings.Repeat("a", 42) + "é", false},
		{"nul-byte", strings.Repeat("a", 42) + "\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidCodeVerifier(tt.verifier); got != tt.want {
				t.Errorf("ValidCodeVerifier(%q) = %v, want %v", tt.verifier, got, tt.want)
			}
		})
	}
}

func TestValidCodeChallenge(t *testing.T) {
	tests := []struct {
		name      string
		challenge string
		want      bool
	}{
		{"rfc7636-appendix-b", rfc7636Challenge, true},
		{"base64url-alphabet", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234", true},
		{"empty", "", false},
		{"too-short-42", rfc7636Challenge[:42], false},
		{"too-long-44", rfc7636Challenge + "A", false},
		{"padded", rfc7636Challenge + "=", false},
		{"standard-base64-plus", "+" + rfc7636Challenge[1:], false},
		{"standard-base64-slash", "/" + rfc7636Challenge[1:], false},
		{"dot-is-verifier-only", "." + rfc7636Challenge[1:], false},
		{"tilde-is-verifier-only", "~" + rfc7636Challenge[1:], false},
		{"plain-verifier-is-not-a-challenge", strings.Repeat("a", 42) + "~", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidCodeChallenge(tt.challenge); got != tt.want {
				t.Errorf("ValidCodeChallenge(%q) = %v, want %v", tt.challenge, got, tt.want)
			}
		})
	}
}

func TestVerifyPKCE(t *testing.T) {
	short := strings.Repeat("a", 42)
	long := strings.Repeat("a", 129)
	tests := []struct {
		name      string
		challenge string
		verifier  string
		want      bool
	}{
		{"rfc7636-appendix-b", rfc7636Challenge, rfc7636Verifier, true},
		{"max-length-verifier", S256Challenge(strings.Repeat("~", 128)), strings.Repeat("~", 128), true},
		{"wrong-verifier", rfc7636Challenge, strings.Repeat("a", 43), false},
		{"verifier-one-character-off", rfc7636Challenge, "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", false},
		// A well-formed verifier that looks like the RFC's but is not it.
		{"look-alike-verifier", rfc7636Challenge, "dBjftJeZ4CVP-mB92K27uhbUJU22AUe0yOkt8thlmB0", false},
		{"plain-method-verifier-equals-challenge", rfc7636Challenge, rfc7636Challenge, false},
		{"challenge-case-differs", strings.ToLower(rfc7636Challenge), rfc7636Verifier, false},
		{"challenge-padded", rfc7636Challenge + "=", rfc7636Verifier, false},
		{"empty-challenge", "", rfc7636Verifier, false},
		{"empty-verifier", S256Challenge(""), "", false},
		{"short-verifier-even-if-hash-matches", S256Challenge(short), short, false},
		{"long-verifier-even-if-hash-matches", S256Challenge(long), long, false},
		{"bad-characters-even-if-hash-matches", S256Challenge(strings.Repeat("+", 43)), strings.Repeat("+", 43), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyPKCE(tt.challenge, tt.verifier); got != tt.want {
				t.Errorf("VerifyPKCE(%q, %q) = %v, want %v", tt.challenge, tt.verifier, got, tt.want)
			}
		})
	}
}
