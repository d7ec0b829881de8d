package keys

import (
	"context"
	"testing"
	"time"

	"github.com/hubid/hubid/oidc"
)

// idClaims is an ID token's claims as the token endpoint signs them.
type idClaims struct {
	Iss               string `json:"iss"`
	Sub               string `json:"sub"`
	Aud               string `json:"aud"`
	Exp               int64  `json:"exp"`
	Iat               int64  `json:"iat"`
	AuthTime          int64  `json:"auth_time"`
	Nonce             string `json:"nonce,omitempty"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	Profile           string `json:"profile"`
	Picture           string `json:"picture"`
}

func benchmarkSign(b *testing.B, alg string) {
	m, _, clk := newManager(b)
	ctx := context.Background()
	now := clk.Now()
	claims := idClaims{
		Iss:               "https://hub.example",
		Sub:               "0123456789abcdef01234567",
		Aud:               "4c6e0cbe-8e3b-4f6a-9c62-1f0d6b2a7e11",
		Exp:               now.Add(time.Hour).Unix(),
		Iat:               now.Unix(),
		AuthTime:          now.Unix(),
		Nonce:             "n-0S6_WzA2Mj",
		Name:              "Ada Lovelace",
		PreferredUsername: "ada",
		Profile:           "https://hub.example/ada",
		Picture:           "https://hub.example/avatars/ada.png",
	}
	if _, err := m.Sign(ctx, alg, claims); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Sign(ctx, alg, claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignRS256 measures signing an ID token with the active RS256 key
// (the cache is warm, as on a running server).
func BenchmarkSignRS256(b *testing.B) { benchmarkSign(b, oidc.AlgRS256) }

// BenchmarkSignES256 measures signing an ID token with the active ES256 key.
func BenchmarkSignES256(b *testing.B) { benchmarkSign(b, oidc.AlgES256) }
