package protocol

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// benchUser is a user with three orgs, as userinfo renders them on every
// call.
func benchUser() (store.User, []store.Membership) {
	u := store.User{ID: "0123456789abcdef01234567", Username: "ada", FullName: "Ada Lovelace", Email: "ada@example.com",
		EmailVerified: true, Website: "https://ada.example", IsPro: true}
	var ms []store.Membership
	for i := range 3 {
		ms = append(ms, store.Membership{Role: store.RoleWrite, Org: store.Org{ID: fmt.Sprintf("%024x", i), Name: fmt.Sprintf("org-%d", i)}})
	}
	return u, ms
}

// BenchmarkUserInfo renders the userinfo body and encodes it, as the
// userinfo endpoint does for every call.
func BenchmarkUserInfo(b *testing.B) {
	u, ms := benchUser()
	scopes := []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeReadRepos}
	enc := json.NewEncoder(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.Encode(UserInfo("https://hub.example", u, ms, scopes, nil)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIDTokenClaims builds an ID token's claims (signing is measured
// in internal/keys).
func BenchmarkIDTokenClaims(b *testing.B) {
	u, _ := benchUser()
	now := time.Now()
	p := IDTokenParams{Issuer: "https://hub.example", ClientID: "4c6e0cbe-8e3b-4f6a-9c62-1f0d6b2a7e11", User: u, Now: now,
		AuthTime: now.Add(-time.Hour), Nonce: "n-0S6_WzA2Mj", Scopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}}
	b.ReportAllocs()
	for b.Loop() {
		_ = IDTokenClaims(p)
	}
}
