package accounts

import (
	"context"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

func TestCreateUser(t *testing.T) {
	tests := []struct {
		name    string
		spec    UserSpec
		wantErr error
		msg     string // the whole message, when it matters
		want    store.User
	}{
		{name: "ok", spec: UserSpec{Username: "bob", FullName: "Bob B", Email: "bob@example.com", EmailVerified: true, IsPro: true, Password: "long enough"},
			want: store.User{Username: "bob", FullName: "Bob B", Email: "bob@example.com", EmailVerified: true, IsPro: true, PasswordHash: "hashed:long enough"}},
		{name: "no-password-no-full-name", spec: UserSpec{Username: "Bob.B"},
			want: store.User{Username: "Bob.B", FullName: "Bob.B"}},
		{name: "org-has-the-name", spec: UserSpec{Username: "acme"},
			wantErr: ErrNameTaken, msg: `"acme" is already an org name; users and orgs share one namespace`},
		{name: "org-has-the-name-in-other-case", spec: UserSpec{Username: "ACME", Password: "long enough"},
			wantErr: ErrNameTaken, msg: `"ACME" is already an org name; users and orgs share one namespace`},
		{name: "user-has-the-name", spec: UserSpec{Username: "alice"},
			wantErr: ErrNameTaken, msg: `a user named "alice" already exists`},
		{name: "user-has-the-name-in-other-case", spec: UserSpec{Username: "ALICE"},
			wantErr: ErrNameTaken, msg: `a user named "ALICE" already exists`},
		{name: "empty-name", spec: UserSpec{}, wantErr: ErrInvalidName},
		{name: "bad-end", spec: UserSpec{Username: "x-"}, wantErr: ErrInvalidName},
		{name: "bad-char", spec: UserSpec{Username: "a b"}, wantErr: ErrInvalidName},
		{name: "reserved", spec: UserSpec{Username: "Settings"}, wantErr: ErrInvalidName},
		{name: "short-password", spec: UserSpec{Username: "bob", Password: "short"},
			wantErr: ErrInvalidPassword, msg: "password is too short: 5 characters, use at least 8"},
		{name: "bad-name-before-bad-password", spec: UserSpec{Username: "-bob", Password: "short"}, wantErr: ErrInvalidName},
		{name: "invalid-name-before-namespace", spec: UserSpec{Username: "acme-"}, wantErr: ErrInvalidName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, h := newFakeStore(), &fakeHasher{}
			got, err := CreateUser(ctx, st, h, tc.spec, now)
			checkErr(t, err, tc.wantErr, tc.msg)
			if tc.wantErr != nil {
				if len(st.users) != 1 || len(st.orgs) != 1 || h.calls != 0 {
					t.Errorf("a refused user left %d users, %d orgs, %d hashes", len(st.users), len(st.orgs), h.calls)
				}
				return
			}
			if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(got.ID) || !got.CreatedAt.Equal(now) {
				t.Errorf("id %q, created %v", got.ID, got.CreatedAt)
			}
			tc.want.ID, tc.want.CreatedAt = got.ID, got.CreatedAt
			if got != tc.want {
				t.Errorf("CreateUser = %+v, want %+v", got, tc.want)
			}
			if stored, err := st.UserByName(ctx, tc.spec.Username); err != nil || stored != got {
				t.Errorf("stored %+v, %v; want %+v", stored, err, got)
			}
		})
	}
	t.Run("name-taken-at-insert", func(t *testing.T) {
		st := newFakeStore()
		st.createErr = store.ErrAlreadyExists
		_, err := CreateUser(ctx, st, &fakeHasher{}, UserSpec{Username: "bob"}, now)
		checkErr(t, err, ErrNameTaken, `a user named "bob" already exists`)
	})
	t.Run("store-error", func(t *testing.T) {
		st := newFakeStore()
		st.err = errDisk
		if _, err := CreateUser(ctx, st, &fakeHasher{}, UserSpec{Username: "bob"}, now); err != errDisk {
			t.Errorf("error %v, want the store's", err)
		}
	})
	t.Run("real-hasher", func(t *testing.T) {
		st := newFakeStore()
		u, err := CreateUser(ctx, st, NewHasher(1), UserSpec{Username: "bob", Password: "long enough"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := VerifyPassword(u.PasswordHash, "long enough"); !ok || err != nil {
			t.Errorf("the stored hash %q does not verify: %v", u.PasswordHash, err)
		}
	})
}

func TestSetPassword(t *testing.T) {
	tests := []struct {
		name, username, pw string
		wantErr            error
		msg                string
	}{
		{name: "ok", username: "alice", pw: "a new password"},
		{name: "other-case", username: "ALICE", pw: "a new password"},
		{name: "short", username: "alice", pw: "1234567", wantErr: ErrInvalidPassword},
		{name: "empty", username: "alice", pw: "", wantErr: ErrInvalidPassword},
		{name: "no-such-user", username: "nobody", pw: "a new password", wantErr: store.ErrNotFound, msg: `user "nobody" not found`},
		{name: "an-org", username: "acme", pw: "a new password", wantErr: store.ErrNotFound, msg: `user "acme" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, h := newFakeStore(), &fakeHasher{}
			u, ended, err := SetPassword(ctx, st, h, tc.username, tc.pw, time.Now())
			checkErr(t, err, tc.wantErr, tc.msg)
			stored := st.users["alice"]
			if tc.wantErr != nil {
				if stored.PasswordHash != "" || h.calls != 0 || len(st.revoked)+len(st.signedOut) != 0 {
					t.Errorf("a refused change stored %q after %d hashes, revoked %v, signed out %v", stored.PasswordHash, h.calls, st.revoked, st.signedOut)
				}
				return
			}
			if stored.PasswordHash != "hashed:"+tc.pw || u != stored {
				t.Errorf("returned %+v, stored %+v", u, stored)
			}
			// The new password ends the old one's sessions and tokens.
			if !slices.Equal(st.signedOut, []string{"u-alice"}) || !slices.Equal(st.revoked, []store.TokenFilter{{UserID: "u-alice"}}) || ended != (Ended{1, 1}) {
				t.Errorf("signed out %v, revoked %v, ended %+v; want alice's sessions and tokens", st.signedOut, st.revoked, ended)
			}
		})
	}
}

func TestChangePassword(t *testing.T) {
	tests := []struct {
		name, userID, current, pw string
		wantErr                   error
		msg                       string
	}{
		{name: "ok", userID: "u-alice", current: "old password", pw: "a new password"},
		{name: "wrong-current", userID: "u-alice", current: "old passwort", pw: "a new password", wantErr: ErrWrongPassword, msg: "the current password is not right"},
		{name: "empty-current", userID: "u-alice", current: "", pw: "a new password", wantErr: ErrWrongPassword},
		{name: "short", userID: "u-alice", current: "old password", pw: "1234567", wantErr: ErrInvalidPassword},
		{name: "no-such-user", userID: "u-nobody", current: "old password", pw: "a new password", wantErr: store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, h := newFakeStore(), &fakeHasher{}
			a := st.users["alice"]
			a.PasswordHash = "hashed:old password"
			st.users["alice"] = a
			ended, err := ChangePassword(ctx, st, h, tc.userID, tc.current, tc.pw, now)
			checkErr(t, err, tc.wantErr, tc.msg)
			stored := st.users["alice"]
			if tc.wantErr != nil {
				if stored.PasswordHash != "hashed:old password" || h.calls != 0 || len(st.revoked)+len(st.signedOut) != 0 {
					t.Errorf("a refused change stored %q after %d hashes, revoked %v, signed out %v", stored.PasswordHash, h.calls, st.revoked, st.signedOut)
				}
				return
			}
			if stored.PasswordHash != "hashed:"+tc.pw {
				t.Errorf("stored %q", stored.PasswordHash)
			}
			// Sessions end; tokens stay (a self-service change is not a reset).
			if !slices.Equal(st.signedOut, []string{"u-alice"}) || len(st.revoked) != 0 || ended != (Ended{Sessions: 1}) {
				t.Errorf("signed out %v, revoked %v, ended %+v; want alice's sessions only", st.signedOut, st.revoked, ended)
			}
		})
	}
}

// TestChangePasswordRace: a password changed between the check of the
// current one and the write is not overwritten.
func TestChangePasswordRace(t *testing.T) {
	st := newFakeStore()
	a := st.users["alice"]
	a.PasswordHash = "hashed:old password"
	st.users["alice"] = a
	h := &racingHasher{st: st}
	_, err := ChangePassword(ctx, st, h, "u-alice", "old password", "a new password", now)
	checkErr(t, err, ErrWrongPassword, "the password changed meanwhile; sign in again")
	if got := st.users["alice"].PasswordHash; got != "hashed:reset by an admin" || len(st.signedOut) != 0 {
		t.Errorf("stored %q, signed out %v; want the admin's password kept", got, st.signedOut)
	}
}

// racingHasher is a fakeHasher during whose Hash an admin resets alice's
// password.
type racingHasher struct {
	fakeHasher
	st *fakeStore
}

func (h *racingHasher) Hash(ctx context.Context, pw string) (string, error) {
	a := h.st.users["alice"]
	a.PasswordHash = "hashed:reset by an admin"
	h.st.users["alice"] = a
	return h.fakeHasher.Hash(ctx, pw)
}

func TestDeleteUser(t *testing.T) {
	tests := []struct {
		name, username string
		wantErr        error
		msg            string
	}{
		{name: "ok", username: "alice"},
		{name: "other-case", username: "Alice"},
		{name: "no-such-user", username: "nobody", wantErr: store.ErrNotFound, msg: `user "nobody" not found`},
		{name: "an-org", username: "acme", wantErr: store.ErrNotFound, msg: `user "acme" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newFakeStore()
			st.members[[2]string{"o-acme", "u-alice"}] = store.RoleRead
			u, err := DeleteUser(ctx, st, tc.username)
			checkErr(t, err, tc.wantErr, tc.msg)
			if tc.wantErr != nil {
				if len(st.users) != 1 || len(st.orgs) != 1 {
					t.Errorf("a refused deletion left %d users, %d orgs", len(st.users), len(st.orgs))
				}
				return
			}
			if u.ID != "u-alice" || len(st.users) != 0 || len(st.members) != 0 {
				t.Errorf("deleted %+v; left users %v, members %v", u, st.users, st.members)
			}
		})
	}
}

func TestUpdateUser(t *testing.T) {
	str := func(s string) *string { return &s }
	yes, no := true, false
	alice := store.User{ID: "u-alice", Username: "alice", FullName: "Alice"}
	with := func(f func(u *store.User)) store.User { u := alice; f(&u); return u }
	tests := []struct {
		name     string
		username string
		up       UserUpdate
		start    func(u *store.User) // the stored alice before, when not the default
		want     store.User
		wantErr  error
		msg      string
	}{
		{name: "can-pay", username: "alice", up: UserUpdate{CanPay: &yes}, want: with(func(u *store.User) { u.CanPay = true })},
		{name: "is-pro-other-case", username: "ALICE", up: UserUpdate{IsPro: &yes}, want: with(func(u *store.User) { u.IsPro = true })},
		{name: "both-off", username: "alice", up: UserUpdate{CanPay: &no, IsPro: &no},
			start: func(u *store.User) { u.CanPay, u.IsPro = true, true }, want: alice},
		{name: "full-name", username: "alice", up: UserUpdate{FullName: str(" Alice Liddell ")}, want: with(func(u *store.User) { u.FullName = "Alice Liddell" })},
		{name: "empty-full-name-is-the-username", username: "alice", up: UserUpdate{FullName: str("")}, want: with(func(u *store.User) { u.FullName = "alice" })},
		{name: "email-is-verified", username: "alice", up: UserUpdate{Email: str("alice@example.com")},
			want: with(func(u *store.User) { u.Email, u.EmailVerified = "alice@example.com", true })},
		{name: "email-removed", username: "alice", up: UserUpdate{Email: str("")},
			start: func(u *store.User) { u.Email, u.EmailVerified = "a@example.com", true }, want: alice},
		{name: "nothing", username: "alice", wantErr: ErrNothingToUpdate},
		{name: "no-such-user", username: "nobody", up: UserUpdate{IsPro: &yes}, wantErr: store.ErrNotFound, msg: `user "nobody" not found`},
		{name: "an-org", username: "acme", up: UserUpdate{IsPro: &yes}, wantErr: store.ErrNotFound, msg: `user "acme" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newFakeStore()
			before := alice
			if tc.start != nil {
				tc.start(&before)
			}
			st.users["alice"] = before
			got, err := UpdateUser(ctx, st, tc.username, tc.up)
			checkErr(t, err, tc.wantErr, tc.msg)
			if tc.wantErr != nil {
				if st.users["alice"] != before {
					t.Errorf("a refused update changed alice: %+v", st.users["alice"])
				}
				return
			}
			if got != tc.want || st.users["alice"] != tc.want {
				t.Errorf("returned %+v, stored %+v; want %+v", got, st.users["alice"], tc.want)
			}
		})
	}
}
