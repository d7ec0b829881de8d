package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/hubid/hubid/internal/store"
	"github.com/jackc/pgx/v5"
)

// migrationFiles holds the schema as numbered scripts, NNNN_name.sql. A
// script, once released, never changes: a schema change is a new script.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded scripts in version order.
func migrations() ([]store.Migration, error) {
	return store.ReadMigrations(migrationFiles, "migrations")
}

// lockKey is the advisory lock under which migrations run: one per schema
// (the first in search_path), so that hubs in different schemas of one
// database do not wait for each other.
const lockKey = `hashtextextended('hubid migrate ' || coalesce(current_schema(), ''), 0)`

// migrate applies the scripts not yet recorded in the migrations table,
// each in its own transaction, holding a session advisory lock meanwhile:
// replicas started together wait for the first, then find nothing to do. A
// database migrated by a newer hubid (a version this binary does not know)
// is refused. A user who may not create tables can still open a database
// that is up to date.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	have, err := version(ctx, conn.Conn())
	if err != nil {
		return err
	}
	if have == len(ms) {
		return nil // the common case: no lock needed
	}
	if have > len(ms) {
		return newerError(have, len(ms))
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return err
	}
	defer func() {
		// A lost connection releases the lock by itself.
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`)
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		version    integer NOT NULL PRIMARY KEY,
		name       text    NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return err
	}
	if have, err = version(ctx, conn.Conn()); err != nil { // again, under the lock
		return err
	}
	if have > len(ms) {
		return newerError(have, len(ms))
	}
	for _, m := range ms[have:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// version is the highest migration applied, 0 for a new database.
func version(ctx context.Context, conn *pgx.Conn) (int, error) {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('migrations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v int
	err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM migrations`).Scan(&v)
	return v, err
}

func newerError(have, know int) error {
	return fmt.Errorf("postgres: the database schema is version %d, newer than this hubid knows (%d): upgrade hubid before starting it on this database", have, know)
}

// SchemaReady reports, with one cheap query, whether the database is
// reachable and its schema has every migration this binary needs
// (/readyz): an error says what is wrong in one line. A newer schema is
// ready: a running replica keeps serving while a newer one upgrades the
// database, since migrations only add (see the README on fleet upgrades),
// though an older binary refuses to start on it.
func (db *DB) SchemaReady(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var have int
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM migrations`).Scan(&have); err != nil {
		return fmt.Errorf("postgres: %s", oneLine(err))
	}
	if have < len(ms) {
		return fmt.Errorf("postgres: the database schema is version %d, older than this hubid's (%d): run 'hubid migrate'", have, len(ms))
	}
	return nil
}
