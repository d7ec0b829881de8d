package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Every backend's store.Store holds tokens for the token rules.
var _ Tokens = store.Store(nil)

// fakeTokens is an in-memory Tokens with the store's contract: RevokeTokens
// sets RevokedAt on live tokens matching every field set; ListTokens is
// newest first.
type fakeTokens struct {
	tokens []store.Token
	err    error // when set, every call returns it
}

func (f *fakeTokens) CreateToken(_ context.Context, t store.Token) error {
	if f.err != nil {
		return f.err
	}
	f.tokens = append(f.tokens, t)
	return nil
}

func (f *fakeTokens) Token(_ context.Context, h store.Digest) (store.Token, error) {
	if f.err != nil {
		return store.Token{}, f.err
	}
	for _, t := range f.tokens {
		if t.Hash == h {
			return t, nil
		}
	}
	return store.Token{}, store.ErrNotFound
}

func (f *fakeTokens) ListTokens(_ context.Context, userID, kind string) ([]store.Token, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []store.Token
	for i := len(f.tokens) - 1; i >= 0; i-- {
		if t := f.tokens[i]; t.UserID == userID && t.Kind == kind {
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *fakeTokens) RevokeTokens(_ context.Context, flt store.TokenFilter, now time.Time) (int64, error) {
	if f.err != nil {
		return 0, f.err
	}
	if flt == (store.TokenFilter{}) {
		return 0, errors.New("empty filter")
	}
	var n int64
	for i, t := range f.tokens {
		if (flt.Hash != store.Digest{} && flt.Hash != t.Hash) || (flt.UserID != "" && flt.UserID != t.UserID) || !t.RevokedAt.IsZero() {
			continue
		}
		f.tokens[i].RevokedAt = now
		n++
	}
	return n, nil
}

func TestCreateToken(t *testing.T) {
	tests := []struct {
		name    string
		spec    TokenSpec
		field   string // of the error; "" = none
		expires time.Time
	}{
		{name: "read-90-days", spec: TokenSpec{Name: "laptop", Role: store.RoleRead, Expiry: DefaultTokenExpiry}, expires: now.Add(90 * 24 * time.Hour)},
		{name: "write-never", spec: TokenSpec{Name: " ci ", Role: store.RoleWrite}},
		{name: "empty-name", spec: TokenSpec{Name: "  ", Role: store.RoleRead}, field: "name"},
		{name: "long-name", spec: TokenSpec{Name: strings.Repeat("é", MaxTokenNameLen+1), Role: store.RoleRead}, field: "name"},
		{name: "control-char", spec: TokenSpec{Name: "a\x00b", Role: store.RoleRead}, field: "name"},
		{name: "bad-role", spec: TokenSpec{Name: "x", Role: "admin"}, field: "role"},
		{name: "no-role", spec: TokenSpec{Name: "x"}, field: "role"},
		{name: "negative-expiry", spec: TokenSpec{Name: "x", Role: store.RoleRead, Expiry: -time.Hour}, field: "expiry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeTokens{}
			secret, info, err := CreateToken(ctx, st, "u-alice", tc.spec, now)
			if tc.field != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("error %v, want a field error on %s", err, tc.field)
				}
				if len(st.tokens) != 0 {
					t.Errorf("a refused token was stored: %+v", st.tokens)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, "hf_") || strings.HasPrefix(secret, "hf_oauth_") || len(secret) < 30 {
				t.Errorf("secret %q", secret)
			}
			if len(st.tokens) != 1 {
				t.Fatalf("stored %d tokens", len(st.tokens))
			}
			got := st.tokens[0]
			if got.Hash != store.Hash(secret) || got.Kind != store.KindUser || got.UserID != "u-alice" || got.Name != strings.TrimSpace(tc.spec.Name) ||
				got.Role != tc.spec.Role || !got.CreatedAt.Equal(now) || !got.ExpiresAt.Equal(tc.expires) {
				t.Errorf("stored %+v", got)
			}
			if info.ID != TokenID(got) || info.Status(now) != "active" {
				t.Errorf("info %+v", info)
			}
		})
	}
}

func TestRevokeToken(t *testing.T) {
	st := &fakeTokens{}
	_, mine, _ := CreateToken(ctx, st, "u-alice", TokenSpec{Name: "mine", Role: store.RoleRead}, now)
	_, theirs, _ := CreateToken(ctx, st, "u-bob", TokenSpec{Name: "theirs", Role: store.RoleRead}, now)
	later := now.Add(time.Hour)

	if _, err := RevokeToken(ctx, st, "u-alice", theirs.ID, later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking another user's token: %v, want not found", err)
	}
	if _, err := RevokeToken(ctx, st, "u-alice", "", later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking id \"\": %v, want not found", err)
	}
	if st.tokens[1].RevokedAt != (time.Time{}) {
		t.Fatal("bob's token was revoked")
	}
	got, err := RevokeToken(ctx, st, "u-alice", mine.ID, later)
	if err != nil || got.Name != "mine" {
		t.Fatalf("RevokeToken = %+v, %v", got, err)
	}
	list, _ := ListTokens(ctx, st, "u-alice")
	if len(list) != 1 || list[0].Status(later) != "revoked" || !list[0].RevokedAt.Equal(later) {
		t.Errorf("after revoke: %+v", list)
	}
	if _, err := RevokeToken(ctx, st, "u-alice", mine.ID, later.Add(time.Hour)); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if list, _ := ListTokens(ctx, st, "u-alice"); !list[0].RevokedAt.Equal(later) {
		t.Errorf("revoking twice moved RevokedAt to %v", list[0].RevokedAt)
	}
	st.err = errDisk
	if _, err := RevokeToken(ctx, st, "u-alice", mine.ID, later); !errors.Is(err, errDisk) {
		t.Errorf("broken store: %v", err)
	}
}

func TestRotateToken(t *testing.T) {
	tests := []struct {
		name    string
		spec    TokenSpec
		age     time.Duration // between creation and rotation
		revoked bool
		wantErr error
		expires time.Duration // of the new token, from the rotation; 0 = never
	}{
		{name: "same-window", spec: TokenSpec{Name: "ci", Role: store.RoleWrite, Expiry: 30 * 24 * time.Hour}, age: 24 * time.Hour, expires: 30 * 24 * time.Hour},
		{name: "never", spec: TokenSpec{Name: "ci", Role: store.RoleRead}, age: 24 * time.Hour},
		{name: "expired", spec: TokenSpec{Name: "ci", Role: store.RoleRead, Expiry: time.Hour}, age: 2 * time.Hour, wantErr: ErrTokenNotLive},
		{name: "revoked", spec: TokenSpec{Name: "ci", Role: store.RoleRead}, revoked: true, wantErr: ErrTokenNotLive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeTokens{}
			oldSecret, old, err := CreateToken(ctx, st, "u-alice", tc.spec, now)
			if err != nil {
				t.Fatal(err)
			}
			if tc.revoked {
				RevokeToken(ctx, st, "u-alice", old.ID, now)
			}
			at := now.Add(tc.age)
			secret, info, err := RotateToken(ctx, st, "u-alice", old.ID, at)
			checkErr(t, err, tc.wantErr, "")
			if tc.wantErr != nil {
				if len(st.tokens) != 1 {
					t.Errorf("a refused rotation stored %d tokens", len(st.tokens))
				}
				return
			}
			if secret == oldSecret || info.ID == old.ID || info.Name != tc.spec.Name || info.Role != tc.spec.Role || !info.CreatedAt.Equal(at) {
				t.Errorf("new token %+v", info)
			}
			var wantExp time.Time
			if tc.expires > 0 {
				wantExp = at.Add(tc.expires)
			}
			if !info.ExpiresAt.Equal(wantExp) {
				t.Errorf("new token expires %v, want %v", info.ExpiresAt, wantExp)
			}
			list, _ := ListTokens(ctx, st, "u-alice")
			if len(list) != 2 || list[0].ID != info.ID || list[0].Status(at) != "active" || list[1].Status(at) != "revoked" {
				t.Errorf("after rotation: %+v", list)
			}
		})
	}
	st := &fakeTokens{}
	if _, _, err := RotateToken(ctx, st, "u-alice", "0123456789abcdef", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating an unknown token: %v", err)
	}
}

func TestRevokeLeaked(t *testing.T) {
	st := &fakeTokens{}
	secret, _, _ := CreateToken(ctx, st, "u-alice", TokenSpec{Name: "leaked", Role: store.RoleWrite}, now)
	oauth := store.Token{Hash: store.Hash("hf_oauth_x"), Kind: store.KindAccess, UserID: "u-alice", ClientID: "app"}
	st.tokens = append(st.tokens, oauth)

	for _, s := range []string{"", "nope", "hf_unknown", "hf_oauth_x", strings.TrimPrefix(secret, "hf_")} {
		if user, revoked, err := RevokeLeaked(ctx, st, s, now); err != nil || revoked || user != "" {
			t.Errorf("RevokeLeaked(%q) = %q, %v, %v; want nothing revoked", s, user, revoked, err)
		}
	}
	for _, tk := range st.tokens {
		if !tk.RevokedAt.IsZero() {
			t.Fatalf("%s token revoked by a report that did not name it", tk.Kind)
		}
	}
	user, revoked, err := RevokeLeaked(ctx, st, secret, now)
	if err != nil || !revoked || user != "u-alice" {
		t.Fatalf("RevokeLeaked = %q, %v, %v", user, revoked, err)
	}
	if st.tokens[0].RevokedAt.IsZero() {
		t.Error("the reported token still works")
	}
	if _, revoked, _ := RevokeLeaked(ctx, st, secret, now); revoked {
		t.Error("a second report revoked again")
	}
}
