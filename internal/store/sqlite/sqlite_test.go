package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func openFile(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func openTemp(t testing.TB) *DB {
	t.Helper()
	return openFile(t, filepath.Join(t.TempDir(), "hubid.db"))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openFile(t, MemoryPath) })
}

func TestOpenBadPath(t *testing.T) {
	for _, path := range []string{"", "a?b.db", "a#b.db", filepath.Join(t.TempDir(), "missing", "dir", "x.db")} {
		if db, err := Open(path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

func countMigrations(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	must(t, db.r.QueryRowContext(t.Context(), `SELECT count(*) FROM migrations`).Scan(&n))
	return n
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	ms, err := migrations()
	must(t, err)
	db, err := Open(path)
	must(t, err)
	u := store.User{ID: "a11ce0000000000000000001", Username: "alice", CreatedAt: t0}
	must(t, db.CreateUser(t.Context(), u))
	must(t, db.Close())
	must(t, db.Close()) // idempotent

	db = openFile(t, path)
	got, err := db.User(t.Context(), u.ID)
	must(t, err)
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("user after reopen (-want +got):\n%s", diff)
	}
	if n := countMigrations(t, db); n != len(ms) {
		t.Errorf("%d migrations recorded, want %d", n, len(ms))
	}
	var mode string
	must(t, db.r.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode))
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	db, err := Open(path)
	must(t, err)
	_, err = db.w.ExecContext(t.Context(), `INSERT INTO migrations (version, name) VALUES (999, '0999_future.sql')`)
	must(t, err)
	must(t, db.Close())
	if db, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		if err == nil {
			db.Close()
		}
		t.Errorf("Open of a newer schema: error %v, want one saying it is newer", err)
	}
}

// TestConcurrentOpen opens a new file from several goroutines at once (each
// with its own connections, as separate processes would have): every Open
// succeeds and every migration is applied once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	const n = 8
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			dbs[i], errs[i] = Open(path)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		must(t, errs[i])
		defer dbs[i].Close()
	}
	ms, err := migrations()
	must(t, err)
	if got := countMigrations(t, dbs[0]); got != len(ms) {
		t.Errorf("%d migrations recorded, want %d", got, len(ms))
	}
}

// TestTwoHandles uses two DBs on one file, as the server and the CLI would:
// each sees the other's writes, and concurrent writes from both succeed
// (no SQLITE_BUSY).
func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	a, b := openFile(t, path), openFile(t, path)
	ctx := t.Context()

	u := store.User{ID: "a11ce0000000000000000001", Username: "alice", FullName: "", CreatedAt: t0}
	must(t, a.CreateUser(ctx, u))
	got, err := b.UserByName(ctx, "ALICE")
	must(t, err)
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("b reading a's write (-want +got):\n%s", diff)
	}
	must(t, b.UpdateUser(ctx, u.ID, func(u *store.User) error { u.FullName = "Alice"; return nil }))
	got, err = a.User(ctx, u.ID)
	must(t, err)
	if got.FullName != "Alice" {
		t.Errorf("a reads FullName %q after b's update", got.FullName)
	}
	secretA, err := a.Secret(ctx, "cookie", func() ([]byte, error) { return []byte("from a"), nil })
	must(t, err)
	secretB, err := b.Secret(ctx, "cookie", func() ([]byte, error) { return []byte("from b"), nil })
	must(t, err)
	if string(secretA) != "from a" || string(secretB) != "from a" {
		t.Errorf("secrets: a got %q, b got %q; want both %q", secretA, secretB, "from a")
	}

	// Concurrent writers on both handles.
	const goroutines, ops = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines*ops)
	for h, db := range []*DB{a, b} {
		for g := range goroutines {
			wg.Go(func() {
				for i := range ops {
					tok := store.Token{Hash: store.Hash(fmt.Sprintf("%d/%d/%d", h, g, i)), Kind: store.KindUser,
						UserID: u.ID, CreatedAt: t0}
					if err := db.CreateToken(ctx, tok); err != nil {
						errs <- err
					}
					err := db.UpdateUser(ctx, u.ID, func(u *store.User) error { u.Website += "."; return nil })
					if err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ts, err := a.ListTokens(ctx, u.ID, store.KindUser)
	must(t, err)
	if len(ts) != 2*goroutines*ops {
		t.Errorf("%d tokens, want %d", len(ts), 2*goroutines*ops)
	}
	got, err = b.User(ctx, u.ID)
	must(t, err)
	if len(got.Website) != 2*goroutines*ops {
		t.Errorf("%d updates applied, want %d", len(got.Website), 2*goroutines*ops)
	}
}

const helperEnv = "HUBID_SQLITE_TEST_HELPER"

// helperOps is how many writes each process does in TestTwoProcesses.
const helperOps = 200

// TestHelperProcess is the child of TestTwoProcesses; it does nothing in a
// normal run. After opening the database it prints "ready" and waits for a
// line on stdin before writing, so that both processes write at once.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestTwoProcesses")
	}
	err := writeLoad(t.Context(), path, "child", func() {
		fmt.Println("ready")
		bufio.NewReader(os.Stdin).ReadString('\n')
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// writeLoad opens path (possibly creating it), calls ready, then writes: it
// ensures the user exists, then creates helperOps tokens tagged with who and
// appends who's initial to the user's Website each time.
func writeLoad(ctx context.Context, path, who string, ready func()) error {
	db, err := Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	ready()
	u := store.User{ID: "a11ce0000000000000000001", Username: "alice", CreatedAt: t0}
	if err := db.CreateUser(ctx, u); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	if _, err := db.Secret(ctx, "cookie", func() ([]byte, error) { return []byte(who), nil }); err != nil {
		return err
	}
	for i := range helperOps {
		tok := store.Token{Hash: store.Hash(who + strconv.Itoa(i)), Kind: store.KindUser, UserID: u.ID, Name: who, CreatedAt: t0}
		if err := db.CreateToken(ctx, tok); err != nil {
			return fmt.Errorf("%s: token %d: %w", who, i, err)
		}
		if err := db.UpdateUser(ctx, u.ID, func(u *store.User) error { u.Website += who[:1]; return nil }); err != nil {
			return fmt.Errorf("%s: update %d: %w", who, i, err)
		}
		if _, err := db.Token(ctx, tok.Hash); err != nil {
			return fmt.Errorf("%s: read token %d: %w", who, i, err)
		}
	}
	return nil
}

// TestTwoProcesses runs a second process on the same new file: both create
// the schema at once, then write concurrently; nothing fails and nothing is
// lost, and both read the same server secret.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	path := filepath.Join(t.TempDir(), "hubid.db")
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	must(t, err)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	childReady := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("child said %q", line)
		}
		childReady <- err
		io.Copy(io.Discard, stdout)
	}()
	parentErr := writeLoad(t.Context(), path, "parent", func() {
		if err := <-childReady; err != nil {
			t.Errorf("child: %v", err)
		}
		io.WriteString(stdin, "go\n")
	})
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	must(t, parentErr)

	db := openFile(t, path)
	ctx := t.Context()
	ts, err := db.ListTokens(ctx, "a11ce0000000000000000001", store.KindUser)
	must(t, err)
	if len(ts) != 2*helperOps {
		t.Errorf("%d tokens, want %d", len(ts), 2*helperOps)
	}
	u, err := db.User(ctx, "a11ce0000000000000000001")
	must(t, err)
	if c, p := strings.Count(u.Website, "c"), strings.Count(u.Website, "p"); c != helperOps || p != helperOps {
		t.Errorf("updates applied: %d by the child, %d by the parent; want %d each", c, p, helperOps)
	}
	if !strings.Contains(u.Website, "cp") && !strings.Contains(u.Website, "pc") {
		t.Logf("the two processes did not interleave their writes: %s", u.Website)
	}
	secret, err := db.Secret(ctx, "cookie", func() ([]byte, error) { return nil, errors.New("gen called") })
	must(t, err)
	if s := string(secret); s != "child" && s != "parent" {
		t.Errorf("secret = %q", s)
	}
	ms, err := migrations()
	must(t, err)
	if n := countMigrations(t, db); n != len(ms) {
		t.Errorf("%d migrations recorded, want %d", n, len(ms))
	}
}

// TestNanoseconds checks what this backend promises beyond the suite:
// nanosecond precision, and an error for times it cannot represent.
func TestNanoseconds(t *testing.T) {
	db, ctx := openTemp(t), t.Context()
	u := store.User{ID: "1", Username: "a", CreatedAt: time.Date(2030, 1, 1, 0, 0, 0, 1, time.FixedZone("X", 3600))}
	must(t, db.CreateUser(ctx, u))
	got, err := db.User(ctx, "1")
	must(t, err)
	if !got.CreatedAt.Equal(u.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt %v read back as %v", u.CreatedAt, got.CreatedAt)
	}
	for _, tm := range []time.Time{time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		u := store.User{ID: "2", Username: "b", CreatedAt: tm}
		if err := db.CreateUser(ctx, u); err == nil {
			t.Errorf("CreateUser with time %v succeeded", tm)
		}
	}
}

func TestListEncoding(t *testing.T) {
	for _, l := range [][]string{
		{"openid"},
		{"openid", "profile", "email"},
		{""},
		{"", ""},
		{`a","b`},
		{`"`, `\`, `\"`},
		{"<script>", "a&b"},
		{"tab\there", "nl\nhere", "\x00nul"},
		{"héllo", "✓", "\u2028"},
		{"a b", "[", "]", ","},
	} {
		var e enc
		v := e.list(l)
		must(t, e.err)
		got, err := decodeList(v.(string))
		must(t, err)
		if diff := cmp.Diff(l, got); diff != "" {
			t.Errorf("list %q encoded as %q (-want +got):\n%s", l, v, diff)
		}
	}
	var e enc
	if v := e.list(nil); v != nil {
		t.Errorf("nil list encoded as %v", v)
	}
	e.list([]string{"ok", "\xff"})
	if e.err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func FuzzListRoundTrip(f *testing.F) {
	f.Add("openid", "profile")
	f.Add(`a","b`, `\`)
	f.Add("", "<&>")
	f.Fuzz(func(t *testing.T, a, b string) {
		var e enc
		v := e.list([]string{a, b})
		if e.err != nil {
			return // invalid UTF-8
		}
		got, err := decodeList(v.(string))
		if err != nil {
			t.Fatalf("decode %q: %v", v, err)
		}
		if diff := cmp.Diff([]string{a, b}, got); diff != "" {
			t.Errorf("encoded as %q (-want +got):\n%s", v, diff)
		}
	})
}

// TestGarbageCollectBatches deletes more rows than one batch holds.
func TestGarbageCollectBatches(t *testing.T) {
	db, ctx := openTemp(t), t.Context()
	u := store.User{ID: "1", Username: "a"}
	a := store.App{ClientID: "app"}
	c := store.AuthCode{Hash: store.Hash("c"), ClientID: a.ClientID, UserID: u.ID}
	must(t, db.CreateUser(ctx, u))
	must(t, db.CreateApp(ctx, a))
	const n = gcBatchFirst + 2*gcBatchMax + 7
	toks := make([]store.Token, n)
	for i := range toks {
		toks[i] = store.Token{Hash: store.Hash(strconv.Itoa(i)), Kind: store.KindAccess, UserID: u.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Duration(i) * time.Second)}
	}
	must(t, db.RedeemCode(ctx, c, t0, toks)) // one transaction: quicker than n CreateTokens
	res, err := db.GarbageCollect(ctx, t0.Add(n*time.Second))
	must(t, err)
	if res != (store.GCResult{Tokens: n}) {
		t.Errorf("GarbageCollect = %+v, want %d tokens", res, n)
	}
}

// TestDump checks that Dump sees every table and changes exactly when the
// store does.
func TestDump(t *testing.T) {
	db, ctx := openTemp(t), t.Context()
	empty, err := db.Dump(ctx)
	must(t, err)
	for _, table := range []string{"users", "orgs", "memberships", "apps", "consents", "auth_codes",
		"tokens", "sessions", "signing_keys", "secrets", "migrations"} {
		if _, ok := empty[table]; !ok {
			t.Errorf("Dump has no table %s", table)
		}
	}
	u := store.User{ID: "a11ce0000000000000000001", Username: "alice", CreatedAt: t0}
	a := store.App{ClientID: "app", Scopes: []string{"openid"}}
	c := store.AuthCode{Hash: store.Hash("code"), ClientID: a.ClientID, UserID: u.ID, CreatedAt: t0}
	must(t, db.CreateUser(ctx, u))
	must(t, db.CreateApp(ctx, a))
	must(t, db.RedeemCode(ctx, c, t0, nil))
	before, err := db.Dump(ctx)
	must(t, err)
	if diff := cmp.Diff(empty, before); diff == "" {
		t.Fatal("Dump did not change after writes")
	}
	if got := before["users"]; len(got) != 1 || !strings.Contains(got[0], `username="alice"`) {
		t.Errorf("users dump = %q", got)
	}

	// Reads and refused writes change nothing.
	_, _ = db.User(ctx, u.ID)
	_, _ = db.Memberships(ctx, u.ID)
	tok := store.Token{Hash: store.Hash("t"), Kind: store.KindAccess, UserID: u.ID, ClientID: a.ClientID}
	if err := db.RedeemCode(ctx, c, t0, []store.Token{tok}); !errors.Is(err, store.ErrCodeUsed) {
		t.Errorf("replay: %v", err)
	}
	if _, err := db.RevokeTokens(ctx, store.TokenFilter{}, t0); err == nil {
		t.Error("RevokeTokens with an empty filter succeeded")
	}
	if err := db.UpdateUser(ctx, u.ID, func(u *store.User) error { u.FullName = "x"; return errors.New("no") }); err == nil {
		t.Error("failing updater succeeded")
	}
	after, err := db.Dump(ctx)
	must(t, err)
	if diff := cmp.Diff(before, after, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Dump changed (-before +after):\n%s", diff)
	}
}

// Benchmarks for the hot path of an authorization-code flow.

func benchDB(b *testing.B) (*DB, store.User, store.App) {
	db := openTemp(b)
	ctx := b.Context()
	u := store.User{ID: "a11ce0000000000000000001", Username: "alice", FullName: "Alice", Email: "alice@example.com", CreatedAt: t0}
	a := store.App{ClientID: "00000000-0000-4000-8000-000000000001", Name: "App", RedirectURIs: []string{"https://app.example/cb"},
		Scopes: []string{"openid", "profile", "email"}, TokenTTL: 8 * time.Hour, IDTokenAlg: "RS256", SpaceID: "alice/app",
		SpaceHosts: []string{"alice-app.hf.space"}, CreatedAt: t0}
	must(b, db.CreateUser(ctx, u))
	must(b, db.CreateApp(ctx, a))
	for i := range 3 {
		o := store.Org{ID: fmt.Sprintf("%024d", i), Name: fmt.Sprintf("org%d", i), CreatedAt: t0}
		must(b, db.CreateOrg(ctx, o))
		must(b, db.SetMember(ctx, o.ID, u.ID, store.RoleRead))
	}
	return db, u, a
}

// BenchmarkCodeFlow is what the store does for one code: RedeemCode
// recording it and storing an access and a refresh token; serially, and
// from 8 goroutines at once (as 8 workers sign in). wal-pages/op is how
// many pages a redemption wrote to the WAL.
func BenchmarkCodeFlow(b *testing.B) {
	db, u, a := benchDB(b)
	ctx := b.Context()
	var n atomic.Int64
	redeem := func() error {
		k := n.Add(1)
		i := strconv.FormatInt(k, 10)
		now := t0.Add(time.Duration(k) * time.Microsecond) // times increase, as a server's do
		h := store.Hash("code" + i)
		c := store.AuthCode{Hash: h, ClientID: a.ClientID, UserID: u.ID, RedirectURI: a.RedirectURIs[0],
			Scopes: []string{"openid", "profile"}, Nonce: "n", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
		at := store.Token{Hash: store.Hash("at" + i), Kind: store.KindAccess, UserID: u.ID, ClientID: a.ClientID,
			Scopes: c.Scopes, CodeHash: h, CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour)}
		rt := at
		rt.Hash, rt.Kind = store.Hash("rt"+i), store.KindRefresh
		return db.RedeemCode(ctx, c, now, []store.Token{at, rt})
	}
	// walPages counts the pages written to the WAL while run runs: the
	// WAL is emptied first, and the background checkpointer waits
	// meanwhile, so that no writer starts the WAL over.
	walPages := func(b *testing.B, run func()) {
		_, err := db.rewind(ctx)
		must(b, err)
		db.ckptMu.Lock()
		run()
		var busy, frames, copied int64
		err = db.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		db.ckptMu.Unlock()
		must(b, err)
		b.ReportMetric(float64(frames)/float64(b.N), "wal-pages/op")
	}
	b.Run("Serial", func(b *testing.B) {
		walPages(b, func() {
			for b.Loop() {
				must(b, redeem())
			}
		})
	})
	b.Run("Parallel", func(b *testing.B) {
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		walPages(b, func() {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := redeem(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	})
}

// BenchmarkReads measures the lookups of a flow, serially and in parallel.
func BenchmarkReads(b *testing.B) {
	db, u, a := benchDB(b)
	ctx := b.Context()
	const n = 1000
	for i := range n {
		tok := store.Token{Hash: store.Hash("at" + strconv.Itoa(i)), Kind: store.KindAccess, UserID: u.ID, ClientID: a.ClientID,
			Scopes: []string{"openid", "profile"}, CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}
		must(b, db.CreateToken(ctx, tok))
		must(b, db.CreateSession(ctx, store.Session{Hash: store.Hash("s" + strconv.Itoa(i)), UserID: u.ID, CreatedAt: t0}))
	}
	hashes := make([]store.Digest, n)
	sessions := make([]store.Digest, n)
	for i := range n {
		hashes[i] = store.Hash("at" + strconv.Itoa(i))
		sessions[i] = store.Hash("s" + strconv.Itoa(i))
	}
	for _, bc := range []struct {
		name string
		read func(i int) error
	}{
		{"Token", func(i int) error { _, err := db.Token(ctx, hashes[i%n]); return err }},
		{"Session", func(i int) error { _, err := db.Session(ctx, sessions[i%n]); return err }},
		{"App", func(int) error { _, err := db.App(ctx, a.ClientID); return err }},
		{"User", func(int) error { _, err := db.User(ctx, u.ID); return err }},
		{"Memberships", func(int) error { _, err := db.Memberships(ctx, u.ID); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if err := bc.read(i); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/Parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					if err := bc.read(i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
