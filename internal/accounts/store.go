package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Lookup finds users and orgs by name, ignoring case; a missing one is
// store.ErrNotFound. store.Store satisfies it.
type Lookup interface {
	UserByName(ctx context.Context, username string) (store.User, error)
	OrgByName(ctx context.Context, name string) (store.Org, error)
}

// Store is what the account rules need of storage: the methods of
// store.Store they call, with its contract (names unique ignoring case,
// store.ErrAlreadyExists for a taken one, store.ErrNotFound for a missing
// row; DeleteUser takes the user's memberships, consents, sessions and
// tokens with it; SetMember with role "" removes the membership).
type Store interface {
	Lookup
	CreateUser(ctx context.Context, u store.User) error
	User(ctx context.Context, id string) (store.User, error)
	UpdateUser(ctx context.Context, id string, update func(*store.User) error) error
	DeleteUser(ctx context.Context, id string) error
	CreateOrg(ctx context.Context, o store.Org) error
	SetMember(ctx context.Context, orgID, userID, role string) error
	// What ends a user's grants (SetPassword, SetMember).
	RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error)
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
	ListApps(ctx context.Context) ([]store.App, error)
	Memberships(ctx context.Context, userID string) ([]store.Membership, error)
}

// PasswordHasher turns a password into the PHC string stored for it.
// *Hasher is one.
type PasswordHasher interface {
	Hash(ctx context.Context, pw string) (string, error)
}

// Errors a caller may need to tell apart. Each error the functions of this
// package return for a broken rule matches one of them (errors.Is) and
// says what is wrong in words fit to show a person.
var (
	// ErrNameTaken: a user or an org already has the name (ignoring
	// case); users and orgs share one namespace.
	ErrNameTaken = errors.New("name taken")
	// ErrInvalidRole: not a role a member of an org can have.
	ErrInvalidRole = errors.New("invalid role")
	// ErrInvalidPlan: not an org plan.
	ErrInvalidPlan = errors.New("invalid plan")
)

// NotFoundError is returned when no user, org or owner has the name. It
// matches store.ErrNotFound (errors.Is).
type NotFoundError struct {
	Kind string // "user", "org", or "owner" (a user or an org)
	Name string // as asked for
}

func (e *NotFoundError) Error() string {
	if e.Kind == "owner" {
		return fmt.Sprintf("owner %q is neither a user nor an org on this hub: check the spelling, or create the user or org first", e.Name)
	}
	return fmt.Sprintf("%s %q not found", e.Kind, e.Name)
}

func (e *NotFoundError) Unwrap() error { return store.ErrNotFound }

// notFound turns store.ErrNotFound into a *NotFoundError naming what was
// looked for, and returns any other error unchanged.
func notFound(err error, kind, name string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &NotFoundError{Kind: kind, Name: name}
	}
	return err
}

// FindUser returns the user called username (ignoring case), or a
// *NotFoundError.
func FindUser(ctx context.Context, st Lookup, username string) (store.User, error) {
	u, err := st.UserByName(ctx, username)
	if err != nil {
		return store.User{}, notFound(err, "user", username)
	}
	return u, nil
}

// FindOrg returns the org called name (ignoring case), or a
// *NotFoundError.
func FindOrg(ctx context.Context, st Lookup, name string) (store.Org, error) {
	o, err := st.OrgByName(ctx, name)
	if err != nil {
		return store.Org{}, notFound(err, "org", name)
	}
	return o, nil
}

// Owner is a user or an org that owns something: an app, a Space.
type Owner struct {
	ID   string
	Name string // as stored, which may differ in case from the name asked for
	Org  bool   // an org; otherwise a user
}

// ResolveOwner finds the user or org called name (ignoring case; a user
// first, for stores made before the namespace was enforced both ways). When
// neither exists the error is a *NotFoundError of kind "owner"; any other
// error is the store's.
func ResolveOwner(ctx context.Context, st Lookup, name string) (Owner, error) {
	u, err := st.UserByName(ctx, name)
	if err == nil {
		return Owner{ID: u.ID, Name: u.Username}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Owner{}, err
	}
	o, err := st.OrgByName(ctx, name)
	if err == nil {
		return Owner{ID: o.ID, Name: o.Name, Org: true}, nil
	}
	return Owner{}, notFound(err, "owner", name)
}

// checkNameFree returns an ErrNameTaken error when a user or an org is
// called name (ignoring case); forOrg says which the caller is creating, to
// word the error. The check comes before the insert and is not atomic with
// it: the store's unique names guard each kind, nothing guards across
// kinds against two creations racing.
func checkNameFree(ctx context.Context, st Lookup, name string, forOrg bool) error {
	_, err := st.UserByName(ctx, name)
	switch {
	case err == nil && forOrg:
		return &ruleError{ErrNameTaken, fmt.Sprintf("%q is already a username; users and orgs share one namespace", name)}
	case err == nil:
		return userExists(name)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	_, err = st.OrgByName(ctx, name)
	switch {
	case err == nil && forOrg:
		return orgExists(name)
	case err == nil:
		return &ruleError{ErrNameTaken, fmt.Sprintf("%q is already an org name; users and orgs share one namespace", name)}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return nil
}

func userExists(name string) error {
	return &ruleError{ErrNameTaken, fmt.Sprintf("a user named %q already exists", name)}
}

func orgExists(name string) error {
	return &ruleError{ErrNameTaken, fmt.Sprintf("an org named %q already exists", name)}
}
