package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Fixtures, shared by the aggregates' tests. Each returns a fresh value, so
// tests may modify it.

// Fixed times. t0 has whole microseconds (see the package doc).
var (
	t0  = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	cet = time.FixedZone("CET", 3600)
)

func at(d time.Duration) time.Time { return t0.Add(d) }

func alice() store.User {
	return store.User{
		ID: "a11ce0000000000000000001", Username: "Alice", FullName: "Alice Liddell",
		Email: "alice@example.com", EmailVerified: true, AvatarURL: "https://example.com/alice.png",
		Website: "https://alice.example", IsPro: true, CanPay: true,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		CreatedAt:    t0.In(cet),
	}
}

func bob() store.User {
	return store.User{ID: "b0b000000000000000000002", Username: "bob", CreatedAt: at(time.Hour)}
}

func org(id, name string) store.Org {
	return store.Org{ID: id, Name: name, FullName: "The " + name, AvatarURL: "https://example.com/" + name + ".png",
		Plan: "team", CreatedAt: at(2 * time.Hour)}
}

func app(n int) store.App {
	return store.App{
		ClientID:               fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		Name:                   fmt.Sprintf("App %d", n),
		OwnerID:                "a11ce0000000000000000001",
		SecretHash:             store.Hash(fmt.Sprintf("secret-%d", n)),
		RedirectURIs:           []string{"https://app.example/callback", "http://localhost:3000/cb"},
		Scopes:                 []string{"openid", "profile", "email", "read-repos"},
		TokenTTL:               8 * time.Hour,
		IDTokenAlg:             "RS256",
		SpaceID:                fmt.Sprintf("alice/space-%d", n),
		SpaceHosts:             []string{fmt.Sprintf("alice-space-%d.hf.space", n)},
		AuthorizedOrgs:         []string{"acme", "zeta"},
		RefreshTokens:          true,
		RefreshIdle:            90 * 24 * time.Hour,
		RefreshAbsolute:        store.NoRefreshLimit,
		RequirePKCE:            true,
		ResourceServer:         true,
		Registered:             true,
		PostLogoutRedirectURIs: []string{"https://app.example/signed-out", "http://localhost:3000/"},
		CreatedAt:              at(3 * time.Hour),
		UpdatedAt:              at(4 * time.Hour).In(cet),
	}
}

func code(secret string, a store.App, u store.User) store.AuthCode {
	return store.AuthCode{
		Hash: store.Hash(secret), ClientID: a.ClientID, UserID: u.ID,
		RedirectURI: "https://app.example/callback", Scopes: []string{"openid", "profile"}, Orgs: []string{"0123456789abcdef0000aaaa"},
		Nonce: "n-0S6_WzA2Mj", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		AuthTime: at(-time.Minute), CreatedAt: t0, ExpiresAt: at(10 * time.Minute),
	}
}

func accessToken(secret string, a store.App, u store.User) store.Token {
	return store.Token{
		Hash: store.Hash(secret), Kind: store.KindAccess, UserID: u.ID, ClientID: a.ClientID,
		Scopes: []string{"openid", "profile"}, CreatedAt: t0, ExpiresAt: at(8 * time.Hour),
	}
}

func userToken(secret string, u store.User, created time.Time) store.Token {
	return store.Token{
		Hash: store.Hash(secret), Kind: store.KindUser, UserID: u.ID, Name: "laptop " + secret,
		Role: "write", CreatedAt: created,
	}
}

// refreshToken is a live refresh token of family, not yet rotated, whose
// grant reaches one org.
func refreshToken(secret, family string, a store.App, u store.User) store.Token {
	return store.Token{
		Hash: store.Hash(secret), Kind: store.KindRefresh, UserID: u.ID, ClientID: a.ClientID,
		Scopes: []string{"openid", "profile"}, Orgs: []string{"0123456789abcdef0000aaaa"}, FamilyID: family, CreatedAt: t0, ExpiresAt: at(30 * 24 * time.Hour),
	}
}

// familyPair is what one rotation in family issues: an access token and the
// successor refresh token, named after n.
func familyPair(n, family string, a store.App, u store.User) []store.Token {
	access := accessToken("at-"+n, a, u)
	access.FamilyID = family
	return []store.Token{access, refreshToken("rt-"+n, family, a, u)}
}

// deviceCode is a pending device authorization; userCode is the normalized
// user code.
func deviceCode(secret, userCode string, a store.App) store.DeviceCode {
	return store.DeviceCode{
		Hash: store.Hash(secret), UserCodeHash: store.Hash(userCode), ClientID: a.ClientID,
		Scopes: []string{"openid", "profile"}, Status: store.DevicePending, Interval: 5 * time.Second,
		CreatedAt: t0, ExpiresAt: at(15 * time.Minute),
	}
}

// approved returns d as u approved it.
func approved(d store.DeviceCode, u store.User) store.DeviceCode {
	d.Status, d.UserID, d.AuthTime = store.DeviceApproved, u.ID, at(time.Minute)
	return d
}

func session(secret string, u store.User) store.Session {
	return store.Session{Hash: store.Hash(secret), UserID: u.ID, AuthTime: t0, CreatedAt: t0, ExpiresAt: at(24 * time.Hour)}
}

// seed creates alice, bob and app(1) and returns them.
func seed(t *testing.T, s store.Store) (store.User, store.User, store.App) {
	t.Helper()
	ctx := t.Context()
	a, b, p := alice(), bob(), app(1)
	must(t, s.CreateUser(ctx, a))
	must(t, s.CreateUser(ctx, b))
	must(t, s.CreateApp(ctx, p))
	return a, b, p
}
