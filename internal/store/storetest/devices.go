package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// DeviceCodes runs the tests of RFC 8628 device codes: round trips by
// either digest, errors, updates, and redemption, which succeeds once per
// approved code, also when redeemers race.
func DeviceCodes(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"DeviceCodes/RoundTrip", x.devicesRoundTrip},
		{"DeviceCodes/Errors", x.devicesErrors},
		{"DeviceCodes/Update", x.devicesUpdate},
		{"DeviceCodes/Redeem", x.devicesRedeem},
		{"DeviceCodes/RedeemAtomic", x.devicesRedeemAtomic},
		{"DeviceCodes/RedeemConcurrent", x.devicesRedeemConcurrent},
	})
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
	winner := race(t, "redeemer", n, store.ErrCodeUsed, func(i int) error {
		return s.RedeemDeviceCode(ctx, d.Hash, at(time.Duration(i+1)*time.Second), deviceTokens(fmt.Sprint(i), p, a))
	})
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
