package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
)

// Tokens runs the tests of access, user and refresh tokens: round trips,
// lists, revocation by filter, and refresh-token rotation, which succeeds
// once per token, also when rotators race.
func Tokens(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Tokens/RoundTrip", x.tokensRoundTrip},
		{"Tokens/List", x.tokensList},
		{"Tokens/Revoke", x.tokensRevoke},
		{"Tokens/RevokeEmptyFilter", x.tokensRevokeEmptyFilter},
		{"Tokens/Rotate", x.tokensRotate},
		{"Tokens/RotateErrors", x.tokensRotateErrors},
		{"Tokens/RotateAtomic", x.tokensRotateAtomic},
		{"Tokens/RotateConcurrent", x.tokensRotateConcurrent},
	})
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
	winner := race(t, "rotator", n, store.ErrTokenRotated, func(i int) (err error) {
		rows[i], err = s.RotateRefresh(ctx, rt.Hash, at(time.Duration(i+1)*time.Second), sealed(i), issued(i))
		return err
	})
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
