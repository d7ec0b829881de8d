package storetest

import (
	"fmt"
	"testing"

	"github.com/hubid/hubid/internal/store"
)

// Sessions runs the tests of browser sessions.
func Sessions(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Sessions", x.sessions},
	})
}

func (x suite) sessions(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, _ := seed(t, s)
	full := session("sess-1", a)
	full.CreatedAt = t0.In(cet)
	bare := store.Session{Hash: store.Hash("sess-2"), UserID: a.ID}
	for _, want := range []store.Session{full, bare} {
		must(t, s.CreateSession(ctx, want))
		got, err := s.Session(ctx, want.Hash)
		must(t, err)
		diff(t, "Session", want, got)
		got, u, err := s.SessionWithUser(ctx, want.Hash)
		must(t, err)
		diff(t, "SessionWithUser", want, got)
		diff(t, "SessionWithUser's user", a, u)
	}
	wantErr(t, "CreateSession again", s.CreateSession(ctx, full), store.ErrAlreadyExists)
	wantErr(t, "CreateSession unknown user", s.CreateSession(ctx, session("sess-3", store.User{ID: "nobody"})), store.ErrNotFound)
	must(t, s.DeleteSession(ctx, full.Hash))
	_, err := s.Session(ctx, full.Hash)
	wantErr(t, "Session after delete", err, store.ErrNotFound)
	_, _, err = s.SessionWithUser(ctx, full.Hash)
	wantErr(t, "SessionWithUser after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteSession again", s.DeleteSession(ctx, full.Hash), store.ErrNotFound)
	if _, err := s.Session(ctx, bare.Hash); err != nil {
		t.Errorf("other session after delete: %v", err)
	}

	// DeleteUserSessions: every session of one user, no other user's.
	for i, u := range []store.User{a, a, b} {
		must(t, s.CreateSession(ctx, session(fmt.Sprintf("user-sess-%d", i), u)))
	}
	n, err := s.DeleteUserSessions(ctx, a.ID)
	must(t, err)
	if n != 3 { // bare and the two above
		t.Errorf("DeleteUserSessions deleted %d sessions, want 3", n)
	}
	for _, h := range []string{"sess-2", "user-sess-0", "user-sess-1"} {
		_, err := s.Session(ctx, store.Hash(h))
		wantErr(t, "Session "+h+" after DeleteUserSessions", err, store.ErrNotFound)
	}
	if _, err := s.Session(ctx, store.Hash("user-sess-2")); err != nil {
		t.Errorf("another user's session after DeleteUserSessions: %v", err)
	}
	if n, err := s.DeleteUserSessions(ctx, a.ID); err != nil || n != 0 {
		t.Errorf("DeleteUserSessions again: %d, %v; want 0, nil", n, err)
	}
	if n, err := s.DeleteUserSessions(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("DeleteUserSessions of an unknown user: %d, %v; want 0, nil", n, err)
	}
}
