package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/store"
)

const keyCols = `id, alg, state, private_pem, created_at, rotated_at`

const (
	qKeys       = `SELECT ` + keyCols + ` FROM signing_keys ORDER BY position`
	qDeleteKeys = `DELETE FROM signing_keys`
	qInsertKey  = `INSERT INTO signing_keys (id, position, alg, state, private_pem, created_at, rotated_at)
		VALUES (?,?,?,?,?,?,?)`
)

func scanKeys(rows interface {
	scanner
	Next() bool
	Err() error
	Close() error
}) ([]store.SigningKey, error) {
	defer rows.Close()
	var ks []store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		err := rows.Scan(&k.ID, &k.Alg, &k.State, blobCol{&k.PrivatePEM}, timeCol{&k.CreatedAt}, timeCol{&k.RotatedAt})
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}

// Keys implements store.Store. Keys come in the order UpdateKeys stored them.
func (db *DB) Keys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := db.query(ctx, qKeys)
	if err != nil {
		return nil, fail("keys", err)
	}
	ks, err := scanKeys(rows)
	if err != nil {
		return nil, fail("keys", err)
	}
	return ks, nil
}

// UpdateKeys implements store.Store. update gets the current keys (its own
// copy) and returns the new set, stored in that order; key IDs must be
// unique and non-empty. If update fails, its error is returned unchanged
// and the set is not changed.
func (db *DB) UpdateKeys(ctx context.Context, update func([]store.SigningKey) ([]store.SigningKey, error)) error {
	err := db.write(ctx, func(t *tx) error {
		rows, err := t.query(qKeys)
		if err != nil {
			return err
		}
		ks, err := scanKeys(rows)
		if err != nil {
			return err
		}
		ks, err = update(ks)
		if err != nil {
			return updaterError{err}
		}
		if _, err := t.exec(qDeleteKeys); err != nil {
			return err
		}
		for i, k := range ks {
			if k.ID == "" {
				return errors.New("sqlite: update keys: a key has no ID")
			}
			pem := k.PrivatePEM
			if pem == nil {
				pem = []byte{} // NOT NULL; read back as nil
			}
			var e enc
			args := []any{k.ID, i, k.Alg, k.State, pem, e.time(k.CreatedAt), e.time(k.RotatedAt)}
			if e.err != nil {
				return e.err
			}
			if _, err := t.exec(qInsertKey, args...); err != nil {
				return err
			}
		}
		return nil
	})
	return updateFail("update keys", err)
}

// Secret implements store.Store. gen runs only when the secret is missing;
// if several callers (in any process) race to create it, the first insert
// wins and every caller returns its bytes. gen must return at least one
// byte.
func (db *DB) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	row, err := db.queryRow(ctx, `SELECT value FROM secrets WHERE name = ?`, name)
	if err != nil {
		return nil, fail("secret", err)
	}
	var v []byte
	err = row.Scan(&v)
	if err == nil {
		return v, nil
	}
	if err = notFound(err); !errors.Is(err, store.ErrNotFound) {
		return nil, fail("secret", err)
	}
	b, err := gen()
	if err != nil {
		return nil, fmt.Errorf("sqlite: secret %q: %w", name, err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("sqlite: secret %q: generator returned no bytes", name)
	}
	// One statement: insert unless present, then return what is stored. The
	// no-op update makes RETURNING yield the existing row on conflict.
	err = db.write(ctx, func(t *tx) error {
		row, err := t.queryRow(`INSERT INTO secrets (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = value RETURNING value`, name, b)
		if err != nil {
			return err
		}
		return row.Scan(&v)
	})
	if err != nil {
		return nil, fail("secret", err)
	}
	return v, nil
}

// GarbageCollect deletes in batches, each its own transaction on the
// writer, sized to hold the writer about gcBatchTime: a flow's write then
// waits behind at most one batch. (A fixed 1,000 rows took 250 ms in a
// 4.7 GB database, where each deleted token dirties pages of five B-trees
// with random keys.) The first batch has gcBatchFirst rows; each next one
// is scaled by gcNextBatch.
const (
	gcBatchFirst = 500
	gcBatchMin   = 20
	gcBatchMax   = 5000
	gcBatchTime  = 20 * time.Millisecond
)

// gcNextBatch returns the size of the batch after one of n rows that took
// took: n scaled toward gcBatchTime, at most doubled or halved at a time,
// within [gcBatchMin, gcBatchMax].
func gcNextBatch(n int, took time.Duration) int {
	next := 2 * n
	if took > 0 {
		next = int(min(float64(2*n), float64(n)*float64(gcBatchTime)/float64(took)))
	}
	return min(max(next, n/2, gcBatchMin), gcBatchMax)
}

// gcRewindRows is how many rows GarbageCollect deletes between two rewinds
// of the WAL. Deleting a large backlog rewrites index pages all over the
// database faster than the background checkpoints copy them back (in a
// 4.7 GB database a deleted token writes about 16 KB of WAL, and a GC of
// millions of expired tokens grew the WAL to 12.8 GB), so the GC empties
// the WAL itself, and waits while it cannot: the WAL stays within about
// gcRewindRows rows' worth of pages (some 300 MB there).
const gcRewindRows = 20000

// gcYield leaves the writer to other writes for d (a variable for tests).
var gcYield = func(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// gcPatience is how long GarbageCollect waits for the WAL to be emptied
// before it stops with an error (the next run takes over).
const gcPatience = 2 * time.Minute

// GarbageCollect implements store.Store. Rows with no expiry (NULL) are
// kept. It deletes in batches (see gcBatchTime); when other writes had to
// wait for a batch, it then leaves the writer to them for as long as the
// batch took, so that a backlog of millions of rows takes at most about
// half of the writer's time from sign-ins (it took nearly all of it: 31
// flows/s instead of 800).
func (db *DB) GarbageCollect(ctx context.Context, now time.Time) (store.GCResult, error) {
	var r store.GCResult
	if now.IsZero() {
		return r, errors.New("sqlite: garbage collect: zero time")
	}
	var e enc
	cut := e.time(now)
	codeCut := e.time(now.Add(-store.CodeRetention))
	if e.err != nil {
		return r, e.err
	}
	sinceRewind := int64(0)
	for _, job := range []struct {
		table string
		cut   any
		n     *int64
	}{
		{"tokens", cut, &r.Tokens},
		{"sessions", cut, &r.Sessions},
		{"auth_codes", codeCut, &r.Codes},
		{"device_codes", cut, &r.DeviceCodes},
	} {
		q := `DELETE FROM ` + job.table + ` WHERE hash IN (SELECT hash FROM ` + job.table +
			` WHERE expires_at < ? LIMIT ?)`
		for batch := gcBatchFirst; ; {
			waits := db.w.Stats().WaitCount
			start := time.Now()
			res, err := db.exec(ctx, q, job.cut, batch)
			if err != nil {
				return r, fail("garbage collect", err)
			}
			took := time.Since(start)
			n, err := res.RowsAffected()
			if err != nil {
				return r, fail("garbage collect", err)
			}
			*job.n += n
			if n < int64(batch) {
				break
			}
			if sinceRewind += n; sinceRewind >= gcRewindRows {
				sinceRewind = 0
				if err := db.rewindPatiently(ctx, gcPatience); err != nil {
					return r, fail("garbage collect: checkpoint", err)
				}
			}
			if db.w.Stats().WaitCount > waits {
				if err := gcYield(ctx, took); err != nil {
					return r, err
				}
			}
			batch = gcNextBatch(batch, took)
		}
	}
	return r, nil
}

// Dump returns every row of every table, including the migrations table,
// for tests: table name -> rows, each row rendered as "col=value ..."
// (blobs in hex, text quoted, NULL as NULL), sorted. Tests take a Dump
// before and after an operation to assert that it changed nothing. It reads
// one consistent snapshot. The result contains secrets (signing keys,
// server secrets): never log it outside tests.
func (db *DB) Dump(ctx context.Context) (map[string][]string, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fail("dump", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, fail("dump", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fail("dump", err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fail("dump", err)
	}
	out := make(map[string][]string, len(tables))
	for _, table := range tables {
		lines, err := dumpTable(ctx, tx, table)
		if err != nil {
			return nil, fail("dump "+table, err)
		}
		out[table] = lines
	}
	return out, nil
}

func dumpTable(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	lines := []string{}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var b strings.Builder
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(c)
			b.WriteByte('=')
			b.WriteString(render(vals[i]))
		}
		lines = append(lines, b.String())
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(lines)
	return lines, nil
}
