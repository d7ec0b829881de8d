package sqlite

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/store"
)

// TestLoader loads users, an app and tokens in batches of 3 and reads them
// back through the Store methods; a token whose user does not exist fails
// with ErrNotFound, loses only the open batch and leaves the Loader usable.
func TestLoader(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	l := db.Loader(ctx, 3)
	var users []store.User
	for i := range 4 {
		u := store.User{ID: fmt.Sprintf("%024x", i+1), Username: fmt.Sprintf("user%d", i), FullName: "User", Email: "u@example.com", CreatedAt: t0}
		users = append(users, u)
		must(t, l.User(u))
	}
	a := store.App{ClientID: "00000000-0000-4000-8000-00000000000a", Name: "App", RedirectURIs: []string{"https://app.example/cb"},
		Scopes: []string{"openid", "profile"}, TokenTTL: time.Hour, IDTokenAlg: "RS256", CreatedAt: t0}
	must(t, l.App(a))
	tok := store.Token{Hash: store.Hash("live"), Kind: store.KindAccess, UserID: users[1].ID, ClientID: a.ClientID,
		Scopes: []string{"openid"}, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, l.Token(tok)) // the sixth row: commits the second batch
	if got := l.Rows(); got != 6 {
		t.Fatalf("Rows after two batches = %d, want 6", got)
	}

	must(t, l.Token(store.Token{Hash: store.Hash("pending"), Kind: store.KindAccess, UserID: users[0].ID, ClientID: a.ClientID, CreatedAt: t0}))
	err := l.Token(store.Token{Hash: store.Hash("orphan"), Kind: store.KindAccess, UserID: "nobody", ClientID: a.ClientID, CreatedAt: t0})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token of a missing user: err = %v, want ErrNotFound", err)
	}
	if _, err := db.Token(ctx, store.Hash("pending")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed batch's earlier row is stored (err = %v); the batch should be rolled back", err)
	}
	must(t, l.Token(store.Token{Hash: store.Hash("after"), Kind: store.KindAccess, UserID: users[3].ID, ClientID: a.ClientID, CreatedAt: t0}))
	must(t, l.Close())
	if got := l.Rows(); got != 7 {
		t.Errorf("Rows after Close = %d, want 7", got)
	}

	for _, u := range users {
		got, err := db.User(ctx, u.ID)
		must(t, err)
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("user %s (-loaded +read):\n%s", u.Username, diff)
		}
	}
	gotApp, err := db.App(ctx, a.ClientID)
	must(t, err)
	if diff := cmp.Diff(a, gotApp); diff != "" {
		t.Errorf("app (-loaded +read):\n%s", diff)
	}
	gotTok, err := db.Token(ctx, tok.Hash)
	must(t, err)
	if diff := cmp.Diff(tok, gotTok); diff != "" {
		t.Errorf("token (-loaded +read):\n%s", diff)
	}
	if _, err := db.Token(ctx, store.Hash("after")); err != nil {
		t.Errorf("token loaded after the failure: %v", err)
	}
}
