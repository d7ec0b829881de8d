package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
)

// Run runs the conformance suite against the backend that open creates.
// Every call of open must return a new, empty store and arrange for it to
// be closed when t ends (t.Cleanup). Subtests do not run in parallel, so a
// backend may reuse one database between them if open empties it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	s := suite{open: open}
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Users/RoundTrip", s.usersRoundTrip},
		{"Users/Errors", s.usersErrors},
		{"Users/Update", s.usersUpdate},
		{"Users/ConcurrentUpdates", s.usersConcurrentUpdates},
		{"Users/DeleteCascades", s.usersDeleteCascades},
		{"Times", s.times},
		{"Orgs", s.orgs},
		{"Memberships", s.memberships},
		{"Apps/RoundTrip", s.appsRoundTrip},
		{"Apps/Lists", s.appsLists},
		{"Apps/Errors", s.appsErrors},
		{"Apps/Update", s.appsUpdate},
		{"Apps/DeleteCascades", s.appsDeleteCascades},
		{"Consents", s.consents},
		{"Codes/RoundTrip", s.codesRoundTrip},
		{"Codes/Redeem", s.codesRedeem},
		{"Codes/RedeemAtomic", s.codesRedeemAtomic},
		{"Codes/RedeemConcurrent", s.codesRedeemConcurrent},
		{"Tokens/RoundTrip", s.tokensRoundTrip},
		{"Tokens/List", s.tokensList},
		{"Tokens/Revoke", s.tokensRevoke},
		{"Tokens/RevokeEmptyFilter", s.tokensRevokeEmptyFilter},
		{"Tokens/Rotate", s.tokensRotate},
		{"Tokens/RotateErrors", s.tokensRotateErrors},
		{"Tokens/RotateAtomic", s.tokensRotateAtomic},
		{"Tokens/RotateConcurrent", s.tokensRotateConcurrent},
		{"DeviceCodes/RoundTrip", s.devicesRoundTrip},
		{"DeviceCodes/Errors", s.devicesErrors},
		{"DeviceCodes/Update", s.devicesUpdate},
		{"DeviceCodes/Redeem", s.devicesRedeem},
		{"DeviceCodes/RedeemAtomic", s.devicesRedeemAtomic},
		{"DeviceCodes/RedeemConcurrent", s.devicesRedeemConcurrent},
		{"Sessions", s.sessions},
		{"Keys", s.keys},
		{"Keys/Concurrent", s.keysConcurrent},
		{"Secret", s.secret},
		{"Secret/Concurrent", s.secretConcurrent},
		{"GarbageCollect", s.garbageCollect},
	} {
		t.Run(tc.name, tc.fn)
	}
}

type suite struct {
	open func(t *testing.T) store.Store
}

// Fixed times. t0 has whole microseconds (see the package doc).
var (
	t0  = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	cet = time.FixedZone("CET", 3600)
)

func at(d time.Duration) time.Time { return t0.Add(d) }

// opts compares store values: nil and empty lists are equal; times compare
// with their Equal method (cmp's default for types that have one).
var opts = cmp.Options{cmpopts.EquateEmpty()}

func diff(t *testing.T, what string, want, got any, extra ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, append(cmp.Options{opts}, extra...)...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// Fixtures. Each returns a fresh value, so tests may modify it.

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
		PostLogoutRedirectURIs: []string{"https://app.example/signed-out", "http://localhost:3000/"},
		CreatedAt:              at(3 * time.Hour),
		UpdatedAt:              at(4 * time.Hour).In(cet),
	}
}

func code(secret string, a store.App, u store.User) store.AuthCode {
	return store.AuthCode{
		Hash: store.Hash(secret), ClientID: a.ClientID, UserID: u.ID,
		RedirectURI: "https://app.example/callback", Scopes: []string{"openid", "profile"},
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

// refreshToken is a live refresh token of family, not yet rotated.
func refreshToken(secret, family string, a store.App, u store.User) store.Token {
	return store.Token{
		Hash: store.Hash(secret), Kind: store.KindRefresh, UserID: u.ID, ClientID: a.ClientID,
		Scopes: []string{"openid", "profile"}, FamilyID: family, CreatedAt: t0, ExpiresAt: at(30 * 24 * time.Hour),
	}
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

func (x suite) usersRoundTrip(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b := alice(), bob()
	must(t, s.CreateUser(ctx, a))
	must(t, s.CreateUser(ctx, b))

	got, err := s.User(ctx, a.ID)
	must(t, err)
	diff(t, "User", a, got)
	for _, name := range []string{"Alice", "alice", "ALICE", "aLiCe"} {
		got, err = s.UserByName(ctx, name)
		must(t, err)
		diff(t, "UserByName("+name+")", a, got)
	}
	got, err = s.UserByName(ctx, "BOB")
	must(t, err)
	diff(t, "UserByName(BOB)", b, got)

	list, err := s.ListUsers(ctx)
	must(t, err)
	diff(t, "ListUsers", []store.User{a, b}, list, cmpopts.SortSlices(func(x, y store.User) bool { return x.ID < y.ID }))
}

func (x suite) usersErrors(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a := alice()
	must(t, s.CreateUser(ctx, a))
	called := false
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"User unknown", func() error { _, err := s.User(ctx, "nobody"); return err }, store.ErrNotFound},
		{"UserByName unknown", func() error { _, err := s.UserByName(ctx, "nobody"); return err }, store.ErrNotFound},
		{"CreateUser same ID", func() error {
			u := bob()
			u.ID = a.ID
			return s.CreateUser(ctx, u)
		}, store.ErrAlreadyExists},
		{"CreateUser same name other case", func() error {
			u := bob()
			u.Username = "aLICE"
			return s.CreateUser(ctx, u)
		}, store.ErrAlreadyExists},
		{"UpdateUser unknown", func() error {
			return s.UpdateUser(ctx, "nobody", func(*store.User) error { called = true; return nil })
		}, store.ErrNotFound},
		{"DeleteUser unknown", func() error { return s.DeleteUser(ctx, "nobody") }, store.ErrNotFound},
	} {
		wantErr(t, tc.name, tc.do(), tc.want)
	}
	if called {
		t.Error("UpdateUser called the updater for an unknown user")
	}
	list, err := s.ListUsers(ctx)
	must(t, err)
	diff(t, "ListUsers after failed writes", []store.User{a}, list)
}

func (x suite) usersUpdate(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b := alice(), bob()
	must(t, s.CreateUser(ctx, a))
	must(t, s.CreateUser(ctx, b))

	// A successful update stores exactly what the updater left.
	want := a
	want.Username = "ALICE" // a case change of one's own name is no clash
	want.FullName = "Alice P. Liddell"
	want.EmailVerified = false
	want.PasswordHash = ""
	err := s.UpdateUser(ctx, a.ID, func(u *store.User) error {
		diff(t, "updater input", a, *u)
		u.Username, u.FullName, u.EmailVerified, u.PasswordHash = want.Username, want.FullName, false, ""
		return nil
	})
	must(t, err)
	got, err := s.User(ctx, a.ID)
	must(t, err)
	diff(t, "after UpdateUser", want, got)

	// Failed updates change nothing.
	boom := errors.New("boom")
	for _, tc := range []struct {
		name   string
		update func(*store.User) error
		want   error // nil: any error
	}{
		{"updater error", func(u *store.User) error { u.FullName = "changed"; return boom }, boom},
		{"name taken", func(u *store.User) error { u.Username = "Bob"; u.FullName = "changed"; return nil }, store.ErrAlreadyExists},
		{"ID changed", func(u *store.User) error { u.ID = "c0ffee000000000000000003"; return nil }, nil},
	} {
		err := s.UpdateUser(ctx, a.ID, tc.update)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: UpdateUser error %v, want %v", tc.name, err, tc.want)
		}
		got, err := s.User(ctx, a.ID)
		must(t, err)
		diff(t, tc.name+": user after failed UpdateUser", want, got)
	}
	if _, err := s.User(ctx, "c0ffee000000000000000003"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user with the changed ID: error %v, want ErrNotFound", err)
	}
	got, err = s.User(ctx, b.ID)
	must(t, err)
	diff(t, "bob", b, got)
}

func (x suite) usersConcurrentUpdates(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a := alice()
	a.FullName = ""
	must(t, s.CreateUser(ctx, a))
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			errs <- s.UpdateUser(ctx, a.ID, func(u *store.User) error { u.FullName += "x"; return nil })
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.User(ctx, a.ID)
	must(t, err)
	if got.FullName != strings.Repeat("x", n) {
		t.Errorf("after %d concurrent appends FullName = %q: updates were lost", n, got.FullName)
	}
}

func (x suite) usersDeleteCascades(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p := seed(t, s)
	o := org("0a0000000000000000000001", "acme")
	must(t, s.CreateOrg(ctx, o))
	for _, u := range []store.User{a, b} {
		must(t, s.SetMember(ctx, o.ID, u.ID, store.RoleWrite))
		must(t, s.PutConsent(ctx, store.Consent{UserID: u.ID, ClientID: p.ClientID, Scopes: []string{"openid"}, CreatedAt: t0}))
		must(t, s.RedeemCode(ctx, code("code-"+u.Username, p, u), at(time.Minute), nil))
		must(t, s.CreateToken(ctx, accessToken("at-"+u.Username, p, u)))
		must(t, s.CreateToken(ctx, userToken("ut-"+u.Username, u, t0)))
		must(t, s.CreateSession(ctx, session("sess-"+u.Username, u)))
	}

	must(t, s.DeleteUser(ctx, a.ID))

	if _, err := s.User(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User after delete: %v, want ErrNotFound", err)
	}
	if _, err := s.UserByName(ctx, a.Username); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByName after delete: %v, want ErrNotFound", err)
	}
	checkUser := func(u store.User, gone bool) {
		t.Helper()
		want := func(what string, err error) {
			t.Helper()
			if gone && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of deleted user: error %v, want ErrNotFound", what, err)
			}
			if !gone && err != nil {
				t.Errorf("%s of other user: %v", what, err)
			}
		}
		_, err := s.Consent(ctx, u.ID, p.ClientID)
		want("Consent", err)
		_, err = s.Code(ctx, store.Hash("code-"+u.Username))
		want("Code", err)
		_, err = s.Token(ctx, store.Hash("at-"+u.Username))
		want("access Token", err)
		_, err = s.Token(ctx, store.Hash("ut-"+u.Username))
		want("user Token", err)
		_, err = s.Session(ctx, store.Hash("sess-"+u.Username))
		want("Session", err)
		ms, err := s.Memberships(ctx, u.ID)
		must(t, err)
		if gone != (len(ms) == 0) {
			t.Errorf("Memberships of %s (deleted: %v) = %v", u.Username, gone, ms)
		}
		ts, err := s.ListTokens(ctx, u.ID, store.KindUser)
		must(t, err)
		if gone != (len(ts) == 0) {
			t.Errorf("ListTokens of %s (deleted: %v) = %v", u.Username, gone, ts)
		}
		cs, err := s.ListConsents(ctx, u.ID)
		must(t, err)
		if gone != (len(cs) == 0) {
			t.Errorf("ListConsents of %s (deleted: %v) = %v", u.Username, gone, cs)
		}
	}
	checkUser(a, true)
	checkUser(b, false)
	if _, err := s.OrgByName(ctx, o.Name); err != nil {
		t.Errorf("org after deleting a member: %v", err)
	}
	if _, err := s.App(ctx, p.ClientID); err != nil {
		t.Errorf("app after deleting its owner: %v", err)
	}

	// The ID and name are free again, with nothing attached.
	must(t, s.CreateUser(ctx, a))
	checkUser(a, true)
}

func (x suite) times(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	for i, tm := range []time.Time{
		{},
		time.Unix(0, 0),
		time.Unix(0, 1000),
		time.Unix(-1, 0),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2200, 6, 1, 12, 0, 0, 123456000, time.FixedZone("X", -7*3600-1800)),
		t0.In(cet),
	} {
		u := store.User{ID: fmt.Sprintf("%024d", i), Username: fmt.Sprintf("u%d", i), CreatedAt: tm}
		must(t, s.CreateUser(ctx, u))
		got, err := s.User(ctx, u.ID)
		must(t, err)
		if !got.CreatedAt.Equal(tm) || got.CreatedAt.IsZero() != tm.IsZero() {
			t.Errorf("time %v read back as %v", tm, got.CreatedAt)
		}
	}
}

func (x suite) orgs(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	acme, zeta := org("0a0000000000000000000001", "Acme"), org("0a0000000000000000000002", "zeta")
	zeta.Plan, zeta.FullName, zeta.AvatarURL, zeta.CreatedAt = "", "", "", time.Time{}
	must(t, s.CreateOrg(ctx, acme))
	must(t, s.CreateOrg(ctx, zeta))
	for _, name := range []string{"Acme", "acme", "ACME"} {
		got, err := s.OrgByName(ctx, name)
		must(t, err)
		diff(t, "OrgByName("+name+")", acme, got)
	}
	got, err := s.OrgByName(ctx, "Zeta")
	must(t, err)
	diff(t, "OrgByName(Zeta)", zeta, got)
	list, err := s.ListOrgs(ctx)
	must(t, err)
	diff(t, "ListOrgs", []store.Org{acme, zeta}, list, cmpopts.SortSlices(func(x, y store.Org) bool { return x.ID < y.ID }))

	dupID := org(acme.ID, "other")
	wantErr(t, "CreateOrg same ID", s.CreateOrg(ctx, dupID), store.ErrAlreadyExists)
	dupName := org("0a0000000000000000000003", "aCmE")
	wantErr(t, "CreateOrg same name", s.CreateOrg(ctx, dupName), store.ErrAlreadyExists)
	_, err = s.OrgByName(ctx, "nobody")
	wantErr(t, "OrgByName unknown", err, store.ErrNotFound)
}

func (x suite) memberships(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b := alice(), bob()
	must(t, s.CreateUser(ctx, a))
	must(t, s.CreateUser(ctx, b))
	zeta, alpha, mid := org("0a0000000000000000000001", "zeta"), org("0a0000000000000000000002", "alpha"), org("0a0000000000000000000003", "mid")
	for _, o := range []store.Org{zeta, alpha, mid} {
		must(t, s.CreateOrg(ctx, o))
	}
	must(t, s.SetMember(ctx, zeta.ID, a.ID, store.RoleRead))
	must(t, s.SetMember(ctx, alpha.ID, a.ID, store.RoleAdmin))
	must(t, s.SetMember(ctx, mid.ID, a.ID, store.RoleContributor))
	must(t, s.SetMember(ctx, mid.ID, b.ID, store.RoleWrite))

	check := func(what string, u store.User, want []store.Membership) {
		t.Helper()
		got, err := s.Memberships(ctx, u.ID)
		must(t, err)
		diff(t, what, want, got)
	}
	check("Memberships", a, []store.Membership{{Org: alpha, Role: store.RoleAdmin}, {Org: mid, Role: store.RoleContributor}, {Org: zeta, Role: store.RoleRead}})
	check("Memberships of bob", b, []store.Membership{{Org: mid, Role: store.RoleWrite}})

	// Setting again changes the role; "" removes, and removing again is fine.
	must(t, s.SetMember(ctx, zeta.ID, a.ID, store.RoleWrite))
	must(t, s.SetMember(ctx, alpha.ID, a.ID, ""))
	must(t, s.SetMember(ctx, alpha.ID, a.ID, ""))
	must(t, s.SetMember(ctx, alpha.ID, b.ID, ""))
	check("Memberships after changes", a, []store.Membership{{Org: mid, Role: store.RoleContributor}, {Org: zeta, Role: store.RoleWrite}})
	check("Memberships of bob after changes", b, []store.Membership{{Org: mid, Role: store.RoleWrite}})
	check("Memberships of unknown user", store.User{ID: "nobody"}, nil)

	wantErr(t, "SetMember unknown org", s.SetMember(ctx, "0a0000000000000000000009", a.ID, store.RoleRead), store.ErrNotFound)
	wantErr(t, "SetMember unknown user", s.SetMember(ctx, zeta.ID, "nobody", store.RoleRead), store.ErrNotFound)
	check("Memberships after failed SetMember", a, []store.Membership{{Org: mid, Role: store.RoleContributor}, {Org: zeta, Role: store.RoleWrite}})
}

func (x suite) appsRoundTrip(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	full := app(1)
	public := store.App{ClientID: "00000000-0000-4000-8000-00000000000f", Name: "Public", Public: true,
		RedirectURIs: []string{"http://127.0.0.1/cb"}, TokenTTL: time.Hour, IDTokenAlg: "ES256", Disabled: true}
	must(t, s.CreateApp(ctx, full))
	must(t, s.CreateApp(ctx, public))
	for _, want := range []store.App{full, public} {
		got, err := s.App(ctx, want.ClientID)
		must(t, err)
		diff(t, "App", want, got)
	}
	got, err := s.AppBySpace(ctx, full.SpaceID)
	must(t, err)
	diff(t, "AppBySpace", full, got)
	list, err := s.ListApps(ctx)
	must(t, err)
	diff(t, "ListApps", []store.App{full, public}, list, cmpopts.SortSlices(func(x, y store.App) bool { return x.ClientID < y.ClientID }))
}

func (x suite) appsLists(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	awkward := []string{"", `say "hi"`, `a","b`, `back\slash`, "<b>&amp;</b>", "a b\tc\nd", "héllo, wörld ✓", "[]", "null"}
	for i, l := range [][]string{nil, {}, {"one"}, {""}, awkward} {
		a := store.App{ClientID: fmt.Sprintf("lists-%d", i), RedirectURIs: l, Scopes: l, SpaceHosts: l, AuthorizedOrgs: l,
			PostLogoutRedirectURIs: l}
		must(t, s.CreateApp(ctx, a))
		got, err := s.App(ctx, a.ClientID)
		must(t, err)
		diff(t, fmt.Sprintf("App with lists %q", l), a, got)
	}
}

func (x suite) appsErrors(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a := app(1)
	must(t, s.CreateApp(ctx, a))
	other := app(2)
	other.SpaceID = a.SpaceID
	called := false
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"CreateApp same client ID", func() error { return s.CreateApp(ctx, a) }, store.ErrAlreadyExists},
		{"CreateApp same Space", func() error { return s.CreateApp(ctx, other) }, store.ErrAlreadyExists},
		{"App unknown", func() error { _, err := s.App(ctx, "nope"); return err }, store.ErrNotFound},
		{"AppBySpace unknown", func() error { _, err := s.AppBySpace(ctx, "alice/nope"); return err }, store.ErrNotFound},
		{"AppBySpace empty", func() error { _, err := s.AppBySpace(ctx, ""); return err }, store.ErrNotFound},
		{"UpdateApp unknown", func() error {
			return s.UpdateApp(ctx, "nope", func(*store.App) error { called = true; return nil })
		}, store.ErrNotFound},
		{"DeleteApp unknown", func() error { return s.DeleteApp(ctx, "nope") }, store.ErrNotFound},
	} {
		wantErr(t, tc.name, tc.do(), tc.want)
	}
	if called {
		t.Error("UpdateApp called the updater for an unknown app")
	}
	// Apps without a Space do not clash with each other.
	for i := range 2 {
		must(t, s.CreateApp(ctx, store.App{ClientID: fmt.Sprintf("nospace-%d", i)}))
	}
	list, err := s.ListApps(ctx)
	must(t, err)
	if len(list) != 3 {
		t.Errorf("ListApps returned %d apps, want 3", len(list))
	}
}

func (x suite) appsUpdate(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b := app(1), app(2)
	must(t, s.CreateApp(ctx, a))
	must(t, s.CreateApp(ctx, b))

	want := a
	want.Name = "Renamed"
	want.RedirectURIs = []string{"https://new.example/cb"}
	want.Scopes = nil
	want.SecretHash = store.Digest{}
	want.Public = true
	want.SpaceID = "alice/moved"
	want.RefreshTokens = false
	want.PostLogoutRedirectURIs = []string{"https://new.example/bye"}
	want.UpdatedAt = at(5 * time.Hour)
	must(t, s.UpdateApp(ctx, a.ClientID, func(p *store.App) error {
		diff(t, "updater input", a, *p)
		*p = want
		return nil
	}))
	got, err := s.App(ctx, a.ClientID)
	must(t, err)
	diff(t, "after UpdateApp", want, got)
	got, err = s.AppBySpace(ctx, "alice/moved")
	must(t, err)
	diff(t, "AppBySpace after move", want, got)
	_, err = s.AppBySpace(ctx, a.SpaceID)
	wantErr(t, "AppBySpace old Space", err, store.ErrNotFound)

	boom := errors.New("boom")
	for _, tc := range []struct {
		name   string
		update func(*store.App) error
		want   error // nil: any error
	}{
		{"updater error", func(p *store.App) error { p.Name = "changed"; return boom }, boom},
		{"Space taken", func(p *store.App) error { p.SpaceID = b.SpaceID; p.Name = "changed"; return nil }, store.ErrAlreadyExists},
		{"client ID changed", func(p *store.App) error { p.ClientID = "other"; return nil }, nil},
	} {
		err := s.UpdateApp(ctx, a.ClientID, tc.update)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: UpdateApp error %v, want %v", tc.name, err, tc.want)
		}
		got, err := s.App(ctx, a.ClientID)
		must(t, err)
		diff(t, tc.name+": app after failed UpdateApp", want, got)
	}
	_, err = s.App(ctx, "other")
	wantErr(t, "app with the changed client ID", err, store.ErrNotFound)
	got, err = s.App(ctx, b.ClientID)
	must(t, err)
	diff(t, "other app", b, got)
}

func (x suite) appsDeleteCascades(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p1 := seed(t, s)
	p2 := app(2)
	must(t, s.CreateApp(ctx, p2))
	for _, p := range []store.App{p1, p2} {
		for _, u := range []store.User{a, b} {
			key := p.Name + "/" + u.Username
			must(t, s.PutConsent(ctx, store.Consent{UserID: u.ID, ClientID: p.ClientID, Scopes: []string{"openid"}}))
			must(t, s.RedeemCode(ctx, code("code "+key, p, u), at(time.Minute), nil))
			must(t, s.CreateToken(ctx, accessToken("at "+key, p, u)))
			must(t, s.CreateDeviceCode(ctx, approved(deviceCode("device "+key, "user code "+key, p), u)))
		}
	}
	ut := userToken("ut", a, t0)
	must(t, s.CreateToken(ctx, ut))

	must(t, s.DeleteApp(ctx, p1.ClientID))

	_, err := s.App(ctx, p1.ClientID)
	wantErr(t, "App after delete", err, store.ErrNotFound)
	_, err = s.AppBySpace(ctx, p1.SpaceID)
	wantErr(t, "AppBySpace after delete", err, store.ErrNotFound)
	for _, p := range []store.App{p1, p2} {
		gone := p.ClientID == p1.ClientID
		for _, u := range []store.User{a, b} {
			key := p.Name + "/" + u.Username
			for what, err := range map[string]error{
				"Consent": func() error { _, err := s.Consent(ctx, u.ID, p.ClientID); return err }(),
				"Code":    func() error { _, err := s.Code(ctx, store.Hash("code "+key)); return err }(),
				"Token":   func() error { _, err := s.Token(ctx, store.Hash("at "+key)); return err }(),
				"DeviceCode": func() error {
					_, err := s.DeviceCode(ctx, store.Hash("device "+key))
					return err
				}(),
				"DeviceCodeByUserCode": func() error {
					_, err := s.DeviceCodeByUserCode(ctx, store.Hash("user code "+key))
					return err
				}(),
			} {
				if gone && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s %s of deleted app: error %v, want ErrNotFound", what, key, err)
				}
				if !gone && err != nil {
					t.Errorf("%s %s of other app: %v", what, key, err)
				}
			}
		}
	}
	got, err := s.Token(ctx, ut.Hash)
	must(t, err)
	diff(t, "user token", ut, got)
	cs, err := s.ListConsents(ctx, a.ID)
	must(t, err)
	if len(cs) != 1 || cs[0].ClientID != p2.ClientID {
		t.Errorf("ListConsents after DeleteApp = %v, want only %s", cs, p2.ClientID)
	}
}

func (x suite) consents(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p1 := seed(t, s)
	p2 := app(2)
	must(t, s.CreateApp(ctx, p2))

	c1 := store.Consent{UserID: a.ID, ClientID: p1.ClientID, Scopes: []string{"openid", "profile", "email"},
		CreatedAt: t0, UpdatedAt: t0.In(cet)}
	c2 := store.Consent{UserID: a.ID, ClientID: p2.ClientID, Scopes: []string{"openid"}, CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour)}
	c3 := store.Consent{UserID: b.ID, ClientID: p1.ClientID, Scopes: []string{"openid", "profile"}, CreatedAt: t0, UpdatedAt: t0}
	for _, c := range []store.Consent{c1, c2, c3} {
		must(t, s.PutConsent(ctx, c))
	}
	got, err := s.Consent(ctx, a.ID, p1.ClientID)
	must(t, err)
	diff(t, "Consent", c1, got)

	// PutConsent replaces: scopes are not merged.
	c1.Scopes = []string{"openid", "read-repos"}
	c1.UpdatedAt = at(2 * time.Hour)
	must(t, s.PutConsent(ctx, c1))
	got, err = s.Consent(ctx, a.ID, p1.ClientID)
	must(t, err)
	diff(t, "Consent after replace", c1, got)

	byClient := cmpopts.SortSlices(func(x, y store.Consent) bool { return x.ClientID < y.ClientID })
	list, err := s.ListConsents(ctx, a.ID)
	must(t, err)
	diff(t, "ListConsents", []store.Consent{c1, c2}, list, byClient)

	must(t, s.DeleteConsent(ctx, a.ID, p1.ClientID))
	_, err = s.Consent(ctx, a.ID, p1.ClientID)
	wantErr(t, "Consent after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteConsent again", s.DeleteConsent(ctx, a.ID, p1.ClientID), store.ErrNotFound)
	list, err = s.ListConsents(ctx, a.ID)
	must(t, err)
	diff(t, "ListConsents after delete", []store.Consent{c2}, list)
	got, err = s.Consent(ctx, b.ID, p1.ClientID)
	must(t, err)
	diff(t, "other user's consent", c3, got)

	wantErr(t, "PutConsent unknown user", s.PutConsent(ctx, store.Consent{UserID: "nobody", ClientID: p1.ClientID}), store.ErrNotFound)
	wantErr(t, "PutConsent unknown app", s.PutConsent(ctx, store.Consent{UserID: a.ID, ClientID: "nope"}), store.ErrNotFound)
	_, err = s.Consent(ctx, a.ID, "nope")
	wantErr(t, "Consent unknown", err, store.ErrNotFound)
}

func (x suite) codesRoundTrip(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	full := code("code-1", p, a)
	plain := store.AuthCode{Hash: store.Hash("code-2"), ClientID: p.ClientID, UserID: a.ID,
		RedirectURI: "http://localhost/cb", CreatedAt: t0, ExpiresAt: at(time.Minute)}
	now := at(30 * time.Second)
	for _, c := range []store.AuthCode{full, plain} {
		_, err := s.Code(ctx, c.Hash)
		wantErr(t, "Code before RedeemCode", err, store.ErrNotFound)
		must(t, s.RedeemCode(ctx, c, now, nil))
		got, err := s.Code(ctx, c.Hash)
		must(t, err)
		want := c
		want.UsedAt = now
		diff(t, "Code", want, got)
	}

	bad := code("code-3", p, a)
	bad.ClientID = "nope"
	wantErr(t, "RedeemCode unknown app", s.RedeemCode(ctx, bad, now, nil), store.ErrNotFound)
	bad = code("code-4", p, a)
	bad.UserID = "nobody"
	wantErr(t, "RedeemCode unknown user", s.RedeemCode(ctx, bad, now, nil), store.ErrNotFound)
	for _, h := range []string{"code-3", "code-4"} {
		_, err := s.Code(ctx, store.Hash(h))
		wantErr(t, "Code after a failed RedeemCode", err, store.ErrNotFound)
	}
}

func (x suite) codesRedeem(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	c := code("code", p, a)
	now := at(time.Minute)
	at1 := accessToken("at-1", p, a)
	at1.CodeHash = c.Hash
	rt1 := at1
	rt1.Hash, rt1.Kind, rt1.ExpiresAt = store.Hash("rt-1"), store.KindRefresh, time.Time{}
	must(t, s.RedeemCode(ctx, c, now, []store.Token{at1, rt1}))

	want := c
	want.UsedAt = now
	got, err := s.Code(ctx, c.Hash)
	must(t, err)
	diff(t, "Code after redeem", want, got)
	for _, tok := range []store.Token{at1, rt1} {
		got, err := s.Token(ctx, tok.Hash)
		must(t, err)
		diff(t, "issued token", tok, got)
	}

	// A replay stores nothing and leaves the record alone, whatever the
	// replayed copy says.
	at2 := accessToken("at-2", p, a)
	again := c
	again.Nonce = "other"
	err = s.RedeemCode(ctx, again, at(2*time.Minute), []store.Token{at2})
	wantErr(t, "RedeemCode again", err, store.ErrCodeUsed)
	_, err = s.Token(ctx, at2.Hash)
	wantErr(t, "token of the replay", err, store.ErrNotFound)
	got, err = s.Code(ctx, c.Hash)
	must(t, err)
	diff(t, "Code after replay", want, got)

	// What the replay revokes is found by the code hash.
	n, err := s.RevokeTokens(ctx, store.TokenFilter{CodeHash: c.Hash}, at(3*time.Minute))
	must(t, err)
	if n != 2 {
		t.Errorf("RevokeTokens by code revoked %d, want 2", n)
	}
}

func (x suite) codesRedeemAtomic(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	existing := accessToken("existing", p, a)
	must(t, s.CreateToken(ctx, existing))
	orphan := accessToken("orphan", p, a)
	orphan.UserID = "nobody"
	for _, tc := range []struct {
		name string
		bad  store.Token
	}{
		{"duplicate token", existing},
		{"token of unknown user", orphan},
	} {
		c := code("code "+tc.name, p, a)
		good := accessToken("good "+tc.name, p, a)
		if err := s.RedeemCode(ctx, c, at(time.Minute), []store.Token{good, tc.bad}); err == nil {
			t.Errorf("%s: RedeemCode succeeded", tc.name)
		}
		_, err := s.Code(ctx, c.Hash)
		wantErr(t, tc.name+": code after failed RedeemCode", err, store.ErrNotFound)
		_, err = s.Token(ctx, good.Hash)
		wantErr(t, tc.name+": good token after failed RedeemCode", err, store.ErrNotFound)
		// The code is still redeemable.
		must(t, s.RedeemCode(ctx, c, at(2*time.Minute), []store.Token{good}))
	}
}

func (x suite) codesRedeemConcurrent(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	c := code("code", p, a)
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			tok := accessToken(fmt.Sprintf("at-%d", i), p, a)
			errs[i] = s.RedeemCode(ctx, c, at(time.Duration(i+1)*time.Second), []store.Token{tok})
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("redeemers %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrCodeUsed):
			t.Errorf("redeemer %d: error %v, want ErrCodeUsed", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no redeemer succeeded")
	}
	for i := range n {
		_, err := s.Token(ctx, store.Hash(fmt.Sprintf("at-%d", i)))
		if i == winner && err != nil {
			t.Errorf("winner's token: %v", err)
		}
		if i != winner && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("loser %d's token: error %v, want ErrNotFound", i, err)
		}
	}
	got, err := s.Code(ctx, c.Hash)
	must(t, err)
	if want := at(time.Duration(winner+1) * time.Second); !got.UsedAt.Equal(want) {
		t.Errorf("UsedAt = %v, want the winner's %v", got.UsedAt, want)
	}
}

func (x suite) tokensRoundTrip(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p := seed(t, s)
	access := accessToken("access", p, a)
	access.CodeHash = store.Hash("code")
	refresh := store.Token{Hash: store.Hash("refresh"), Kind: store.KindRefresh, UserID: b.ID, ClientID: p.ClientID,
		Scopes: []string{"openid"}, CreatedAt: t0.In(cet), RevokedAt: at(time.Hour)}
	user := userToken("hf_user", a, t0)
	user.Scopes = []string{"inference-api"}
	bare := store.Token{Hash: store.Hash("bare"), Kind: store.KindUser, UserID: a.ID}
	current := refreshToken("current", "family-1", p, a)
	rotated := refreshToken("rotated", "family-1", p, a)
	rotated.RotatedAt = at(time.Minute).In(cet)
	rotated.Successor = []byte{0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 0}
	familyAccess := accessToken("family access", p, a)
	familyAccess.FamilyID = "family-1"
	for _, tok := range []store.Token{access, refresh, user, bare, current, rotated, familyAccess} {
		must(t, s.CreateToken(ctx, tok))
		got, err := s.Token(ctx, tok.Hash)
		must(t, err)
		diff(t, "Token "+tok.Kind, tok, got)
		got, gotUser, err := s.TokenWithUser(ctx, tok.Hash)
		must(t, err)
		diff(t, "TokenWithUser "+tok.Kind, tok, got)
		wantUser, err := s.User(ctx, tok.UserID)
		must(t, err)
		diff(t, "TokenWithUser's user", wantUser, gotUser)
	}
	list, err := s.ListTokens(ctx, a.ID, store.KindRefresh)
	must(t, err)
	diff(t, "ListTokens refresh", []store.Token{current, rotated}, list,
		cmpopts.SortSlices(func(x, y store.Token) bool { return bytes.Compare(x.Hash[:], y.Hash[:]) < 0 }))

	// No successor, nil or empty, reads back as nil (not merely empty).
	for i, none := range [][]byte{nil, {}} {
		tok := refreshToken(fmt.Sprintf("no successor %d", i), "family-2", p, a)
		tok.RotatedAt, tok.Successor = at(time.Minute), none
		must(t, s.CreateToken(ctx, tok))
		got, err := s.Token(ctx, tok.Hash)
		must(t, err)
		diff(t, "Token without successor", tok, got)
		if got.Successor != nil {
			t.Errorf("Successor %#v read back as %#v, want nil", none, got.Successor)
		}
	}

	wantErr(t, "CreateToken again", s.CreateToken(ctx, access), store.ErrAlreadyExists)
	_, err = s.Token(ctx, store.Hash("nope"))
	wantErr(t, "Token unknown", err, store.ErrNotFound)
	_, _, err = s.TokenWithUser(ctx, store.Hash("nope"))
	wantErr(t, "TokenWithUser unknown", err, store.ErrNotFound)
	must(t, s.DeleteUser(ctx, b.ID))
	_, _, err = s.TokenWithUser(ctx, refresh.Hash)
	wantErr(t, "TokenWithUser of a deleted user's token", err, store.ErrNotFound)
	if _, u, err := s.TokenWithUser(ctx, access.Hash); err != nil || u.ID != a.ID {
		t.Errorf("TokenWithUser of another user's token after a delete: user %q, %v; want %q", u.ID, err, a.ID)
	}
	orphan := accessToken("orphan", p, a)
	orphan.UserID = "nobody"
	wantErr(t, "CreateToken unknown user", s.CreateToken(ctx, orphan), store.ErrNotFound)
	orphan = accessToken("orphan", p, a)
	orphan.ClientID = "nope"
	wantErr(t, "CreateToken unknown app", s.CreateToken(ctx, orphan), store.ErrNotFound)
}

func (x suite) tokensList(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p := seed(t, s)
	old := userToken("old", a, at(-time.Hour))
	mid := userToken("mid", a, t0)
	mid.RevokedAt = at(time.Minute)
	newest := userToken("new", a, at(time.Hour))
	for _, tok := range []store.Token{mid, newest, old, userToken("bob's", b, t0), accessToken("access", p, a)} {
		must(t, s.CreateToken(ctx, tok))
	}
	got, err := s.ListTokens(ctx, a.ID, store.KindUser)
	must(t, err)
	diff(t, "ListTokens", []store.Token{newest, mid, old}, got)
	got, err = s.ListTokens(ctx, a.ID, store.KindRefresh)
	must(t, err)
	diff(t, "ListTokens refresh", []store.Token(nil), got)
}

func (x suite) tokensRevoke(t *testing.T) {
	c1, c2 := store.Hash("code-1"), store.Hash("code-2")
	earlier := at(-time.Hour)
	now := at(time.Hour)
	for _, tc := range []struct {
		name string
		f    store.TokenFilter
		want []string // secrets of the tokens revoked now
	}{
		{"user", store.TokenFilter{UserID: "a11ce0000000000000000001"}, []string{"a1", "a2", "u1", "f0", "f1"}},
		{"client", store.TokenFilter{ClientID: app(1).ClientID}, []string{"a1", "b1", "f0", "f1"}},
		{"code", store.TokenFilter{CodeHash: c1}, []string{"a1"}},
		{"user and client", store.TokenFilter{UserID: "a11ce0000000000000000001", ClientID: app(1).ClientID}, []string{"a1", "f0", "f1"}},
		{"client and code", store.TokenFilter{ClientID: app(1).ClientID, CodeHash: c2}, []string{"b1"}},
		{"all three, no match", store.TokenFilter{UserID: "b0b000000000000000000002", ClientID: app(2).ClientID, CodeHash: c1}, nil},
		{"unknown user", store.TokenFilter{UserID: "nobody"}, nil},
		{"hash", store.TokenFilter{Hash: store.Hash("b1")}, []string{"b1"}},
		{"hash of a rotated token", store.TokenFilter{Hash: store.Hash("f0")}, []string{"f0"}},
		{"hash of a revoked token", store.TokenFilter{Hash: store.Hash("r0")}, nil},
		{"unknown hash", store.TokenFilter{Hash: store.Hash("nope")}, nil},
		// A family's rotated refresh tokens are live until revoked: reuse
		// detection revokes them with the rest.
		{"family", store.TokenFilter{FamilyID: "family-1"}, []string{"a1", "f0", "f1"}},
		{"other family", store.TokenFilter{FamilyID: "family-2"}, []string{"a2"}},
		{"unknown family", store.TokenFilter{FamilyID: "family-9"}, nil},
		{"hash and family", store.TokenFilter{Hash: store.Hash("a1"), FamilyID: "family-1"}, []string{"a1"}},
		{"hash and other family", store.TokenFilter{Hash: store.Hash("a1"), FamilyID: "family-2"}, nil},
		{"hash and other user", store.TokenFilter{Hash: store.Hash("a1"), UserID: "b0b000000000000000000002"}, nil},
		{"family and client", store.TokenFilter{FamilyID: "family-2", ClientID: app(2).ClientID}, []string{"a2"}},
		{"family and other client", store.TokenFilter{FamilyID: "family-1", ClientID: app(2).ClientID}, nil},
		{"family and code", store.TokenFilter{FamilyID: "family-1", CodeHash: c1}, []string{"a1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := x.open(t), t.Context()
			a, b, p1 := seed(t, s)
			p2 := app(2)
			must(t, s.CreateApp(ctx, p2))
			a1 := accessToken("a1", p1, a)
			a1.CodeHash = c1
			a1.FamilyID = "family-1"
			a2 := accessToken("a2", p2, a)
			a2.FamilyID = "family-2"
			b1 := accessToken("b1", p1, b)
			b1.CodeHash = c2
			u1 := userToken("u1", a, t0)
			r0 := accessToken("r0", p1, a) // revoked before: not counted, not changed
			r0.CodeHash = c1
			r0.RevokedAt = earlier
			r0.FamilyID = "family-1"
			f0 := refreshToken("f0", "family-1", p1, a) // rotated, still live
			f0.RotatedAt, f0.Successor = at(-time.Minute), []byte("sealed f1")
			f1 := refreshToken("f1", "family-1", p1, a)
			all := map[string]store.Token{"a1": a1, "a2": a2, "b1": b1, "u1": u1, "r0": r0, "f0": f0, "f1": f1}
			for _, tok := range all {
				must(t, s.CreateToken(ctx, tok))
			}
			n, err := s.RevokeTokens(ctx, tc.f, now)
			must(t, err)
			if n != int64(len(tc.want)) {
				t.Errorf("RevokeTokens(%+v) = %d, want %d", tc.f, n, len(tc.want))
			}
			for _, secret := range tc.want {
				tok := all[secret]
				tok.RevokedAt = now
				all[secret] = tok
			}
			for secret, want := range all {
				got, err := s.Token(ctx, want.Hash)
				must(t, err)
				diff(t, "token "+secret, want, got)
			}
		})
	}
}

func (x suite) tokensRevokeEmptyFilter(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	tok := accessToken("at", p, a)
	must(t, s.CreateToken(ctx, tok))
	if n, err := s.RevokeTokens(ctx, store.TokenFilter{}, t0); err == nil {
		t.Errorf("RevokeTokens with an empty filter revoked %d tokens and no error", n)
	}
	got, err := s.Token(ctx, tok.Hash)
	must(t, err)
	diff(t, "token after refused RevokeTokens", tok, got)
}

// familyPair is what one rotation in family issues: an access token and the
// successor refresh token, named after n.
func familyPair(n, family string, a store.App, u store.User) []store.Token {
	access := accessToken("at-"+n, a, u)
	access.FamilyID = family
	return []store.Token{access, refreshToken("rt-"+n, family, a, u)}
}

// wantTokens checks that each token is stored exactly as given.
func wantTokens(t *testing.T, s store.Store, what string, toks []store.Token) {
	t.Helper()
	for _, tok := range toks {
		got, err := s.Token(t.Context(), tok.Hash)
		if err != nil {
			t.Errorf("%s: token %s: %v", what, tok.Kind, err)
			continue
		}
		diff(t, what+": token "+tok.Kind, tok, got)
	}
}

// wantNoTokens checks that none of the tokens was stored.
func wantNoTokens(t *testing.T, s store.Store, what string, toks []store.Token) {
	t.Helper()
	for _, tok := range toks {
		_, err := s.Token(t.Context(), tok.Hash)
		wantErr(t, what+": token "+tok.Kind+" stored", err, store.ErrNotFound)
	}
}

func (x suite) tokensRotate(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	const family = "family-1"
	rt0 := refreshToken("rt-0", family, p, a)
	must(t, s.CreateToken(ctx, rt0))

	// The first rotation marks the token and stores its successors; it
	// returns the token as now stored.
	now := at(time.Hour)
	sealed := []byte("sealed successor\x00\xff")
	issued := familyPair("1", family, p, a)
	got, err := s.RotateRefresh(ctx, rt0.Hash, now, sealed, issued)
	must(t, err)
	want := rt0
	want.RotatedAt, want.Successor = now, sealed
	diff(t, "RotateRefresh result", want, got)
	wantTokens(t, s, "after RotateRefresh", append([]store.Token{want}, issued...))

	// A retry stores nothing and returns the row as the first rotation left it.
	retry := familyPair("retry", family, p, a)
	got, err = s.RotateRefresh(ctx, rt0.Hash, at(2*time.Hour), []byte("other sealed successor"), retry)
	wantErr(t, "RotateRefresh again", err, store.ErrTokenRotated)
	diff(t, "RotateRefresh again: returned row", want, got)
	wantNoTokens(t, s, "RotateRefresh again", retry)
	wantTokens(t, s, "after RotateRefresh again", append([]store.Token{want}, issued...))

	// The successor rotates in turn; with no sealed response and no tokens.
	rt1 := issued[1]
	got, err = s.RotateRefresh(ctx, rt1.Hash, at(3*time.Hour), nil, nil)
	must(t, err)
	want1 := rt1
	want1.RotatedAt = at(3 * time.Hour)
	diff(t, "RotateRefresh of the successor", want1, got)
	got, err = s.RotateRefresh(ctx, rt1.Hash, at(4*time.Hour), []byte("sealed"), nil)
	wantErr(t, "RotateRefresh of the successor again", err, store.ErrTokenRotated)
	diff(t, "RotateRefresh of the successor again: returned row", want1, got)
	if got.Successor != nil {
		t.Errorf("Successor of a token rotated without one = %#v, want nil", got.Successor)
	}

	// Reuse detection revokes the family, rotated tokens included. A rotated
	// token stays ErrTokenRotated once revoked; the row shows RevokedAt.
	n, err := s.RevokeTokens(ctx, store.TokenFilter{FamilyID: family}, at(5*time.Hour))
	must(t, err)
	if n != 3 {
		t.Errorf("RevokeTokens of the family revoked %d tokens, want 3", n)
	}
	want.RevokedAt = at(5 * time.Hour)
	late := familyPair("late", family, p, a)
	got, err = s.RotateRefresh(ctx, rt0.Hash, at(6*time.Hour), []byte("late"), late)
	wantErr(t, "RotateRefresh of a rotated, revoked token", err, store.ErrTokenRotated)
	diff(t, "RotateRefresh of a rotated, revoked token: returned row", want, got)
	wantNoTokens(t, s, "RotateRefresh of a rotated, revoked token", late)

	// ExpiresAt is the caller's to check, as for codes.
	expired := refreshToken("expired", "family-2", p, a)
	expired.ExpiresAt = at(-time.Hour)
	must(t, s.CreateToken(ctx, expired))
	got, err = s.RotateRefresh(ctx, expired.Hash, now, sealed, nil)
	must(t, err)
	expired.RotatedAt, expired.Successor = now, sealed
	diff(t, "RotateRefresh of an expired token", expired, got)
}

func (x suite) tokensRotateErrors(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	revoked := refreshToken("revoked", "family-r", p, a)
	revoked.RevokedAt = at(-time.Minute)
	access := accessToken("access", p, a)
	access.FamilyID = "family-a"
	user := userToken("user", a, t0)
	existing := []store.Token{revoked, access, user}
	for _, tok := range existing {
		must(t, s.CreateToken(ctx, tok))
	}
	for _, tc := range []struct {
		name string
		hash store.Digest
		want error // nil: any error but ErrTokenRotated
	}{
		{"unknown token", store.Hash("nope"), store.ErrNotFound},
		{"revoked refresh token", revoked.Hash, nil},
		{"access token", access.Hash, nil},
		{"user token", user.Hash, nil},
	} {
		issued := familyPair(tc.name, "family-x", p, a)
		_, err := s.RotateRefresh(ctx, tc.hash, t0, []byte("sealed"), issued)
		if err == nil || errors.Is(err, store.ErrTokenRotated) || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: RotateRefresh error %v, want %v (any error but ErrTokenRotated if nil)", tc.name, err, tc.want)
		}
		wantNoTokens(t, s, tc.name, issued)
	}
	wantTokens(t, s, "after failed rotations", existing)
	_, err := s.Token(ctx, store.Hash("nope"))
	wantErr(t, "unknown token after RotateRefresh", err, store.ErrNotFound)
}

func (x suite) tokensRotateAtomic(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	existing := accessToken("existing", p, a)
	must(t, s.CreateToken(ctx, existing))
	orphan := accessToken("orphan", p, a)
	orphan.UserID = "nobody"
	for _, tc := range []struct {
		name string
		bad  store.Token
	}{
		{"duplicate token", existing},
		{"token of unknown user", orphan},
	} {
		rt := refreshToken("rt "+tc.name, "family "+tc.name, p, a)
		must(t, s.CreateToken(ctx, rt))
		good := refreshToken("good "+tc.name, rt.FamilyID, p, a)
		_, err := s.RotateRefresh(ctx, rt.Hash, at(time.Minute), []byte("sealed"), []store.Token{good, tc.bad})
		if err == nil || errors.Is(err, store.ErrTokenRotated) {
			t.Errorf("%s: RotateRefresh error %v, want an error but ErrTokenRotated", tc.name, err)
		}
		wantTokens(t, s, tc.name+": after failed RotateRefresh", []store.Token{rt, existing})
		wantNoTokens(t, s, tc.name+": after failed RotateRefresh", []store.Token{good})
		// The token is still current.
		_, err = s.RotateRefresh(ctx, rt.Hash, at(2*time.Minute), []byte("sealed"), []store.Token{good})
		must(t, err)
	}
}

func (x suite) tokensRotateConcurrent(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	const family = "family-1"
	rt := refreshToken("rt", family, p, a)
	must(t, s.CreateToken(ctx, rt))
	const n = 20
	sealed := func(i int) []byte { return fmt.Appendf(nil, "sealed successor %d", i) }
	issued := func(i int) []store.Token { return familyPair(fmt.Sprint(i), family, p, a) }
	rows := make([]store.Token, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			rows[i], errs[i] = s.RotateRefresh(ctx, rt.Hash, at(time.Duration(i+1)*time.Second), sealed(i), issued(i))
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("rotators %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrTokenRotated):
			t.Errorf("rotator %d: error %v, want ErrTokenRotated", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no rotator succeeded")
	}
	want := rt
	want.RotatedAt, want.Successor = at(time.Duration(winner+1)*time.Second), sealed(winner)
	for i := range n {
		diff(t, fmt.Sprintf("row returned to rotator %d", i), want, rows[i])
		if i == winner {
			wantTokens(t, s, "winner", issued(i))
		} else {
			wantNoTokens(t, s, fmt.Sprintf("loser %d", i), issued(i))
		}
	}
	wantTokens(t, s, "rotated token", []store.Token{want})
}

func (x suite) devicesRoundTrip(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	pending := deviceCode("device-1", "WDJBMJHT", p)
	used := approved(deviceCode("device-2", "BCDFGHJK", p), a)
	used.Scopes = []string{"openid", "profile", "email"}
	used.Interval = 15 * time.Second
	used.LastPollAt = at(2 * time.Minute).In(cet)
	used.UsedAt = at(3 * time.Minute)
	denied := deviceCode("device-3", "LMNPQRST", p)
	denied.Status, denied.UserID, denied.AuthTime = store.DeviceDenied, a.ID, at(time.Minute)
	bare := store.DeviceCode{Hash: store.Hash("device-4"), UserCodeHash: store.Hash("VWXZBCDF"), ClientID: p.ClientID,
		Status: store.DevicePending}
	for _, d := range []store.DeviceCode{pending, used, denied, bare} {
		must(t, s.CreateDeviceCode(ctx, d))
		got, err := s.DeviceCode(ctx, d.Hash)
		must(t, err)
		diff(t, "DeviceCode "+d.Status, d, got)
		got, err = s.DeviceCodeByUserCode(ctx, d.UserCodeHash)
		must(t, err)
		diff(t, "DeviceCodeByUserCode "+d.Status, d, got)
	}
}

func (x suite) devicesErrors(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	_, _, p := seed(t, s)
	d := deviceCode("device", "WDJBMJHT", p)
	must(t, s.CreateDeviceCode(ctx, d))
	unknownApp := deviceCode("device-3", "UNKNOWNA", p)
	unknownApp.ClientID = "nope"
	unknownUser := approved(deviceCode("device-4", "UNKNOWNU", p), store.User{ID: "nobody"})
	called := false
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"CreateDeviceCode same hash", func() error {
			return s.CreateDeviceCode(ctx, deviceCode("device", "OTHERCDE", p))
		}, store.ErrAlreadyExists},
		{"CreateDeviceCode same user code", func() error {
			return s.CreateDeviceCode(ctx, deviceCode("device-2", "WDJBMJHT", p))
		}, store.ErrAlreadyExists},
		{"CreateDeviceCode unknown app", func() error { return s.CreateDeviceCode(ctx, unknownApp) }, store.ErrNotFound},
		{"CreateDeviceCode unknown user", func() error { return s.CreateDeviceCode(ctx, unknownUser) }, store.ErrNotFound},
		{"DeviceCode unknown", func() error { _, err := s.DeviceCode(ctx, store.Hash("nope")); return err }, store.ErrNotFound},
		{"DeviceCodeByUserCode unknown", func() error {
			_, err := s.DeviceCodeByUserCode(ctx, store.Hash("NOPENOPE"))
			return err
		}, store.ErrNotFound},
		{"DeviceCodeByUserCode of a device code", func() error { _, err := s.DeviceCodeByUserCode(ctx, d.Hash); return err }, store.ErrNotFound},
		{"UpdateDeviceCode unknown", func() error {
			return s.UpdateDeviceCode(ctx, store.Hash("nope"), func(*store.DeviceCode) error { called = true; return nil })
		}, store.ErrNotFound},
	} {
		wantErr(t, tc.name, tc.do(), tc.want)
	}
	if called {
		t.Error("UpdateDeviceCode called the updater for an unknown code")
	}
	got, err := s.DeviceCode(ctx, d.Hash)
	must(t, err)
	diff(t, "DeviceCode after failed writes", d, got)
	got, err = s.DeviceCodeByUserCode(ctx, d.UserCodeHash)
	must(t, err)
	diff(t, "DeviceCodeByUserCode after failed writes", d, got)
	for _, secret := range []string{"device-2", "device-3", "device-4"} {
		_, err := s.DeviceCode(ctx, store.Hash(secret))
		wantErr(t, secret+" after failed create", err, store.ErrNotFound)
	}
	_, err = s.DeviceCodeByUserCode(ctx, store.Hash("OTHERCDE"))
	wantErr(t, "user code of a failed create", err, store.ErrNotFound)
}

func (x suite) devicesUpdate(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	d, other := deviceCode("device", "WDJBMJHT", p), deviceCode("device-2", "BCDFGHJK", p)
	must(t, s.CreateDeviceCode(ctx, d))
	must(t, s.CreateDeviceCode(ctx, other))
	check := func(what string, want store.DeviceCode) {
		t.Helper()
		got, err := s.DeviceCode(ctx, want.Hash)
		must(t, err)
		diff(t, what, want, got)
		got, err = s.DeviceCodeByUserCode(ctx, want.UserCodeHash)
		must(t, err)
		diff(t, what+" by user code", want, got)
	}

	// A poll that earns slow_down, then the approval: each update stores
	// exactly what the updater left.
	want := d
	want.Interval, want.LastPollAt = 10*time.Second, at(time.Second)
	must(t, s.UpdateDeviceCode(ctx, d.Hash, func(c *store.DeviceCode) error {
		diff(t, "updater input", d, *c)
		c.Interval, c.LastPollAt = want.Interval, want.LastPollAt
		return nil
	}))
	check("after poll", want)
	before := want
	want = approved(want, a)
	want.Scopes = []string{"openid"}
	must(t, s.UpdateDeviceCode(ctx, d.Hash, func(c *store.DeviceCode) error {
		diff(t, "updater input", before, *c)
		*c = want
		return nil
	}))
	check("after approval", want)

	// Failed updates change nothing.
	boom := errors.New("boom")
	for _, tc := range []struct {
		name   string
		update func(*store.DeviceCode) error
		want   error // nil: any error
	}{
		{"updater error", func(c *store.DeviceCode) error { c.Status = store.DeviceDenied; return boom }, boom},
		{"user code taken", func(c *store.DeviceCode) error {
			c.UserCodeHash, c.Interval = other.UserCodeHash, time.Minute
			return nil
		}, store.ErrAlreadyExists},
		{"unknown user", func(c *store.DeviceCode) error { c.UserID = "nobody"; return nil }, store.ErrNotFound},
		{"hash changed", func(c *store.DeviceCode) error { c.Hash = store.Hash("device-3"); return nil }, nil},
	} {
		err := s.UpdateDeviceCode(ctx, d.Hash, tc.update)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: UpdateDeviceCode error %v, want %v", tc.name, err, tc.want)
		}
		check(tc.name+": code after failed UpdateDeviceCode", want)
	}
	_, err := s.DeviceCode(ctx, store.Hash("device-3"))
	wantErr(t, "code with the changed hash", err, store.ErrNotFound)
	check("other code", other)
}

// deviceTokens is what redeeming a device code issues: an access and a
// refresh token of a new family, named after n.
func deviceTokens(n string, a store.App, u store.User) []store.Token {
	return familyPair("device "+n, "device family "+n, a, u)
}

func (x suite) devicesRedeem(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p := seed(t, s)
	pending := deviceCode("pending", "PENDINGX", p)
	denied := deviceCode("denied", "DENIEDXX", p)
	denied.Status, denied.UserID, denied.AuthTime = store.DeviceDenied, b.ID, at(time.Minute)
	d := approved(deviceCode("approved", "APPROVED", p), a)
	for _, c := range []store.DeviceCode{pending, denied, d} {
		must(t, s.CreateDeviceCode(ctx, c))
	}
	now := at(2 * time.Minute)

	// Only an approved code is redeemed; the others are no replay.
	for _, c := range []store.DeviceCode{pending, denied} {
		issued := deviceTokens(c.Status, p, a)
		err := s.RedeemDeviceCode(ctx, c.Hash, now, issued)
		if err == nil || errors.Is(err, store.ErrCodeUsed) {
			t.Errorf("RedeemDeviceCode of a %s code: error %v, want an error but ErrCodeUsed", c.Status, err)
		}
		wantNoTokens(t, s, "RedeemDeviceCode of a "+c.Status+" code", issued)
		got, err := s.DeviceCode(ctx, c.Hash)
		must(t, err)
		diff(t, c.Status+" code after RedeemDeviceCode", c, got)
	}

	issued := deviceTokens("1", p, a)
	must(t, s.RedeemDeviceCode(ctx, d.Hash, now, issued))
	want := d
	want.UsedAt = now
	got, err := s.DeviceCode(ctx, d.Hash)
	must(t, err)
	diff(t, "DeviceCode after redeem", want, got)
	wantTokens(t, s, "issued", issued)

	// A replay stores nothing and leaves UsedAt alone.
	replay := deviceTokens("2", p, a)
	err = s.RedeemDeviceCode(ctx, d.Hash, at(3*time.Minute), replay)
	wantErr(t, "RedeemDeviceCode again", err, store.ErrCodeUsed)
	wantNoTokens(t, s, "RedeemDeviceCode again", replay)
	got, err = s.DeviceCode(ctx, d.Hash)
	must(t, err)
	diff(t, "DeviceCode after replay", want, got)

	unknown := deviceTokens("unknown", p, a)
	err = s.RedeemDeviceCode(ctx, store.Hash("nope"), now, unknown)
	wantErr(t, "RedeemDeviceCode unknown", err, store.ErrNotFound)
	wantNoTokens(t, s, "RedeemDeviceCode unknown", unknown)
	_, err = s.DeviceCode(ctx, store.Hash("nope"))
	wantErr(t, "unknown code after RedeemDeviceCode", err, store.ErrNotFound)

	// ExpiresAt is the caller's to check; no tokens is allowed.
	expired := approved(deviceCode("expired", "EXPIREDX", p), a)
	expired.ExpiresAt = at(-time.Minute)
	must(t, s.CreateDeviceCode(ctx, expired))
	must(t, s.RedeemDeviceCode(ctx, expired.Hash, now, nil))
	got, err = s.DeviceCode(ctx, expired.Hash)
	must(t, err)
	if !got.UsedAt.Equal(now) {
		t.Errorf("UsedAt = %v, want %v", got.UsedAt, now)
	}
}

func (x suite) devicesRedeemAtomic(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	existing := accessToken("existing", p, a)
	must(t, s.CreateToken(ctx, existing))
	orphan := accessToken("orphan", p, a)
	orphan.UserID = "nobody"
	for _, tc := range []struct {
		name string
		bad  store.Token
	}{
		{"duplicate token", existing},
		{"token of unknown user", orphan},
	} {
		d := approved(deviceCode("device "+tc.name, "user code "+tc.name, p), a)
		must(t, s.CreateDeviceCode(ctx, d))
		good := deviceTokens(tc.name, p, a)
		if err := s.RedeemDeviceCode(ctx, d.Hash, at(time.Minute), slices.Concat(good, []store.Token{tc.bad})); err == nil {
			t.Errorf("%s: RedeemDeviceCode succeeded", tc.name)
		}
		got, err := s.DeviceCode(ctx, d.Hash)
		must(t, err)
		diff(t, tc.name+": code after failed RedeemDeviceCode", d, got)
		wantNoTokens(t, s, tc.name+": after failed RedeemDeviceCode", good)
		// The code is still redeemable.
		must(t, s.RedeemDeviceCode(ctx, d.Hash, at(2*time.Minute), good))
	}
}

func (x suite) devicesRedeemConcurrent(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	d := approved(deviceCode("device", "WDJBMJHT", p), a)
	must(t, s.CreateDeviceCode(ctx, d))
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.RedeemDeviceCode(ctx, d.Hash, at(time.Duration(i+1)*time.Second), deviceTokens(fmt.Sprint(i), p, a))
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("redeemers %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrCodeUsed):
			t.Errorf("redeemer %d: error %v, want ErrCodeUsed", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no redeemer succeeded")
	}
	for i := range n {
		if i == winner {
			wantTokens(t, s, "winner", deviceTokens(fmt.Sprint(i), p, a))
		} else {
			wantNoTokens(t, s, fmt.Sprintf("loser %d", i), deviceTokens(fmt.Sprint(i), p, a))
		}
	}
	got, err := s.DeviceCode(ctx, d.Hash)
	must(t, err)
	if want := at(time.Duration(winner+1) * time.Second); !got.UsedAt.Equal(want) {
		t.Errorf("UsedAt = %v, want the winner's %v", got.UsedAt, want)
	}
}

func (x suite) sessions(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, _ := seed(t, s)
	full := session("sess-1", a)
	full.CreatedAt = t0.In(cet)
	bare := store.Session{Hash: store.Hash("sess-2"), UserID: a.ID}
	for _, want := range []store.Session{full, bare} {
		must(t, s.CreateSession(ctx, want))
		got, err := s.Session(ctx, want.Hash)
		must(t, err)
		diff(t, "Session", want, got)
		got, u, err := s.SessionWithUser(ctx, want.Hash)
		must(t, err)
		diff(t, "SessionWithUser", want, got)
		diff(t, "SessionWithUser's user", a, u)
	}
	wantErr(t, "CreateSession again", s.CreateSession(ctx, full), store.ErrAlreadyExists)
	wantErr(t, "CreateSession unknown user", s.CreateSession(ctx, session("sess-3", store.User{ID: "nobody"})), store.ErrNotFound)
	must(t, s.DeleteSession(ctx, full.Hash))
	_, err := s.Session(ctx, full.Hash)
	wantErr(t, "Session after delete", err, store.ErrNotFound)
	_, _, err = s.SessionWithUser(ctx, full.Hash)
	wantErr(t, "SessionWithUser after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteSession again", s.DeleteSession(ctx, full.Hash), store.ErrNotFound)
	if _, err := s.Session(ctx, bare.Hash); err != nil {
		t.Errorf("other session after delete: %v", err)
	}
}

func key(id, state string) store.SigningKey {
	return store.SigningKey{ID: id, Alg: "RS256", State: state,
		PrivatePEM: []byte("-----BEGIN PRIVATE KEY-----\n" + id + "\n-----END PRIVATE KEY-----\n"),
		CreatedAt:  t0, RotatedAt: at(time.Hour).In(cet)}
}

func (x suite) keys(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	got, err := s.Keys(ctx)
	must(t, err)
	diff(t, "Keys of a new store", []store.SigningKey(nil), got)

	k1, k2 := key("k1", store.KeyActive), key("k2", store.KeyNext)
	must(t, s.UpdateKeys(ctx, func(cur []store.SigningKey) ([]store.SigningKey, error) {
		diff(t, "updater input", []store.SigningKey(nil), cur)
		return []store.SigningKey{k2, k1}, nil
	}))
	got, err = s.Keys(ctx)
	must(t, err)
	diff(t, "Keys", []store.SigningKey{k2, k1}, got)

	// Rotation: the whole set is replaced, in the order returned.
	k1.State, k2.State = store.KeyVerifyOnly, store.KeyActive
	k3 := key("k3", store.KeyNext)
	k3.Alg = "ES256"
	rotated := []store.SigningKey{k1, k2, k3}
	must(t, s.UpdateKeys(ctx, func(cur []store.SigningKey) ([]store.SigningKey, error) {
		diff(t, "updater input", []store.SigningKey{key("k2", store.KeyNext), key("k1", store.KeyActive)}, cur)
		return rotated, nil
	}))
	got, err = s.Keys(ctx)
	must(t, err)
	diff(t, "Keys after rotation", rotated, got)

	boom := errors.New("boom")
	for _, tc := range []struct {
		name   string
		update func([]store.SigningKey) ([]store.SigningKey, error)
		want   error
	}{
		{"updater error", func(cur []store.SigningKey) ([]store.SigningKey, error) { return nil, boom }, boom},
		{"duplicate IDs", func(cur []store.SigningKey) ([]store.SigningKey, error) {
			return []store.SigningKey{key("k4", store.KeyActive), key("k4", store.KeyNext)}, nil
		}, nil},
	} {
		err := s.UpdateKeys(ctx, tc.update)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: UpdateKeys error %v, want %v", tc.name, err, tc.want)
		}
		got, err := s.Keys(ctx)
		must(t, err)
		diff(t, tc.name+": Keys after failed UpdateKeys", rotated, got)
	}

	must(t, s.UpdateKeys(ctx, func([]store.SigningKey) ([]store.SigningKey, error) { return nil, nil }))
	got, err = s.Keys(ctx)
	must(t, err)
	diff(t, "Keys after emptying", []store.SigningKey(nil), got)
}

func (x suite) keysConcurrent(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.UpdateKeys(ctx, func(cur []store.SigningKey) ([]store.SigningKey, error) {
				return append(cur, key(fmt.Sprintf("k%d", i), store.KeyNext)), nil
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.Keys(ctx)
	must(t, err)
	if len(got) != n {
		t.Errorf("after %d concurrent appends there are %d keys: updates were lost", n, len(got))
	}
}

func (x suite) secret(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	v1 := bytes.Repeat([]byte{1}, 32)
	got, err := s.Secret(ctx, "cookie", func() ([]byte, error) { return v1, nil })
	must(t, err)
	diff(t, "new secret", v1, got)
	got, err = s.Secret(ctx, "cookie", func() ([]byte, error) {
		t.Error("gen called for an existing secret")
		return bytes.Repeat([]byte{9}, 32), nil
	})
	must(t, err)
	diff(t, "existing secret", v1, got)

	boom := errors.New("boom")
	_, err = s.Secret(ctx, "csrf", func() ([]byte, error) { return nil, boom })
	wantErr(t, "Secret with failing gen", err, boom)
	v2 := bytes.Repeat([]byte{2}, 64)
	got, err = s.Secret(ctx, "csrf", func() ([]byte, error) { return v2, nil })
	must(t, err)
	diff(t, "secret after failed gen", v2, got)
	got, err = s.Secret(ctx, "cookie", func() ([]byte, error) { return nil, boom })
	must(t, err)
	diff(t, "first secret again", v1, got)
}

func (x suite) secretConcurrent(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	const n = 10
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], errs[i] = s.Secret(ctx, "cookie", func() ([]byte, error) {
				return bytes.Repeat([]byte{byte(i + 1)}, 32), nil
			})
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		must(t, errs[i])
		if len(got[i]) != 32 {
			t.Fatalf("goroutine %d got %d bytes", i, len(got[i]))
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Errorf("goroutine %d got %x, goroutine 0 got %x", i, got[i], got[0])
		}
	}
}

func (x suite) garbageCollect(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, _, p := seed(t, s)
	now := t0
	tok := func(secret string, expires time.Time) store.Token {
		tk := accessToken(secret, p, a)
		tk.ExpiresAt = expires
		return tk
	}
	tokens := map[string]store.Token{
		"expired":      tok("expired", now.Add(-time.Microsecond)),
		"long expired": tok("long expired", now.Add(-30*24*time.Hour)),
		"expires now":  tok("expires now", now),
		"live":         tok("live", now.Add(time.Hour)),
		"never":        tok("never", time.Time{}),
		"revoked but live": func() store.Token {
			tk := tok("revoked but live", now.Add(time.Hour))
			tk.RevokedAt = at(-time.Hour)
			return tk
		}(),
	}
	sess := func(secret string, expires time.Time) store.Session {
		se := session(secret, a)
		se.ExpiresAt = expires
		return se
	}
	sessions := map[string]store.Session{
		"expired": sess("expired", now.Add(-time.Second)),
		"live":    sess("live", now.Add(time.Second)),
		"never":   sess("never", time.Time{}),
	}
	cd := func(secret string, expires time.Time) store.AuthCode {
		c := code(secret, p, a)
		c.CreatedAt, c.ExpiresAt = expires.Add(-time.Minute), expires
		return c
	}
	codes := map[string]store.AuthCode{
		"beyond retention":      cd("beyond retention", now.Add(-store.CodeRetention-time.Microsecond)),
		"beyond retention 2":    cd("beyond retention 2", now.Add(-48*time.Hour)),
		"at retention boundary": cd("at retention boundary", now.Add(-store.CodeRetention)),
		"within retention":      cd("within retention", now.Add(-store.CodeRetention/2)),
		"live":                  cd("live", now.Add(time.Minute)),
	}
	dc := func(name string, expires time.Time, used bool) store.DeviceCode {
		d := approved(deviceCode(name, "user code "+name, p), a)
		d.ExpiresAt = expires
		if used {
			d.UsedAt = now.Add(-time.Hour)
		}
		return d
	}
	devices := map[string]store.DeviceCode{
		"expired":      dc("expired", now.Add(-time.Microsecond), false),
		"long expired": dc("long expired", now.Add(-30*24*time.Hour), true),
		"expires now":  dc("expires now", now, false),
		"live":         dc("live", now.Add(time.Minute), true),
		"never":        dc("never", time.Time{}, false),
	}
	for _, v := range tokens {
		must(t, s.CreateToken(ctx, v))
	}
	for _, v := range sessions {
		must(t, s.CreateSession(ctx, v))
	}
	for _, v := range codes {
		must(t, s.RedeemCode(ctx, v, v.ExpiresAt.Add(-time.Second), nil))
	}
	for _, v := range devices {
		must(t, s.CreateDeviceCode(ctx, v))
	}

	res, err := s.GarbageCollect(ctx, now)
	must(t, err)
	diff(t, "GarbageCollect", store.GCResult{Codes: 2, Tokens: 2, Sessions: 1, DeviceCodes: 2}, res)

	gone := map[string]bool{"expired": true, "long expired": true, "beyond retention": true, "beyond retention 2": true}
	check := func(kind, name string, err error) {
		t.Helper()
		if gone[name] && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s %q: error %v, want ErrNotFound", kind, name, err)
		}
		if !gone[name] && err != nil {
			t.Errorf("%s %q: %v, want it kept", kind, name, err)
		}
	}
	for name, v := range tokens {
		_, err := s.Token(ctx, v.Hash)
		check("token", name, err)
	}
	for name, v := range sessions {
		_, err := s.Session(ctx, v.Hash)
		check("session", name, err)
	}
	for name, v := range codes {
		_, err := s.Code(ctx, v.Hash)
		check("code", name, err)
	}
	for name, v := range devices {
		_, err := s.DeviceCode(ctx, v.Hash)
		check("device code", name, err)
		_, err = s.DeviceCodeByUserCode(ctx, v.UserCodeHash)
		check("device code by user code", name, err)
	}

	res, err = s.GarbageCollect(ctx, now)
	must(t, err)
	diff(t, "second GarbageCollect", store.GCResult{}, res)
}
