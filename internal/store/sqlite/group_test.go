package sqlite

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// TestWriteGrouped: redemptions that arrive together are committed in
// groups, and each still gets its own answer: a replayed code fails with
// ErrCodeUsed and stores nothing, a token for an unknown user fails, and
// every other redemption's tokens are stored.
func TestWriteGrouped(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	u := store.User{ID: "a11ce0000000000000000001", Username: "alice", CreatedAt: t0}
	a := store.App{ClientID: "app", Name: "App", RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: t0}
	must(t, db.CreateUser(ctx, u))
	must(t, db.CreateApp(ctx, a))

	const codes, replays = 48, 16
	type redemption struct {
		code  int
		token string
		user  string
	}
	var rs []redemption
	for i := range codes {
		rs = append(rs, redemption{code: i, token: fmt.Sprint("at", i), user: u.ID})
	}
	for i := range replays {
		rs = append(rs, redemption{code: i, token: fmt.Sprint("replay", i), user: u.ID})
	}
	rs = append(rs, redemption{code: codes, token: "orphan", user: "b0b000000000000000000001"})

	errs := make([]error, len(rs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	// The writer is held while the redemptions arrive, so that they queue:
	// the first leads and waits for the writer with a group of one, the
	// others form the next group.
	held, release := make(chan struct{}), make(chan struct{})
	go db.write(ctx, func(*tx) error { close(held); <-release; return nil })
	<-held
	before := db.commits.Load()
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			h := store.Hash(fmt.Sprint("code", r.code))
			c := store.AuthCode{Hash: h, ClientID: a.ClientID, UserID: r.user, RedirectURI: a.RedirectURIs[0],
				CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
			tok := store.Token{Hash: store.Hash(r.token), Kind: store.KindAccess, UserID: r.user, ClientID: a.ClientID,
				CodeHash: h, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			errs[i] = db.RedeemCode(ctx, c, t0, []store.Token{tok})
		}()
	}
	close(start)
	for deadline := time.Now().Add(10 * time.Second); ; {
		db.gmu.Lock()
		queued := len(db.gpending)
		db.gmu.Unlock()
		if queued == len(rs)-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d redemptions queued after 10 s", queued, len(rs)-1)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	commits := db.commits.Load() - before

	won := map[int]string{}
	for i, r := range rs {
		switch {
		case r.token == "orphan":
			if errs[i] == nil {
				t.Errorf("a redemption for an unknown user succeeded")
			}
		case errs[i] == nil:
			if w, dup := won[r.code]; dup {
				t.Errorf("code %d redeemed twice (%s and %s)", r.code, w, r.token)
			}
			won[r.code] = r.token
		case !errors.Is(errs[i], store.ErrCodeUsed):
			t.Errorf("redemption %s: %v, want nil or ErrCodeUsed", r.token, errs[i])
		}
	}
	if len(won) != codes {
		t.Errorf("%d codes redeemed, want %d", len(won), codes)
	}
	for i, r := range rs {
		_, err := db.Token(ctx, store.Hash(r.token))
		if stored := err == nil; stored != (errs[i] == nil) {
			t.Errorf("token %s: stored %v, but its redemption returned %v", r.token, stored, errs[i])
		}
	}
	// The held write, the first redemption alone (or no commit if it
	// failed), the rest together.
	if commits > 3 {
		t.Errorf("%d concurrent redemptions and a held write took %d commits, want at most 3: they should have been grouped", len(rs), commits)
	}
}

// TestWriteGroupedTransactionFails: when a write ends the group's
// transaction (as an I/O error would), no write of the group runs outside a
// transaction: each is run again alone and gets its own answer.
func TestWriteGroupedTransactionFails(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	must(t, db.CreateUser(ctx, store.User{ID: "a11ce0000000000000000001", Username: "alice", CreatedAt: t0}))
	insert := func(name string) func(*tx) error {
		return func(t *tx) error {
			_, err := t.exec(`INSERT INTO secrets (name, value) VALUES (?, x'00')`, name)
			return err
		}
	}
	breaker := errors.New("broke the transaction")
	runs := 0
	group := []*groupedWrite{
		{fn: insert("one")},
		{fn: func(t *tx) error {
			runs++
			if _, err := t.exec(`INSERT INTO secrets (name, value) VALUES ('half', x'00')`); err != nil {
				return err
			}
			if runs == 1 {
				t.exec(`ROLLBACK`)
			}
			return breaker
		}},
		{fn: insert("two")},
	}
	for _, w := range group {
		w.done = make(chan groupResult, 1)
	}
	db.commitGroup(ctx, group)
	want := []error{nil, breaker, nil}
	for i, w := range group {
		if r := <-w.done; !errors.Is(r.err, want[i]) || (want[i] == nil && r.err != nil) {
			t.Errorf("write %d: %v, want %v", i, r.err, want[i])
		}
	}
	if runs != 2 {
		t.Errorf("the breaking write ran %d times, want 2 (in the group, then alone)", runs)
	}
	for name, want := range map[string]bool{"one": true, "two": true, "half": false} {
		var n int
		must(t, db.r.QueryRowContext(ctx, `SELECT count(*) FROM secrets WHERE name = ?`, name).Scan(&n))
		if (n == 1) != want || n > 1 {
			t.Errorf("secret %q stored %d times, want stored: %v", name, n, want)
		}
	}
}
