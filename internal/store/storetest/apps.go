package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
)

// Apps runs the tests of OAuth apps: round trips (string lists
// included), errors, updates, what DeleteApp deletes with the app, and
// which apps DeleteUnusedRegisteredApps deletes.
func Apps(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Apps/RoundTrip", x.appsRoundTrip},
		{"Apps/Lists", x.appsLists},
		{"Apps/Errors", x.appsErrors},
		{"Apps/Update", x.appsUpdate},
		{"Apps/DeleteCascades", x.appsDeleteCascades},
		{"Apps/DeleteUnusedRegistered", x.appsDeleteUnusedRegistered},
	})
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

// appsDeleteUnusedRegistered: only registered apps that nobody owns,
// created before the cut, without a consent or a live token go, with their
// dead tokens; every other app stays.
func (x suite) appsDeleteUnusedRegistered(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a := alice()
	must(t, s.CreateUser(ctx, a))
	cut, now := at(30*24*time.Hour), at(40*24*time.Hour)
	mk := func(n int, change func(*store.App)) store.App {
		p := app(n)
		p.OwnerID, p.SpaceID, p.SpaceHosts, p.Registered, p.CreatedAt = "", "", nil, true, at(time.Hour)
		if change != nil {
			change(&p)
		}
		must(t, s.CreateApp(ctx, p))
		return p
	}
	unused := mk(1, nil)
	deadTokens := mk(2, nil)
	revoked := accessToken("revoked", deadTokens, a)
	revoked.ExpiresAt, revoked.RevokedAt = at(50*24*time.Hour), at(2*time.Hour)
	expired := accessToken("expired", deadTokens, a)
	expired.ExpiresAt = at(35 * 24 * time.Hour)
	must(t, s.CreateToken(ctx, revoked))
	must(t, s.CreateToken(ctx, expired))
	consented := mk(3, nil)
	must(t, s.PutConsent(ctx, store.Consent{UserID: a.ID, ClientID: consented.ClientID, Scopes: []string{"openid"}}))
	live := mk(4, nil)
	liveToken := accessToken("live", live, a)
	liveToken.ExpiresAt = at(41 * 24 * time.Hour)
	must(t, s.CreateToken(ctx, liveToken))
	recent := mk(5, func(p *store.App) { p.CreatedAt = at(31 * 24 * time.Hour) })
	atCut := mk(6, func(p *store.App) { p.CreatedAt = cut })
	notRegistered := mk(7, func(p *store.App) { p.Registered = false })
	owned := mk(8, func(p *store.App) { p.OwnerID = a.ID })
	undated := mk(9, func(p *store.App) { p.CreatedAt = time.Time{} })

	n, err := s.DeleteUnusedRegisteredApps(ctx, cut, now)
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteUnusedRegisteredApps deleted %d apps, want 2", n)
	}
	for _, p := range []store.App{unused, deadTokens} {
		_, err := s.App(ctx, p.ClientID)
		wantErr(t, "unused registered app "+p.Name, err, store.ErrNotFound)
	}
	for _, h := range []store.Digest{revoked.Hash, expired.Hash} {
		_, err := s.Token(ctx, h)
		wantErr(t, "dead token of a deleted app", err, store.ErrNotFound)
	}
	for what, p := range map[string]store.App{"with a consent": consented, "with a live token": live, "recent": recent,
		"created at the cut": atCut, "not registered": notRegistered, "owned": owned, "without a creation time": undated} {
		got, err := s.App(ctx, p.ClientID)
		must(t, err)
		diff(t, "app "+what, p, got)
	}
	got, err := s.Token(ctx, liveToken.Hash)
	must(t, err)
	diff(t, "live token", liveToken, got)

	n, err = s.DeleteUnusedRegisteredApps(ctx, cut, now)
	must(t, err)
	if n != 0 {
		t.Errorf("second DeleteUnusedRegisteredApps deleted %d apps, want 0", n)
	}
	if _, err := s.DeleteUnusedRegisteredApps(ctx, time.Time{}, now); err == nil {
		t.Error("DeleteUnusedRegisteredApps with a zero cut: no error")
	}
}
