package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
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

// TestWALRewound: under steady reads and writes a PASSIVE checkpoint never
// rewinds the WAL; past walMax pages the checkpointer empties it, with the
// readers still reading.
//
// A PASSIVE checkpoint copies only up to the oldest snapshot a reader still
// holds, and a reader's goroutine may be descheduled in the middle of a read
// while hundreds of commits go by; a checkpoint then cannot copy them, and
// does not rewind (shouldRewind; TestWALRewoundWhenReaderLeaves). So before
// it checkpoints, the test waits until each reader has finished a read
// begun after the last commit: from then on every read uses the newest
// snapshot, and one round must rewind the WAL however the readers are
// scheduled.
func TestWALRewound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	db := openFile(t, path)
	db.walMax = 50
	ctx := t.Context()
	u := store.User{ID: fmt.Sprintf("%024x", 1), Username: "alice", FullName: "Alice", Email: "a@example.com", CreatedAt: t0}
	must(t, db.CreateUser(ctx, u))
	stop := make(chan struct{})
	var written atomic.Bool // all commits are done
	var readers sync.WaitGroup
	caughtUp := make([]chan struct{}, 2) // closed by reader i after a read begun once written
	for i := range caughtUp {
		caughtUp[i] = make(chan struct{})
		readers.Add(1)
		go func() {
			defer readers.Done()
			signal := sync.OnceFunc(func() { close(caughtUp[i]) })
			defer signal() // also if it fails
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := written.Load()
				if _, err := db.User(ctx, u.ID); err != nil {
					t.Error(err)
					return
				}
				if after {
					signal()
				}
			}
		}()
	}
	for i := range 500 {
		must(t, db.CreateToken(ctx, store.Token{Hash: store.Hash(fmt.Sprint("t", i)), Kind: store.KindUser, UserID: u.ID,
			Name: "t", Role: "read", CreatedAt: t0}))
	}
	written.Store(true)
	for _, c := range caughtUp {
		<-c
	}
	var done int64
	db.checkpoint(&done)
	close(stop)
	readers.Wait()
	fi, err := os.Stat(path + "-wal")
	must(t, err)
	if limit := int64(50 * 4096); fi.Size() > limit {
		t.Errorf("WAL is %d bytes after 500 commits and a checkpoint, want at most %d (walMax pages)", fi.Size(), limit)
	}
}

// TestWALRewoundWhenReaderLeaves: a checkpoint round that finds a reader
// holding an old snapshot copies the WAL only up to it and does not rewind;
// once the reader has left, the next round copies the rest and rewinds the
// WAL, though nothing was committed in between.
func TestWALRewoundWhenReaderLeaves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	db := openFile(t, path)
	db.walMax = 50
	ctx := t.Context()
	u := store.User{ID: fmt.Sprintf("%024x", 1), Username: "alice", CreatedAt: t0}
	must(t, db.CreateUser(ctx, u))

	other, err := sql.Open("sqlite", path+readerParams)
	must(t, err)
	defer other.Close()
	reader, err := other.BeginTx(ctx, nil)
	must(t, err)
	var held int
	must(t, reader.QueryRowContext(ctx, `SELECT count(*) FROM tokens`).Scan(&held))

	for i := range 500 {
		must(t, db.CreateToken(ctx, store.Token{Hash: store.Hash(fmt.Sprint("t", i)), Kind: store.KindUser, UserID: u.ID,
			Name: "t", Role: "read", CreatedAt: t0}))
	}
	walSize := func() int64 {
		t.Helper()
		fi, err := os.Stat(path + "-wal")
		must(t, err)
		return fi.Size()
	}
	limit := int64(50 * 4096)
	var done int64
	db.checkpoint(&done)
	if size := walSize(); size <= limit {
		t.Fatalf("WAL is %d bytes after 500 commits with a reader on the first snapshot, want more than %d: the test pins nothing", size, limit)
	}

	must(t, reader.Rollback())
	db.checkpoint(&done)
	if size := walSize(); size > limit {
		t.Errorf("WAL is %d bytes after the reader left and another checkpoint round, want at most %d (walMax pages)", size, limit)
	}
}

// TestLoaderKeepsWALSmall: each batch is checkpointed into the database, so
// the WAL holds at most one batch, however many batches are loaded.
func TestLoaderKeepsWALSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	db := openFile(t, path)
	l := db.Loader(t.Context(), 100)
	for i := range 2000 {
		must(t, l.User(store.User{ID: fmt.Sprintf("%024x", i+1), Username: fmt.Sprintf("user%d", i), CreatedAt: t0}))
	}
	must(t, l.Close())
	fi, err := os.Stat(path + "-wal")
	must(t, err)
	if fi.Size() > 0 {
		t.Errorf("WAL is %d bytes after the Loader closed, want it checkpointed and emptied", fi.Size())
	}
}

func TestShouldRewind(t *testing.T) {
	for _, tc := range []struct {
		frames, copied int64
		want           bool
	}{
		{0, 0, false},
		{walMaxFrames, walMaxFrames, false},              // not past the limit
		{walMaxFrames + 1, walMaxFrames + 1, true},       // past it, all copied
		{100000, 100000 - walRewindSlack, true},          // the rest is cheap to copy
		{100000, 100000 - walRewindSlack - 1, false},     // copying the rest would hold writers back
		{500000, 0, false},                               // a reader pins an old snapshot
		{walMaxFrames + 10, walMaxFrames + 10 - 5, true}, // a few frames written meanwhile
	} {
		if got := shouldRewind(tc.frames, tc.copied, walMaxFrames); got != tc.want {
			t.Errorf("shouldRewind(%d, %d) = %v, want %v", tc.frames, tc.copied, got, tc.want)
		}
	}
}

// TestGarbageCollectRewindsWAL: a large GC checkpoints and empties the WAL
// every gcRewindRows rows itself, so the WAL holds the pages of at most
// about that many rows even when the background checkpointer does not
// rewind it.
func TestGarbageCollectRewindsWAL(t *testing.T) {
	const n = 3*gcRewindRows + 7
	db, path := gcBacklog(t, n)
	ctx := t.Context()
	res, err := db.GarbageCollect(ctx, t0.Add(time.Hour))
	must(t, err)
	if res.Tokens != n {
		t.Fatalf("GarbageCollect deleted %d tokens, want %d", res.Tokens, n)
	}
	fi, err := os.Stat(path + "-wal")
	must(t, err)
	if fi.Size() > 10<<20 { // about 19 MB without the rewinds
		t.Errorf("WAL is %d bytes after deleting %d tokens; the GC should have rewound it after %d rows", fi.Size(), n, gcRewindRows)
	}
}

// TestGarbageCollectWaitsForCheckpoints: while a reader keeps an old
// snapshot open, the WAL cannot be emptied, and the GC waits after
// gcRewindRows rows instead of growing the WAL further; it goes on
// once the reader is done.
func TestGarbageCollectWaitsForCheckpoints(t *testing.T) {
	const n = 3 * gcRewindRows
	db, path := gcBacklog(t, n)
	ctx := t.Context()
	// Busy answers come quickly, so the GC would run through its batches
	// in the time the test waits if it did not wait for the checkpoints.
	_, err := db.w.ExecContext(ctx, `PRAGMA busy_timeout = 20`)
	must(t, err)

	other, err := sql.Open("sqlite", path+readerParams)
	must(t, err)
	defer other.Close()
	reader, err := other.BeginTx(ctx, nil)
	must(t, err)
	var held int
	must(t, reader.QueryRowContext(ctx, `SELECT count(*) FROM tokens`).Scan(&held))

	type result struct {
		res store.GCResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := db.GarbageCollect(ctx, t0.Add(time.Hour))
		done <- result{res, err}
	}()
	remaining := func() int {
		var c int
		must(t, db.r.QueryRowContext(ctx, `SELECT count(*) FROM tokens`).Scan(&c))
		return c
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case r := <-done:
			fi, _ := os.Stat(path + "-wal")
			t.Fatalf("GarbageCollect finished (%+v, %v) while a reader kept the WAL from being emptied; WAL %d bytes", r.res, r.err, fi.Size())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if got := n - remaining(); got < gcRewindRows || got >= gcRewindRows+gcBatchMax {
		t.Errorf("while the WAL could not be emptied the GC deleted %d tokens, want %d to %d (gcRewindRows and the last batch, then wait)",
			got, gcRewindRows, gcRewindRows+gcBatchMax-1)
	}

	must(t, reader.Rollback())
	r := <-done
	must(t, r.err)
	if r.res.Tokens != n {
		t.Errorf("GarbageCollect deleted %d tokens, want %d", r.res.Tokens, n)
	}
	if c := remaining(); c != 0 {
		t.Errorf("%d tokens left after the GC", c)
	}
}

func TestGCNextBatch(t *testing.T) {
	for _, tc := range []struct {
		n    int
		took time.Duration
		want int
	}{
		{500, gcBatchTime, 500},             // on target
		{500, gcBatchTime / 10, 1000},       // quick: at most doubled
		{500, 0, 1000},                      // too quick to measure
		{500, 10 * gcBatchTime, 250},        // slow: at most halved
		{500, gcBatchTime * 5 / 4, 400},     // a little slow
		{4000, gcBatchTime / 4, gcBatchMax}, // never above the maximum
		{30, time.Second, gcBatchMin},       // never below the minimum
	} {
		if got := gcNextBatch(tc.n, tc.took); got != tc.want {
			t.Errorf("gcNextBatch(%d, %v) = %d, want %d", tc.n, tc.took, got, tc.want)
		}
	}
}

// TestGarbageCollectYields: a GC that other writes wait for steps aside
// between its batches, and one that nobody waits for does not.
func TestGarbageCollectYields(t *testing.T) {
	var yields atomic.Int64
	defer func(f func(context.Context, time.Duration) error) { gcYield = f }(gcYield)
	gcYield = func(ctx context.Context, d time.Duration) error {
		yields.Add(1)
		time.Sleep(time.Millisecond)
		return nil
	}
	const n = 20000
	db, _ := gcBacklog(t, n)
	ctx := t.Context()

	res, err := db.GarbageCollect(ctx, t0.Add(time.Hour))
	must(t, err)
	if res.Tokens != n || yields.Load() != 0 {
		t.Errorf("alone: GC deleted %d tokens with %d yields, want %d and none", res.Tokens, yields.Load(), n)
	}

	loadExpired(t, db, n, n)
	stop := make(chan struct{})
	writes := make(chan int)
	go func() {
		w := 0
		defer func() { writes <- w }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := db.CreateSession(ctx, store.Session{Hash: store.Hash(fmt.Sprint("s", w)), UserID: backlogUser.ID,
				CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}); err != nil {
				t.Error(err)
				return
			}
			w++
		}
	}()
	res, err = db.GarbageCollect(ctx, t0.Add(time.Hour))
	close(stop)
	w := <-writes
	must(t, err)
	if res.Tokens != n {
		t.Errorf("with another writer: GC deleted %d tokens, want %d", res.Tokens, n)
	}
	if yields.Load() == 0 {
		t.Errorf("with another writer (%d writes meanwhile) the GC never stepped aside", w)
	}
}

var backlogUser = store.User{ID: fmt.Sprintf("%024x", 1), Username: "alice", CreatedAt: t0}

// gcBacklog opens a database at a new path, whose background checkpointer
// never rewinds the WAL, with backlogUser, an app "app", and n access tokens
// that expired at t0 plus a minute.
func gcBacklog(t *testing.T, n int) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hubid.db")
	db := openFile(t, path)
	db.walMax = 1 << 40
	ctx := t.Context()
	must(t, db.CreateUser(ctx, backlogUser))
	must(t, db.CreateApp(ctx, store.App{ClientID: "app", CreatedAt: t0}))
	loadExpired(t, db, 0, n)
	return db, path
}

// loadExpired adds n tokens of gcBacklog's kind, numbered from from.
func loadExpired(t *testing.T, db *DB, from, n int) {
	t.Helper()
	l := db.Loader(t.Context(), 5000)
	for i := range n {
		must(t, l.Token(store.Token{Hash: store.Hash(fmt.Sprint("t", from+i)), Kind: store.KindAccess, UserID: backlogUser.ID,
			ClientID: "app", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
	}
	must(t, l.Close())
}
