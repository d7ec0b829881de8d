package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Loader writes many users, apps and tokens quickly, by committing them in
// large transactions on the writer connection. It exists to seed a
// database for measuring how hubid's costs grow with its size (bench/seed);
// a serving process never uses it. While a batch is open the writer is
// held, so other writes of this DB wait for the batch's commit.
//
// Rows are validated by SQLite as with CreateUser, CreateApp and
// CreateToken (types, uniqueness, references); an error aborts the open
// batch, and earlier batches stay committed.
type Loader struct {
	db    *DB
	ctx   context.Context
	batch int
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	n     int // rows in the open batch
	total int64

	bigCache bool // the writer's cache is loaderCacheKiB until Close
}

// loaderCacheKiB is the writer's page cache while a Loader runs: 4 GiB,
// taken only as pages are read (ten million tokens with their indexes are
// about 4.5 GB). Close puts back SQLite's default.
const loaderCacheKiB = "4194304"

// loaderPatience is how long the Loader waits for the WAL to be emptied
// after a batch.
const loaderPatience = time.Minute

// Loader returns a Loader that commits every batch rows (at least 1).
// Call Close to commit the last batch.
func (db *DB) Loader(ctx context.Context, batch int) *Loader {
	return &Loader{db: db, ctx: context.WithoutCancel(ctx), batch: max(batch, 1)}
}

// User adds a user.
func (l *Loader) User(u store.User) error {
	args, err := userArgs(&u)
	if err != nil {
		return err
	}
	return l.insert("load user", insertUser, args)
}

// App adds an app.
func (l *Loader) App(a store.App) error {
	args, err := appArgs(&a)
	if err != nil {
		return err
	}
	return l.insert("load app", insertApp, args)
}

// Token adds a token; its user, and its app if it has one, must exist.
func (l *Loader) Token(t store.Token) error {
	var e enc
	args := tokenArgs(&e, &t)
	if e.err != nil {
		return e.err
	}
	return l.insert("load token", insertToken, args)
}

// Rows returns how many rows the Loader has committed.
func (l *Loader) Rows() int64 { return l.total }

func (l *Loader) insert(op, query string, args []any) error {
	if l.tx == nil {
		tx, err := l.db.w.BeginTx(l.ctx, nil)
		if err != nil {
			return fail(op, err)
		}
		l.tx, l.stmts = tx, map[string]*sql.Stmt{}
		if !l.bigCache {
			// Random keys touch every page of the indexes; with SQLite's
			// default 2 MB cache each insert would read and write pages
			// through the kernel.
			if _, err := tx.ExecContext(l.ctx, `PRAGMA cache_size = -`+loaderCacheKiB); err != nil {
				l.abort()
				return fail(op, err)
			}
			l.bigCache = true
		}
	}
	st := l.stmts[query]
	if st == nil {
		var err error
		if st, err = l.tx.PrepareContext(l.ctx, query); err != nil {
			l.abort()
			return fail(op, err)
		}
		l.stmts[query] = st
	}
	if _, err := st.ExecContext(l.ctx, args...); err != nil {
		l.abort()
		return fail(op, err)
	}
	l.n++
	if l.n >= l.batch {
		return l.commit()
	}
	return nil
}

func (l *Loader) commit() error {
	if l.tx == nil {
		return nil
	}
	tx, n := l.tx, l.n
	l.tx, l.stmts, l.n = nil, nil, 0
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: load: commit %d rows: %w", n, err)
	}
	l.total += int64(n)
	l.db.committed()
	// The checkpointer cannot rewind the WAL while batches follow each
	// other back to back, and a batch of random keys dirties much of the
	// database, so the WAL would grow by about that much per batch. The
	// Loader holds the writer between batches: it checkpoints itself.
	if err := l.db.rewindPatiently(l.ctx, loaderPatience); err != nil {
		return fmt.Errorf("sqlite: load: checkpoint: %w", err)
	}
	return nil
}

func (l *Loader) abort() {
	if l.tx != nil {
		l.tx.Rollback()
		l.tx, l.stmts, l.n = nil, nil, 0
	}
}

// Close commits the open batch and gives the writer its usual cache.
func (l *Loader) Close() error {
	err := l.commit()
	if l.bigCache {
		l.bigCache = false
		if _, cerr := l.db.w.ExecContext(l.ctx, `PRAGMA cache_size = -2000`); cerr != nil && err == nil {
			err = fmt.Errorf("sqlite: load: reset the cache size: %w", cerr)
		}
	}
	return err
}
