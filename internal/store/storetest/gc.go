package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// GarbageCollect runs the test of GarbageCollect: what it deletes, what it
// keeps, and what it counts.
func GarbageCollect(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"GarbageCollect", x.garbageCollect},
	})
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
