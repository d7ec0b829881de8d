package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hubid/hubid/internal/store"
)

var _ store.Store = (*DB)(nil)

// MemoryPath is the path that opens a private in-memory database, for tests.
// It lives as long as the DB and is not shared with other DBs.
const MemoryPath = ":memory:"

// Connection settings. busy_timeout is first so the others wait for locks
// instead of failing; the writer begins its transactions IMMEDIATE and
// leaves checkpoints to the checkpointer.
const (
	pragmas      = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	writerParams = "?" + pragmas + "&_pragma=journal_mode(wal)&_pragma=synchronous(normal)" +
		"&_pragma=wal_autocheckpoint(0)&_txlock=immediate"
	readerParams     = "?" + pragmas + "&_pragma=query_only(1)"
	checkpointParams = "?" + pragmas + "&_pragma=synchronous(normal)"
)

// Checkpoints (copying the WAL back into the database file, with two
// fsyncs) run in the background rather than in whichever commit crosses
// SQLite's threshold: after checkpointEvery commits, or checkpointInterval
// after the last one, and then every checkpointInterval until one has copied
// the whole WAL.
const (
	checkpointEvery    = 1000
	checkpointInterval = time.Second
)

// walMaxFrames is how large the WAL may grow (in pages; 16,384 pages of
// 4 KiB are 64 MiB) before the checkpointer rewinds it, and walRewindSlack
// how many pages a PASSIVE checkpoint may leave uncopied for the rewind
// still to go ahead (copying them holds writers back).
const (
	walMaxFrames   = 16384
	walRewindSlack = 1024
)

// DB is a store.Store on one SQLite file. It is safe for concurrent use, and
// other processes may use the same file at the same time.
type DB struct {
	path   string     // as given to Open
	w, r   *sql.DB    // writer (one connection) and readers
	ws, rs *stmtCache // prepared statements of w and r

	ckpt    *sql.DB       // checkpointer connection; nil for MemoryPath
	ckptMu  sync.Mutex    // held by whoever checkpoints (see rewind)
	commits atomic.Int64  // commits by w
	walMax  int64         // WAL pages that make the checkpointer rewind it
	kick    chan struct{} // wakes the checkpointer
	stop    chan struct{} // closed by Close
	bg      sync.WaitGroup

	once sync.Once
	err  error
}

// Open opens (creating if needed) the SQLite database at path and brings its
// schema up to date. path is a file name, or MemoryPath.
func Open(path string) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	db, err := open(context.Background(), path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

func open(ctx context.Context, path string) (db *DB, err error) {
	var handles []*sql.DB
	handle := func(params string) *sql.DB {
		h, _ := sql.Open("sqlite", path+params) // fails only for an unknown driver
		handles = append(handles, h)
		return h
	}
	defer func() {
		if err != nil {
			for _, h := range handles {
				h.Close()
			}
		}
	}()

	// One writer connection: writes queue here instead of fighting over the
	// file lock. It is never closed for idleness, so that a MemoryPath
	// database lives as long as the DB.
	w := handle(writerParams)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := connect(ctx, w); err != nil {
		return nil, err
	}
	if err := migrate(ctx, w); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	db = &DB{path: path, w: w, ws: newStmtCache(w)}
	// Statements used inside transactions must be prepared now, while the
	// writer connection is free.
	for _, q := range txQueries {
		if _, err := db.ws.get(ctx, q); err != nil {
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
	}
	if path == MemoryPath {
		// Another connection would open another, empty database.
		db.r, db.rs = w, db.ws
		return db, nil
	}

	r := handle(readerParams)
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	if err := connect(ctx, r); err != nil {
		return nil, err
	}
	db.r, db.rs = r, newStmtCache(r)

	db.ckpt = handle(checkpointParams)
	db.ckpt.SetMaxOpenConns(1)
	db.kick, db.stop = make(chan struct{}, 1), make(chan struct{})
	db.walMax = walMaxFrames
	db.bg.Add(1)
	go db.checkpointer()
	return db, nil
}

// committed counts a commit of the writer and wakes the checkpointer every
// checkpointEvery commits.
func (db *DB) committed() {
	if db.kick != nil && db.commits.Add(1)%checkpointEvery == 0 {
		select {
		case db.kick <- struct{}{}:
		default:
		}
	}
}

// checkpointer runs PASSIVE checkpoints, which neither wait for nor block
// readers and writers, until Close, and rewinds the WAL when it has grown
// past walMax pages. A round that fails, or that could not copy the whole
// WAL, is tried again at the next tick, whether or not anything was
// committed meanwhile.
func (db *DB) checkpointer() {
	defer db.bg.Done()
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	var done int64
	for {
		select {
		case <-db.stop:
			db.checkpoint(&done)
			return
		case <-db.kick:
		case <-tick.C:
		}
		db.checkpoint(&done)
	}
}

// checkpoint runs one round of the checkpointer. *done is the commit count
// up to which the WAL is known to be copied back: a round does nothing when
// no commit came since, and moves *done only when its PASSIVE checkpoint
// copied the whole WAL.
func (db *DB) checkpoint(done *int64) {
	n := db.commits.Load()
	if n == *done {
		return
	}
	// Only one checkpoint runs at a time, and SQLite does not wait for
	// another: a second one comes back busy at once, having done nothing.
	// So the checkpoints of this process take turns.
	db.ckptMu.Lock()
	defer db.ckptMu.Unlock()
	var busy, frames, copied int64
	if err := db.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return
	}
	// A PASSIVE checkpoint copies frames only up to the oldest snapshot a
	// reader still holds. A read holds its snapshot for microseconds, but
	// its goroutine may be descheduled in the middle of it (modernc's
	// SQLite is Go code) while the writer commits on, so the round after
	// the last commit of a busy spell may find the WAL's last hundreds of
	// commits not copyable yet, and then does not rewind it either
	// (shouldRewind). Counted as done, that round would leave them, and a
	// WAL past walMax, until the next commit, however long that takes; so
	// the next tick tries again (over frames already copied, PASSIVE costs
	// little).
	if busy == 0 && copied == frames {
		*done = n
	}
	if shouldRewind(frames, copied, db.walMax) {
		// A PASSIVE checkpoint copies the WAL back but never rewinds it:
		// the next writer starts the WAL over only when no reader still
		// reads from it, which under steady load never happens, so the
		// file would grow without end. TRUNCATE waits for the readers to
		// move to the newest snapshot, copies what PASSIVE left, and
		// empties the file, holding new writers back all the while: so it
		// runs only once PASSIVE has copied nearly everything, when
		// writers wait for little more than the readers' last statements.
		db.ckpt.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
}

// rewind copies the whole WAL back into the database and empties it, for
// writers that write faster than the background checkpoints copy
// (GarbageCollect, the Loader). The copying happens first in a PASSIVE
// checkpoint, which other writers do not wait for; then the TRUNCATE runs on
// the writer connection, so other writes wait for it in line, as for any
// write, rather than against SQLite's busy timeout. It reports busy when the
// WAL could not be emptied: a reader (maybe in another process) kept an
// older snapshot open past busy_timeout, or another process was
// checkpointing. A no-op for MemoryPath.
func (db *DB) rewind(ctx context.Context) (busy bool, err error) {
	if db.ckpt == nil {
		return false, nil
	}
	ctx, err = detach(ctx)
	if err != nil {
		return false, err
	}
	db.ckptMu.Lock()
	defer db.ckptMu.Unlock()
	var b, frames, copied int64
	if err := db.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&b, &frames, &copied); err != nil {
		return false, err
	}
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&b, &frames, &copied); err != nil {
		return false, err
	}
	return b != 0, nil
}

// rewindPatiently calls rewind until the WAL is empty, waiting a little
// longer after each busy answer, for at most patience. Writers that call it
// between their batches cannot outrun the checkpoints: while the WAL
// cannot be emptied they wait instead of growing it further.
func (db *DB) rewindPatiently(ctx context.Context, patience time.Duration) error {
	deadline := time.Now().Add(patience)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		busy, err := db.rewind(ctx)
		if err != nil || !busy {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the WAL (%s-wal) could not be checkpointed for %v: "+
				"a reader keeps an old snapshot open (a long read transaction in another process, such as an open sqlite3 shell?)",
				db.path, patience)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// shouldRewind says whether to rewind (TRUNCATE) a WAL of frames pages of
// which a PASSIVE checkpoint copied copied: when it has grown past max and
// nearly all of it is already in the database.
func shouldRewind(frames, copied, max int64) bool {
	return frames > max && frames-copied <= walRewindSlack
}

// connect opens a first connection of h, retrying while the file is busy.
// Turning a new file to WAL mode takes an exclusive lock without waiting for
// it (SQLite skips the busy handler where waiting could deadlock), so when
// several processes open a new file at once, all but one may see
// SQLITE_BUSY here.
func connect(ctx context.Context, h *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := h.PingContext(ctx)
		if err == nil || sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// Close closes the database. Calls after the first return its result.
func (db *DB) Close() error {
	db.once.Do(func() {
		var err error
		if db.ckpt != nil {
			close(db.stop)
			db.bg.Wait()
			err = db.ckpt.Close()
		}
		db.ws.close()
		err = errors.Join(err, db.w.Close())
		if db.r != db.w {
			db.rs.close()
			err = errors.Join(err, db.r.Close())
		}
		db.err = err
	})
	return db.err
}

// txQueries are the statements run inside write transactions; Open
// prepares them.
var txQueries = []string{
	qUserByID, qUpdateUser,
	qAppByID, qUpdateApp,
	qInsertCode, insertToken, qRotateRefresh, qTokenByHash,
	qDeviceByHash, qUpdateDevice, qRedeemDevice, qDeviceExists,
	qKeys, qDeleteKeys, qInsertKey,
}

// stmtCache prepares each query once per handle; database/sql prepares it
// again on each connection of the pool as needed.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query string -> *sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db} }

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

func (c *stmtCache) close() {
	c.m.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.m.Delete(k)
		return true
	})
}

// detach checks that ctx is live and returns it without its cancellation.
// Every statement here is short, and with a cancellable context the driver
// and database/sql start a watcher goroutine per statement and transaction,
// which costs more than most statements. The price is that a statement
// waiting for another process's write lock ends only at busy_timeout.
func detach(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// queryRow runs a one-row read on the reader pool.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	ctx, err := detach(ctx)
	if err != nil {
		return nil, err
	}
	st, err := db.rs.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

// query runs a read on the reader pool.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, err := detach(ctx)
	if err != nil {
		return nil, err
	}
	st, err := db.rs.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// exec runs one write statement on its own (autocommit) on the writer.
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, err := detach(ctx)
	if err != nil {
		return nil, err
	}
	st, err := db.ws.get(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err == nil {
		db.committed()
	}
	return res, err
}

// tx is a write transaction with access to the writer's prepared statements.
type tx struct {
	db  *DB
	ctx context.Context
	tx  *sql.Tx
}

// stmt returns query prepared on the transaction's connection. The writer's
// only connection is busy with the transaction, so a statement not prepared
// yet (see txQueries) is prepared for this transaction alone.
func (t *tx) stmt(query string) (*sql.Stmt, error) {
	if v, ok := t.db.ws.m.Load(query); ok {
		return t.tx.StmtContext(t.ctx, v.(*sql.Stmt)), nil
	}
	return t.tx.PrepareContext(t.ctx, query)
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

func (t *tx) queryRow(query string, args ...any) (*sql.Row, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(t.ctx, args...), nil
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

// write runs fn in one write transaction (BEGIN IMMEDIATE), committing if it
// returns nil and rolling back otherwise. fn's error is returned as is.
func (db *DB) write(ctx context.Context, fn func(t *tx) error) error {
	ctx, err := detach(ctx)
	if err != nil {
		return err
	}
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&tx{db: db, ctx: ctx, tx: sqlTx}); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	db.committed()
	return nil
}

// sqliteCode returns the extended result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// fail wraps an error of operation op, mapping constraint violations to the
// store's sentinel errors: a duplicate key or name is ErrAlreadyExists, a
// reference to a missing row is ErrNotFound.
func fail(op string, err error) error {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("sqlite: %s: %w (%v)", op, store.ErrAlreadyExists, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("sqlite: %s: referenced row: %w (%v)", op, store.ErrNotFound, err)
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyExists) || errors.Is(err, store.ErrCodeUsed) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// affected returns ErrNotFound unless res changed at least one row.
func affected(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Column encoding. An enc collects the first encoding error so that a row's
// arguments can be built in one expression and checked once.

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

type enc struct{ err error }

func (e *enc) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// time encodes t as unix nanoseconds, or NULL for the zero time.
func (e *enc) time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		e.fail(fmt.Errorf("sqlite: time %v out of range (years 1678-2262)", t))
		return nil
	}
	return t.UnixNano()
}

// digest encodes an optional digest: NULL when zero.
func (e *enc) digest(d store.Digest) any {
	if d == (store.Digest{}) {
		return nil
	}
	return d[:]
}

// list encodes a string list as a JSON array, or NULL when empty.
func (e *enc) list(l []string) any {
	if len(l) == 0 {
		return nil
	}
	simple := true
	n := 2
	for _, s := range l {
		n += len(s) + 3
		for i := 0; i < len(s) && simple; i++ {
			c := s[i]
			simple = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
		}
	}
	if simple {
		var b strings.Builder
		b.Grow(n)
		b.WriteByte('[')
		for i, s := range l {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(s)
			b.WriteByte('"')
		}
		b.WriteByte(']')
		return b.String()
	}
	for _, s := range l {
		if !utf8.ValidString(s) {
			e.fail(fmt.Errorf("sqlite: list element %q is not valid UTF-8", s))
			return nil
		}
	}
	b, err := json.Marshal(l)
	if err != nil {
		e.fail(err)
		return nil
	}
	return string(b)
}

// nullString encodes "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Column decoding: sql.Scanner adapters writing into store value fields.

// timeCol scans unix nanoseconds (or NULL) into a time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.Unix(0, v).UTC()
	default:
		return fmt.Errorf("sqlite: time column holds %T", src)
	}
	return nil
}

// durCol scans nanoseconds into a time.Duration.
type durCol struct{ d *time.Duration }

func (c durCol) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("sqlite: duration column holds %T", src)
	}
	*c.d = time.Duration(v)
	return nil
}

// digestCol scans a 32-byte BLOB (or NULL, the zero digest).
type digestCol struct{ d *store.Digest }

func (c digestCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.d = store.Digest{}
	case []byte:
		if len(v) != len(c.d) {
			return fmt.Errorf("sqlite: digest column holds %d bytes", len(v))
		}
		copy(c.d[:], v)
	default:
		return fmt.Errorf("sqlite: digest column holds %T", src)
	}
	return nil
}

// listCol scans a JSON array of strings (or NULL, the nil list).
type listCol struct{ l *[]string }

func (c listCol) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*c.l = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("sqlite: list column holds %T", src)
	}
	l, err := decodeList(s)
	if err != nil {
		return err
	}
	*c.l = l
	return nil
}

// decodeList parses what enc.list wrote. Without a backslash no element can
// contain a quote, so splitting on `","` is exact; anything else goes
// through encoding/json.
func decodeList(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	if len(s) >= 4 && strings.HasPrefix(s, `["`) && strings.HasSuffix(s, `"]`) && !strings.ContainsRune(s, '\\') {
		return strings.Split(s[2:len(s)-2], `","`), nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("sqlite: list column: %w", err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}

// nullStringCol scans NULL as "".
type nullStringCol struct{ s *string }

func (c nullStringCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("sqlite: text column holds %T", src)
	}
	return nil
}

// blobCol scans a BLOB, normalizing an empty one to nil.
type blobCol struct{ b *[]byte }

func (c blobCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.b = nil
	case []byte:
		if len(v) == 0 {
			*c.b = nil
		} else {
			*c.b = append([]byte(nil), v...)
		}
	default:
		return fmt.Errorf("sqlite: blob column holds %T", src)
	}
	return nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// render formats a column value for Dump.
func render(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return "x'" + hex.EncodeToString(v) + "'"
	case string:
		return fmt.Sprintf("%q", v)
	default:
		return fmt.Sprint(v)
	}
}

// ReadSnapshot runs fn in one read-only transaction on a reader
// connection: everything fn reads comes from one snapshot of the file,
// however long fn takes and whatever other processes write meanwhile. It
// exists for copying a hub to another database (storecopy); the store
// itself never hands out SQL.
func (db *DB) ReadSnapshot(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}
