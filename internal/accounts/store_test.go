package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Every backend's store.Store is an accounts.Store.
var _ Store = store.Store(nil)

// fakeStore is an in-memory Store with the contract of the real ones:
// names unique ignoring ASCII case, store.ErrAlreadyExists and
// store.ErrNotFound.
type fakeStore struct {
	users   map[string]store.User // by folded username
	orgs    map[string]store.Org  // by folded name
	members map[[2]string]string  // {org id, user id} → role
	// revoked and signedOut record RevokeTokens and DeleteUserSessions.
	apps      []store.App
	revoked   []store.TokenFilter
	signedOut []string
	// err, when set, is what every lookup returns (a broken database).
	err error
	// createErr, when set, is what CreateUser and CreateOrg return (a
	// name taken between the check and the insert).
	createErr error
}

// newFakeStore holds the user alice (id u-alice) and the org acme (id
// o-acme).
func newFakeStore() *fakeStore {
	return &fakeStore{
		users:   map[string]store.User{"alice": {ID: "u-alice", Username: "alice", FullName: "Alice"}},
		orgs:    map[string]store.Org{"acme": {ID: "o-acme", Name: "acme", FullName: "Acme"}},
		members: map[[2]string]string{},
	}
}

// fold lowers ASCII letters only, as SQLite's NOCASE does.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func (f *fakeStore) UserByName(_ context.Context, name string) (store.User, error) {
	if f.err != nil {
		return store.User{}, f.err
	}
	u, ok := f.users[fold(name)]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return u, nil
}

func (f *fakeStore) OrgByName(_ context.Context, name string) (store.Org, error) {
	if f.err != nil {
		return store.Org{}, f.err
	}
	o, ok := f.orgs[fold(name)]
	if !ok {
		return store.Org{}, store.ErrNotFound
	}
	return o, nil
}

func (f *fakeStore) CreateUser(_ context.Context, u store.User) error {
	if f.createErr != nil {
		return f.createErr
	}
	if _, ok := f.users[fold(u.Username)]; ok {
		return store.ErrAlreadyExists
	}
	f.users[fold(u.Username)] = u
	return nil
}

func (f *fakeStore) userByID(id string) (string, bool) {
	for k, u := range f.users {
		if u.ID == id {
			return k, true
		}
	}
	return "", false
}

func (f *fakeStore) User(_ context.Context, id string) (store.User, error) {
	k, ok := f.userByID(id)
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return f.users[k], nil
}

func (f *fakeStore) UpdateUser(_ context.Context, id string, update func(*store.User) error) error {
	k, ok := f.userByID(id)
	if !ok {
		return store.ErrNotFound
	}
	u := f.users[k]
	if err := update(&u); err != nil {
		return err
	}
	f.users[k] = u
	return nil
}

func (f *fakeStore) DeleteUser(_ context.Context, id string) error {
	k, ok := f.userByID(id)
	if !ok {
		return store.ErrNotFound
	}
	delete(f.users, k)
	for m := range f.members {
		if m[1] == id {
			delete(f.members, m)
		}
	}
	return nil
}

func (f *fakeStore) CreateOrg(_ context.Context, o store.Org) error {
	if f.createErr != nil {
		return f.createErr
	}
	if _, ok := f.orgs[fold(o.Name)]; ok {
		return store.ErrAlreadyExists
	}
	f.orgs[fold(o.Name)] = o
	return nil
}

func (f *fakeStore) SetMember(_ context.Context, orgID, userID, role string) error {
	if role == "" {
		delete(f.members, [2]string{orgID, userID})
		return nil
	}
	f.members[[2]string{orgID, userID}] = role
	return nil
}

func (f *fakeStore) RevokeTokens(_ context.Context, flt store.TokenFilter, _ time.Time) (int64, error) {
	f.revoked = append(f.revoked, flt)
	return 1, nil
}

func (f *fakeStore) ListApps(context.Context) ([]store.App, error) { return f.apps, nil }

func (f *fakeStore) Memberships(_ context.Context, userID string) ([]store.Membership, error) {
	var ms []store.Membership
	for _, o := range f.orgs {
		if r, ok := f.members[[2]string{o.ID, userID}]; ok {
			ms = append(ms, store.Membership{Org: o, Role: r})
		}
	}
	return ms, nil
}

func (f *fakeStore) DeleteUserSessions(_ context.Context, userID string) (int64, error) {
	f.signedOut = append(f.signedOut, userID)
	return 1, nil
}

// fakeHasher "hashes" without argon2's cost.
type fakeHasher struct{ calls int }

func (h *fakeHasher) Hash(_ context.Context, pw string) (string, error) {
	h.calls++
	return "hashed:" + pw, nil
}

// Verify matches the hashes Hash makes.
func (h *fakeHasher) Verify(_ context.Context, phc, pw string) (bool, error) {
	return phc != "" && phc == "hashed:"+pw, nil
}

var (
	ctx     = context.Background()
	errDisk = errors.New("disk I/O error")
	now     = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

// checkErr fails t unless err matches want (nil: no error) and its message
// is msg (when msg is not "").
func checkErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("error %q, want none", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error %v, want one matching %q", err, want)
	case want != nil && msg != "" && err.Error() != msg:
		t.Fatalf("error %q, want %q", err, msg)
	}
}

func TestResolveOwner(t *testing.T) {
	tests := []struct {
		name    string
		want    Owner
		wantErr error
		msg     string
	}{
		{"alice", Owner{ID: "u-alice", Name: "alice"}, nil, ""},
		{"ALICE", Owner{ID: "u-alice", Name: "alice"}, nil, ""},
		{"acme", Owner{ID: "o-acme", Name: "acme", Org: true}, nil, ""},
		{"AcMe", Owner{ID: "o-acme", Name: "acme", Org: true}, nil, ""},
		{"nobody", Owner{}, store.ErrNotFound, `owner "nobody" is neither a user nor an org on this hub: check the spelling, or create the user or org first`},
		{"", Owner{}, store.ErrNotFound, `owner "" is neither a user nor an org on this hub: check the spelling, or create the user or org first`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveOwner(ctx, newFakeStore(), tc.name)
			checkErr(t, err, tc.wantErr, tc.msg)
			if got != tc.want {
				t.Errorf("ResolveOwner(%q) = %+v, want %+v", tc.name, got, tc.want)
			}
			var nf *NotFoundError
			if tc.wantErr != nil && (!errors.As(err, &nf) || nf.Kind != "owner" || nf.Name != tc.name) {
				t.Errorf("error %#v is not a *NotFoundError for owner %q", err, tc.name)
			}
		})
	}
	t.Run("store-error", func(t *testing.T) {
		st := newFakeStore()
		st.err = errDisk
		if _, err := ResolveOwner(ctx, st, "alice"); err != errDisk {
			t.Errorf("error %v, want the store's %v", err, errDisk)
		}
	})
}

func TestFindUserAndOrg(t *testing.T) {
	st := newFakeStore()
	if u, err := FindUser(ctx, st, "Alice"); err != nil || u.ID != "u-alice" {
		t.Errorf("FindUser(Alice) = %+v, %v", u, err)
	}
	if o, err := FindOrg(ctx, st, "ACME"); err != nil || o.ID != "o-acme" {
		t.Errorf("FindOrg(ACME) = %+v, %v", o, err)
	}
	_, err := FindUser(ctx, st, "acme") // an org is not a user
	checkErr(t, err, store.ErrNotFound, `user "acme" not found`)
	_, err = FindOrg(ctx, st, "alice")
	checkErr(t, err, store.ErrNotFound, `org "alice" not found`)
	st.err = errDisk
	if _, err := FindUser(ctx, st, "alice"); err != errDisk {
		t.Errorf("FindUser with a broken store: %v", err)
	}
}
