package protocol

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The fixed world of the claims tests.
const (
	claimsIssuer = "https://hub.example.com"
	claimsNonce  = "Qm3vT8xZ2kLp9sWd4yRb"
	// md5("hub.js"), md5("acme-labs"): the generated avatars.
	userAvatar = "https://hub.example.com/avatars/30078903555c1152cd9e4ce00fab1749.svg"
	acmeAvatar = "https://hub.example.com/avatars/43a22c9ae1e7b6ef5196d86f9a4f4aa8.svg"
)

var (
	claimsAuthTime = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) // 1777636800
	claimsNow      = claimsAuthTime.Add(200 * time.Second)        // 1777637000
)

// testUser is the user every claims test signs in: hub-ci's CI bot, as in
// huggingface.js's userinfo fixture.
func testUser() store.User {
	return store.User{
		ID:            "62f264b9f3c90f4b6514a269",
		Username:      "hub.js",
		FullName:      "@huggingface/hub CI bot",
		Email:         "hub.js@example.com",
		EmailVerified: true,
		Website:       "https://github.com/huggingface/huggingface.js",
		IsPro:         false,
		CanPay:        true,
		PasswordHash:  "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		CreatedAt:     time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func testMemberships() []store.Membership {
	return []store.Membership{
		{Org: store.Org{ID: "5e67bd5b1009063689407478", Name: "huggingface", FullName: "Hugging Face", AvatarURL: "https://cdn.example.com/hf-logo.png", Plan: "enterprise", CanPay: true}, Role: store.RoleAdmin},
		{Org: store.Org{ID: "6a0b1c2d3e4f5a6b7c8d9e0f", Name: "acme-labs"}, Role: store.RoleRead},
	}
}

func idParams(scopes []string, nonce string) IDTokenParams {
	return IDTokenParams{
		Issuer:   claimsIssuer,
		User:     testUser(),
		ClientID: testClientID,
		Scopes:   scopes,
		Nonce:    nonce,
		AuthTime: claimsAuthTime,
		Now:      claimsNow,
	}
}

// marshal encodes v as the golden files hold it.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// checkGolden compares got with testdata/name.golden, or rewrites the file
// with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-golden +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// jsonKeys returns the sorted top-level keys of v's JSON encoding.
func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestClaimsGolden(t *testing.T) {
	all := []string{"openid", "profile", "email", "read-billing", "read-memberships"}
	tests := []struct {
		name string
		v    any
	}{
		{"idtoken-openid", IDTokenClaims(idParams([]string{"openid"}, ""))},
		{"idtoken-openid-profile-nonce", IDTokenClaims(idParams([]string{"openid", "profile"}, claimsNonce))},
		{"idtoken-openid-profile-email", IDTokenClaims(idParams([]string{"openid", "profile", "email"}, ""))},
		{"userinfo-openid", UserInfo(claimsIssuer, testUser(), nil, []string{"openid"}, nil)},
		{"userinfo-openid-profile-email", UserInfo(claimsIssuer, testUser(), testMemberships(), []string{"openid", "profile", "email"}, nil)},
		{"userinfo-all", UserInfo(claimsIssuer, testUser(), testMemberships(), all, nil)},
		// One of two orgs granted: roleInOrg, canPay and securityRestrictions
		// on that org only.
		{"userinfo-granted-org", UserInfo(claimsIssuer, testUser(), testMemberships(), []string{"openid", "profile", "read-repos", "read-billing"}, []string{"5e67bd5b1009063689407478"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name, marshal(t, tt.v))
		})
	}
}

func TestIDTokenClaims(t *testing.T) {
	registered := oidc.IDTokenClaims{
		Issuer:   claimsIssuer,
		Subject:  "62f264b9f3c90f4b6514a269",
		Audience: testClientID,
		Expiry:   1777640600,
		IssuedAt: 1777637000,
		AuthTime: 1777636800,
	}
	withProfile := func(c oidc.IDTokenClaims) oidc.IDTokenClaims {
		c.Name = "@huggingface/hub CI bot"
		c.PreferredUsername = "hub.js"
		c.Picture = userAvatar
		c.Profile = "https://hub.example.com/hub.js"
		c.Website = "https://github.com/huggingface/huggingface.js"
		return c
	}
	withEmail := func(c oidc.IDTokenClaims, verified bool) oidc.IDTokenClaims {
		c.Email = "hub.js@example.com"
		c.EmailVerified = &verified
		return c
	}
	withNonce := func(c oidc.IDTokenClaims) oidc.IDTokenClaims {
		c.Nonce = claimsNonce
		return c
	}
	tests := []struct {
		name string
		p    IDTokenParams
		want oidc.IDTokenClaims
	}{
		{"openid-only", idParams([]string{"openid"}, ""), registered},
		{"no-scopes", idParams(nil, ""), registered},
		{"nonce-when-sent", idParams([]string{"openid"}, claimsNonce), withNonce(registered)},
		{"profile", idParams([]string{"openid", "profile"}, ""), withProfile(registered)},
		{"email-without-profile", idParams([]string{"openid", "email"}, ""), withEmail(registered, true)},
		{"profile-email-nonce", idParams([]string{"openid", "profile", "email"}, claimsNonce), withNonce(withEmail(withProfile(registered), true))},
		{"hf-extras-never-in-id-token", idParams([]string{"openid", "read-billing", "read-memberships", "read-repos"}, ""), registered},
		{
			"email-unverified",
			func() IDTokenParams {
				p := idParams([]string{"openid", "email"}, "")
				p.User.EmailVerified = false
				return p
			}(),
			withEmail(registered, false),
		},
		{
			"email-scope-without-address",
			func() IDTokenParams {
				p := idParams([]string{"openid", "email"}, "")
				p.User.Email = ""
				return p
			}(),
			registered,
		},
		{
			"stored-avatar-and-no-website",
			func() IDTokenParams {
				p := idParams([]string{"openid", "profile"}, "")
				p.User.AvatarURL = "https://cdn.example.com/me.png"
				p.User.Website = ""
				return p
			}(),
			func() oidc.IDTokenClaims {
				c := withProfile(registered)
				c.Picture = "https://cdn.example.com/me.png"
				c.Website = ""
				return c
			}(),
		},
		{
			"issuer-with-trailing-slash",
			func() IDTokenParams {
				p := idParams([]string{"openid", "profile"}, "")
				p.Issuer = "https://hub.example.com/"
				return p
			}(),
			func() oidc.IDTokenClaims {
				c := withProfile(registered)
				c.Issuer = "https://hub.example.com/"
				return c
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := IDTokenClaims(tt.p)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("IDTokenClaims mismatch (-want +got):\n%s", diff)
			}
			if got.Expiry-got.IssuedAt != int64(time.Hour/time.Second) {
				t.Errorf("exp-iat = %d, want 3600", got.Expiry-got.IssuedAt)
			}
		})
	}
}

func TestIDTokenClaimsJSON(t *testing.T) {
	base := []string{"aud", "auth_time", "exp", "iat", "iss", "sub"}
	profile := []string{"name", "picture", "preferred_username", "profile", "website"}
	email := []string{"email", "email_verified"}
	keys := func(groups ...[]string) []string {
		out := slices.Concat(groups...)
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name   string
		scopes []string
		nonce  string
		want   []string
	}{
		{"nonce-omitted-when-empty", []string{"openid"}, "", base},
		{"nonce-present-when-sent", []string{"openid"}, claimsNonce, keys(base, []string{"nonce"})},
		{"profile-claims-with-profile", []string{"openid", "profile"}, "", keys(base, profile)},
		{"email-claims-with-email", []string{"openid", "email"}, "", keys(base, email)},
		{"everything", []string{"openid", "profile", "email", "read-billing", "read-memberships"}, claimsNonce, keys(base, []string{"nonce"}, profile, email)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jsonKeys(t, IDTokenClaims(idParams(tt.scopes, tt.nonce)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ID token claims for %q (-want +got):\n%s", tt.scopes, diff)
			}
		})
	}
}

func TestUserInfo(t *testing.T) {
	hf := oidc.OrgInfo{Sub: "5e67bd5b1009063689407478", Name: "Hugging Face", PreferredUsername: "huggingface", Picture: "https://cdn.example.com/hf-logo.png", Plan: "enterprise"}
	acme := oidc.OrgInfo{Sub: "6a0b1c2d3e4f5a6b7c8d9e0f", Name: "acme-labs", PreferredUsername: "acme-labs", Picture: acmeAvatar}
	role := func(o oidc.OrgInfo, r string) oidc.OrgInfo { o.RoleInOrg = r; return o }
	yes, no := true, false
	sub := "62f264b9f3c90f4b6514a269"
	profile := func(u oidc.UserInfo) oidc.UserInfo {
		u.Name = "@huggingface/hub CI bot"
		u.PreferredUsername = "hub.js"
		u.Picture = userAvatar
		u.Profile = "https://hub.example.com/hub.js"
		u.Website = "https://github.com/huggingface/huggingface.js"
		return u
	}
	tests := []struct {
		name        string
		user        func(*store.User)
		memberships []store.Membership
		scopes      []string
		want        oidc.UserInfo
	}{
		{name: "openid-no-orgs", scopes: []string{"openid"}, want: oidc.UserInfo{Sub: sub, Orgs: []oidc.OrgInfo{}}},
		{name: "orgs-without-roles", memberships: testMemberships(), scopes: []string{"openid"}, want: oidc.UserInfo{Sub: sub, Orgs: []oidc.OrgInfo{hf, acme}}},
		{name: "roles-with-read-memberships", memberships: testMemberships(), scopes: []string{"openid", "read-memberships"}, want: oidc.UserInfo{Sub: sub, Orgs: []oidc.OrgInfo{role(hf, "admin"), role(acme, "read")}}},
		{name: "profile", scopes: []string{"openid", "profile"}, want: profile(oidc.UserInfo{Sub: sub, Orgs: []oidc.OrgInfo{}})},
		{name: "email", scopes: []string{"openid", "email"}, want: oidc.UserInfo{Sub: sub, Email: "hub.js@example.com", EmailVerified: &yes, Orgs: []oidc.OrgInfo{}}},
		{name: "email-unverified", user: func(u *store.User) { u.EmailVerified = false }, scopes: []string{"email"}, want: oidc.UserInfo{Sub: sub, Email: "hub.js@example.com", EmailVerified: &no, Orgs: []oidc.OrgInfo{}}},
		{name: "email-scope-without-address", user: func(u *store.User) { u.Email = "" }, scopes: []string{"email"}, want: oidc.UserInfo{Sub: sub, Orgs: []oidc.OrgInfo{}}},
		{name: "can-pay-with-read-billing", scopes: []string{"openid", "read-billing"}, want: oidc.UserInfo{Sub: sub, CanPay: &yes, Orgs: []oidc.OrgInfo{}}},
		{name: "cannot-pay-with-read-billing", user: func(u *store.User) { u.CanPay = false }, scopes: []string{"read-billing"}, want: oidc.UserInfo{Sub: sub, CanPay: &no, Orgs: []oidc.OrgInfo{}}},
		{name: "pro-user", user: func(u *store.User) { u.IsPro = true }, scopes: []string{"openid"}, want: oidc.UserInfo{Sub: sub, IsPro: true, Orgs: []oidc.OrgInfo{}}},
		{name: "repo-scopes-add-nothing", scopes: []string{"openid", "read-repos", "write-repos", "inference-api"}, want: oidc.UserInfo{Sub: sub, Orgs: []oidc.OrgInfo{}}},
		{
			name:        "stored-avatar-and-no-website",
			user:        func(u *store.User) { u.AvatarURL = "https://cdn.example.com/me.png"; u.Website = "" },
			memberships: nil,
			scopes:      []string{"profile"},
			want: func() oidc.UserInfo {
				u := profile(oidc.UserInfo{Sub: sub, Orgs: []oidc.OrgInfo{}})
				u.Picture = "https://cdn.example.com/me.png"
				u.Website = ""
				return u
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := testUser()
			if tt.user != nil {
				tt.user(&u)
			}
			got := UserInfo(claimsIssuer, u, tt.memberships, tt.scopes, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("UserInfo mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUserInfoJSON(t *testing.T) {
	base := []string{"isPro", "orgs", "sub"}
	profile := []string{"name", "picture", "preferred_username", "profile", "website"}
	email := []string{"email", "email_verified"}
	keys := func(groups ...[]string) []string {
		out := slices.Concat(groups...)
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name        string
		memberships []store.Membership
		scopes      []string
		want        []string
		// contains are fragments of the compact JSON that must appear.
		contains []string
		// absent are fragments that must not.
		absent []string
	}{
		{name: "nil-memberships-give-empty-orgs", scopes: []string{"openid"}, want: base, contains: []string{`"isPro":false`, `"orgs":[]`}, absent: []string{"null"}},
		{name: "empty-memberships-give-empty-orgs", memberships: []store.Membership{}, scopes: []string{"openid"}, want: base, contains: []string{`"orgs":[]`}},
		{name: "no-scopes-at-all", want: base, contains: []string{`"isPro":false`, `"orgs":[]`}},
		{name: "profile-claims-with-profile", scopes: []string{"openid", "profile"}, want: keys(base, profile)},
		{name: "email-claims-with-email", scopes: []string{"openid", "email"}, want: keys(base, email), contains: []string{`"email_verified":true`}},
		{name: "can-pay-with-read-billing", scopes: []string{"openid", "read-billing"}, want: keys(base, []string{"canPay"}), contains: []string{`"canPay":true`}},
		{name: "no-role-without-read-memberships", memberships: testMemberships(), scopes: []string{"openid", "profile", "email", "read-billing"}, want: keys(base, profile, email, []string{"canPay"}), absent: []string{"roleInOrg"}},
		{name: "role-with-read-memberships", memberships: testMemberships(), scopes: []string{"openid", "read-memberships"}, want: base, contains: []string{`"roleInOrg":"admin"`, `"roleInOrg":"read"`}},
		{name: "org-plan-omitted-when-empty", memberships: testMemberships()[1:], scopes: []string{"openid"}, want: base, absent: []string{"plan", "canPay"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := UserInfo(claimsIssuer, testUser(), tt.memberships, tt.scopes, nil)
			if diff := cmp.Diff(tt.want, jsonKeys(t, info)); diff != "" {
				t.Errorf("userinfo keys for %q (-want +got):\n%s", tt.scopes, diff)
			}
			b, err := json.Marshal(info)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.contains {
				if !strings.Contains(string(b), c) {
					t.Errorf("userinfo %s does not contain %s", b, c)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(string(b), a) {
					t.Errorf("userinfo %s contains %s", b, a)
				}
			}
		})
	}
}

// TestSubIdentical: openid-client checks that userinfo's sub equals the ID
// token's, for every scope combination.
func TestSubIdentical(t *testing.T) {
	for _, scopes := range [][]string{
		nil,
		{"openid"},
		{"openid", "profile"},
		{"openid", "profile", "email"},
		{"openid", "profile", "email", "read-billing", "read-memberships", "read-repos"},
	} {
		t.Run(JoinScopes(scopes), func(t *testing.T) {
			id := IDTokenClaims(idParams(scopes, claimsNonce))
			info := UserInfo(claimsIssuer, testUser(), testMemberships(), scopes, nil)
			if id.Subject != info.Sub || id.Subject != testUser().ID {
				t.Errorf("ID token sub %q, userinfo sub %q, user id %q", id.Subject, info.Sub, testUser().ID)
			}
			var idJSON, infoJSON struct {
				Sub string `json:"sub"`
			}
			if err := json.Unmarshal(marshal(t, id), &idJSON); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(marshal(t, info), &infoJSON); err != nil {
				t.Fatal(err)
			}
			if idJSON.Sub == "" || idJSON.Sub != infoJSON.Sub {
				t.Errorf("JSON sub: ID token %q, userinfo %q", idJSON.Sub, infoJSON.Sub)
			}
		})
	}
}

func TestProfileURL(t *testing.T) {
	tests := []struct {
		name, issuer, user, want string
	}{
		{"plain", "https://huggingface.co", "hub.js", "https://huggingface.co/hub.js"},
		{"issuer-trailing-slash", "https://huggingface.co/", "julien-c", "https://huggingface.co/julien-c"},
		{"escaped", "https://hub.example.com", "a b/c", "https://hub.example.com/a%20b%2Fc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProfileURL(tt.issuer, tt.user); got != tt.want {
				t.Errorf("ProfileURL(%q, %q) = %q, want %q", tt.issuer, tt.user, got, tt.want)
			}
		})
	}
}

func TestAvatarURL(t *testing.T) {
	tests := []struct {
		name, issuer, stored, user, want string
	}{
		{"stored-kept", "https://hub.example.com", "https://cdn.example.com/me.png", "hub.js", "https://cdn.example.com/me.png"},
		{"generated", "https://hub.example.com", "", "hub.js", userAvatar},
		{"generated-case-insensitive", "https://hub.example.com/", "", "Hub.JS", userAvatar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AvatarURL(tt.issuer, tt.stored, tt.user); got != tt.want {
				t.Errorf("AvatarURL(%q, %q, %q) = %q, want %q", tt.issuer, tt.stored, tt.user, got, tt.want)
			}
		})
	}
}
