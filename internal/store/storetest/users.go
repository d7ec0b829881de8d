package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
)

// Users runs the tests of users: round trips, case-insensitive names,
// errors, updates (also concurrent ones), and what DeleteUser deletes with
// the user. Times, here because a user's CreatedAt carries them, checks
// how times round-trip (see the package doc).
func Users(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Users/RoundTrip", x.usersRoundTrip},
		{"Users/Errors", x.usersErrors},
		{"Users/ByEmail", x.usersByEmail},
		{"Users/Update", x.usersUpdate},
		{"Users/ConcurrentUpdates", x.usersConcurrentUpdates},
		{"Users/DeleteCascades", x.usersDeleteCascades},
		{"Times", x.times},
	})
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

// usersByEmail: UserByEmail ignores ASCII case and finds only the one
// user who has the address; "", an unknown address and a shared one are
// ErrNotFound.
func (x suite) usersByEmail(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b := alice(), bob() // bob has no email
	must(t, s.CreateUser(ctx, a))
	must(t, s.CreateUser(ctx, b))
	for _, email := range []string{"alice@example.com", "Alice@Example.COM", "ALICE@EXAMPLE.COM"} {
		got, err := s.UserByEmail(ctx, email)
		must(t, err)
		diff(t, "UserByEmail("+email+")", a, got)
	}
	for _, email := range []string{"", "nobody@example.com", "alice@example.co", "alice", "Alice"} {
		if _, err := s.UserByEmail(ctx, email); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByEmail(%q) = %v, want ErrNotFound", email, err)
		}
	}
	// A second user with the same address (other case): the address no
	// longer names one person.
	c := store.User{ID: "c0c000000000000000000003", Username: "carol", Email: "ALICE@example.com", CreatedAt: at(time.Hour)}
	must(t, s.CreateUser(ctx, c))
	if _, err := s.UserByEmail(ctx, "alice@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByEmail of a shared address = %v, want ErrNotFound", err)
	}
	// Changing carol's address makes alice's unique again.
	must(t, s.UpdateUser(ctx, c.ID, func(u *store.User) error { u.Email = "carol@example.com"; return nil }))
	got, err := s.UserByEmail(ctx, "alice@example.com")
	must(t, err)
	diff(t, "UserByEmail after the change", a, got)
	got, err = s.UserByEmail(ctx, "CAROL@example.com")
	must(t, err)
	if got.ID != c.ID {
		t.Errorf("UserByEmail(CAROL@example.com) = %s, want carol", got.Username)
	}
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
	for _, err := range concurrently(n, func(int) error {
		return s.UpdateUser(ctx, a.ID, func(u *store.User) error { u.FullName += "x"; return nil })
	}) {
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
