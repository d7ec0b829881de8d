package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Codes runs the tests of redeemed authorization codes: RedeemCode stores
// the code with its tokens at once, at most once, also when redeemers race.
func Codes(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Codes/RoundTrip", x.codesRoundTrip},
		{"Codes/Redeem", x.codesRedeem},
		{"Codes/RedeemAtomic", x.codesRedeemAtomic},
		{"Codes/RedeemConcurrent", x.codesRedeemConcurrent},
	})
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
	winner := race(t, "redeemer", n, store.ErrCodeUsed, func(i int) error {
		tok := accessToken(fmt.Sprintf("at-%d", i), p, a)
		return s.RedeemCode(ctx, c, at(time.Duration(i+1)*time.Second), []store.Token{tok})
	})
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
