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

// gcBatch is how many rows one GarbageCollect statement deletes, so that
// the write lock is released often while a large backlog is deleted.
const gcBatch = 1000

// gcCheckpointEvery is how many batches GarbageCollect deletes between two
// rewinds of the WAL. Deleting a large backlog rewrites index pages all
// over the database faster than the background checkpoints copy them back:
// each token sits in B-trees with random keys, so in a 4.7 GB database a
// deleted token dirties about four pages (16 KB of WAL), and a GC of
// millions of expired tokens grew the WAL to 12.8 GB. So the GC empties the
// WAL itself, and waits while it cannot, bounding the WAL to about
// gcCheckpointEvery batches.
const gcCheckpointEvery = 20

// gcPatience is how long GarbageCollect waits for the WAL to be emptied
// before it stops with an error (the next run takes over).
const gcPatience = 2 * time.Minute

// GarbageCollect implements store.Store. Rows with no expiry (NULL) are
// kept. It deletes in batches of gcBatch rows, each its own transaction.
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
			` WHERE expires_at < ? LIMIT ` + fmt.Sprint(gcBatch) + `)`
		for batches := 1; ; batches++ {
			res, err := db.exec(ctx, q, job.cut)
			if err != nil {
				return r, fail("garbage collect", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return r, fail("garbage collect", err)
			}
			*job.n += n
			if n < gcBatch {
				break
			}
			if batches%gcCheckpointEvery == 0 {
				if err := db.rewindPatiently(ctx, gcPatience); err != nil {
					return r, fail("garbage collect: checkpoint", err)
				}
			}
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
