package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// UserSpec is what a person asks for when creating a user.
type UserSpec struct {
	Username string // see ValidName; unique among users and orgs, ignoring case
	FullName string // "" = the username
	Email    string
	// EmailVerified: the email is known to belong to the user (an admin
	// gave it).
	EmailVerified bool
	IsPro         bool
	// Password is checked against the policy (CheckPassword) and stored
	// hashed; "" creates a user who cannot sign in with a password until
	// one is set (SetPassword).
	Password string
}

// Validate checks the spec without the store and returns its first
// problem: an invalid name (ErrInvalidName) before a password against the
// policy (ErrInvalidPassword).
func (s UserSpec) Validate() error {
	if err := ValidName(s.Username); err != nil {
		return err
	}
	if s.Password != "" {
		if err := CheckPassword(s.Password); err != nil {
			return err
		}
	}
	return nil
}

// CreateUser validates s, makes sure no user or org has the name (ignoring
// case; an error matching ErrNameTaken if one has), hashes the password
// with h, and stores the new user, whom it returns.
func CreateUser(ctx context.Context, st Store, h PasswordHasher, s UserSpec, now time.Time) (store.User, error) {
	if err := s.Validate(); err != nil {
		return store.User{}, err
	}
	if err := checkNameFree(ctx, st, s.Username, false); err != nil {
		return store.User{}, err
	}
	u := store.User{
		ID: NewID(), Username: s.Username, FullName: s.FullName, Email: s.Email,
		EmailVerified: s.EmailVerified, IsPro: s.IsPro, CreatedAt: now,
	}
	if u.FullName == "" {
		u.FullName = u.Username
	}
	if s.Password != "" {
		var err error
		if u.PasswordHash, err = h.Hash(ctx, s.Password); err != nil {
			return store.User{}, err
		}
	}
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return store.User{}, userExists(s.Username)
		}
		return store.User{}, err
	}
	return u, nil
}

// Ended counts what a change ended of a user's grants.
type Ended struct {
	Sessions int64 // browser sessions deleted (signed out)
	Tokens   int64 // tokens revoked
}

// SetPassword checks pw against the policy and makes it the password of
// the user called username, whom it returns (a *NotFoundError if there is
// none). A new password ends what the old one granted: every session of
// the user (signed out everywhere) and every token (OAuth access and
// refresh tokens of every app, and the user's access tokens, hf_…),
// since a reset often follows a stolen password, and whoever stole it may
// hold any of them.
func SetPassword(ctx context.Context, st Store, h PasswordHasher, username, pw string, now time.Time) (store.User, Ended, error) {
	if err := CheckPassword(pw); err != nil {
		return store.User{}, Ended{}, err
	}
	u, err := FindUser(ctx, st, username)
	if err != nil {
		return store.User{}, Ended{}, err
	}
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return store.User{}, Ended{}, err
	}
	err = st.UpdateUser(ctx, u.ID, func(u *store.User) error { u.PasswordHash = hash; return nil })
	if err != nil {
		return store.User{}, Ended{}, notFound(err, "user", username)
	}
	u.PasswordHash = hash
	var ended Ended
	if ended.Sessions, err = st.DeleteUserSessions(ctx, u.ID); err != nil {
		return u, ended, fmt.Errorf("the password of %s changed, but signing them out failed: %w", u.Username, err)
	}
	if ended.Tokens, err = st.RevokeTokens(ctx, store.TokenFilter{UserID: u.ID}, now); err != nil {
		return u, ended, fmt.Errorf("the password of %s changed, but revoking their tokens failed: %w", u.Username, err)
	}
	return u, ended, nil
}

// PasswordChecker verifies a password and hashes a new one. *Hasher is
// one.
type PasswordChecker interface {
	PasswordHasher
	Verify(ctx context.Context, phc, pw string) (bool, error)
}

// ErrWrongPassword: the current password given to ChangePassword is not
// the user's.
var ErrWrongPassword = errors.New("wrong password")

// ChangePassword is a signed-in user changing their own password: current
// must be their password, and pw (checked against the policy) replaces
// it. Unlike SetPassword, the admin's reset, it ends only the user's
// browser sessions, every one of them; the caller starts a new one for the
// browser that made the change. Tokens stay: OAuth apps the user
// authorized and the user's access tokens (hf_…) keep working, as on
// huggingface.co, where a password change revokes no token; a user who
// fears a token leaked revokes it on the tokens or connected-apps page, and
// an admin's reset (SetPassword) ends everything.
//
// A wrong current password is an error matching ErrWrongPassword; so is a
// password changed by someone else between the check and the write, since
// what was checked is no longer the password.
func ChangePassword(ctx context.Context, st Store, h PasswordChecker, userID, current, pw string, now time.Time) (Ended, error) {
	if err := CheckPassword(pw); err != nil {
		return Ended{}, err
	}
	u, err := st.User(ctx, userID)
	if err != nil {
		return Ended{}, notFound(err, "user", userID)
	}
	if ok, err := h.Verify(ctx, u.PasswordHash, current); err != nil {
		return Ended{}, err
	} else if !ok {
		return Ended{}, &ruleError{ErrWrongPassword, "the current password is not right"}
	}
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return Ended{}, err
	}
	err = st.UpdateUser(ctx, u.ID, func(stored *store.User) error {
		if stored.PasswordHash != u.PasswordHash {
			return &ruleError{ErrWrongPassword, "the password changed meanwhile; sign in again"}
		}
		stored.PasswordHash = hash
		return nil
	})
	if err != nil {
		return Ended{}, notFound(err, "user", u.Username)
	}
	var ended Ended
	if ended.Sessions, err = st.DeleteUserSessions(ctx, u.ID); err != nil {
		return ended, fmt.Errorf("the password of %s changed, but signing out their other sessions failed: %w", u.Username, err)
	}
	return ended, nil
}

// UserUpdate is what an admin changes of a user; nil fields stay as they
// are.
type UserUpdate struct {
	FullName *string // "" = the username, as at creation
	// Email replaces the email; an admin gives it, so it is verified. ""
	// removes it.
	Email  *string
	CanPay *bool // canPay in whoami-v2 and userinfo
	IsPro  *bool // isPro in whoami-v2 and userinfo
}

// ErrNothingToUpdate: a UserUpdate that changes nothing.
var ErrNothingToUpdate = errors.New("nothing to update")

// UpdateUser applies up to the user called username and returns the user
// as stored (a *NotFoundError if there is none; ErrNothingToUpdate when up
// has no field set).
func UpdateUser(ctx context.Context, st Store, username string, up UserUpdate) (store.User, error) {
	if up.FullName == nil && up.Email == nil && up.CanPay == nil && up.IsPro == nil {
		return store.User{}, fmt.Errorf("%w: give at least one of full name, email, canPay, isPro", ErrNothingToUpdate)
	}
	u, err := FindUser(ctx, st, username)
	if err != nil {
		return store.User{}, err
	}
	var updated store.User
	err = st.UpdateUser(ctx, u.ID, func(u *store.User) error {
		if up.FullName != nil {
			u.FullName = strings.TrimSpace(*up.FullName)
			if u.FullName == "" {
				u.FullName = u.Username
			}
		}
		if up.Email != nil {
			u.Email = strings.TrimSpace(*up.Email)
			u.EmailVerified = u.Email != ""
		}
		if up.CanPay != nil {
			u.CanPay = *up.CanPay
		}
		if up.IsPro != nil {
			u.IsPro = *up.IsPro
		}
		updated = *u
		return nil
	})
	if err != nil {
		return store.User{}, notFound(err, "user", username)
	}
	return updated, nil
}

// DeleteUser deletes the user called username and returns what it was (a
// *NotFoundError if there is none). The store takes the user's
// memberships, consents, browser sessions, codes and tokens (OAuth access
// and refresh tokens, user access tokens) with it, so everything the user
// signed in to stops working at once; apps the user owns stay.
func DeleteUser(ctx context.Context, st Store, username string) (store.User, error) {
	u, err := FindUser(ctx, st, username)
	if err != nil {
		return store.User{}, err
	}
	if err := st.DeleteUser(ctx, u.ID); err != nil {
		return store.User{}, notFound(err, "user", username)
	}
	return u, nil
}
