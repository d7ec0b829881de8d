package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hubid/hubid/internal/store"
)

const qKeys = `SELECT id, alg, state, private_pem, created_at, rotated_at FROM signing_keys ORDER BY position`

func collectKeys(rows pgx.Rows) ([]store.SigningKey, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SigningKey, error) {
		var k store.SigningKey
		err := row.Scan(&k.ID, &k.Alg, &k.State, bytesCol{&k.PrivatePEM}, timeCol{&k.CreatedAt}, timeCol{&k.RotatedAt})
		return k, err
	})
}

// Keys implements store.Store. Keys come in the order UpdateKeys stored them.
func (db *DB) Keys(ctx context.Context) ([]store.SigningKey, error) {
	rows, _ := db.pool.Query(ctx, qKeys)
	ks, err := collectKeys(rows)
	if err != nil {
		return nil, fail("keys", err)
	}
	return ks, nil
}

// UpdateKeys implements store.Store. update gets the current keys and
// returns the new set, stored in that order; key IDs must be unique and
// non-empty. The transaction first locks the table against other writers
// (readers go on, seeing the old set until the commit), so concurrent
// updates, from any process, apply one after the other to what the
// previous one stored. If update fails, its error is returned unchanged and
// the set is not changed.
func (db *DB) UpdateKeys(ctx context.Context, update func([]store.SigningKey) ([]store.SigningKey, error)) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE signing_keys IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, qKeys)
		ks, err := collectKeys(rows)
		if err != nil {
			return err
		}
		if ks, err = update(ks); err != nil {
			return updaterError{err}
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM signing_keys`)
		for i, k := range ks {
			if k.ID == "" {
				return errors.New("postgres: update keys: a key has no ID")
			}
			pem := k.PrivatePEM
			if pem == nil {
				pem = []byte{} // NOT NULL; read back as nil
			}
			b.Queue(`INSERT INTO signing_keys (id, position, alg, state, private_pem, created_at, rotated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, i, k.Alg, k.State, pem, ts(k.CreatedAt), ts(k.RotatedAt))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return updateFail("update keys", err)
}

// Secret implements store.Store. gen runs only when the secret is missing;
// if several callers (in any process) race to create it, the first insert
// wins and every caller returns its bytes. gen must return at least one
// byte.
func (db *DB) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	var v []byte
	err := db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fail("secret", err)
	}
	b, err := gen()
	if err != nil {
		return nil, fmt.Errorf("postgres: secret %q: %w", name, err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("postgres: secret %q: generator returned no bytes", name)
	}
	// One statement: insert unless present, and return what is stored. On a
	// conflict (a concurrent insert, committed meanwhile) the no-op update
	// makes RETURNING yield the row that won.
	err = db.pool.QueryRow(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = secrets.value RETURNING value`, name, b).Scan(&v)
	if err != nil {
		return nil, fail("secret", err)
	}
	return v, nil
}

// gcBatch is how many rows one GarbageCollect statement deletes: small
// enough that each is a short transaction holding few row locks.
const gcBatch = 1000

// GarbageCollect implements store.Store. Rows with no expiry (NULL) are
// kept. It deletes in batches of gcBatch rows, each its own statement, and
// skips rows other transactions have locked (SKIP LOCKED): it never waits
// for a sign-in, and GarbageCollect running on several replicas at once
// split the work instead of fighting over it. A skipped row is collected
// by a later run.
func (db *DB) GarbageCollect(ctx context.Context, now time.Time) (store.GCResult, error) {
	var r store.GCResult
	if now.IsZero() {
		return r, errors.New("postgres: garbage collect: zero time")
	}
	for _, job := range []struct {
		table string
		cut   time.Time
		n     *int64
	}{
		{"tokens", now, &r.Tokens},
		{"sessions", now, &r.Sessions},
		{"auth_codes", now.Add(-store.CodeRetention), &r.Codes},
		{"device_codes", now, &r.DeviceCodes},
	} {
		q := `DELETE FROM ` + job.table + ` WHERE hash IN (SELECT hash FROM ` + job.table +
			` WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`
		for {
			tag, err := db.pool.Exec(ctx, q, job.cut, gcBatch)
			if err != nil {
				return r, fail("garbage collect", err)
			}
			*job.n += tag.RowsAffected()
			if tag.RowsAffected() < gcBatch {
				break
			}
		}
	}
	return r, nil
}
