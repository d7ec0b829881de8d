package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/hubid/hubid/internal/store"
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

// migrate applies the scripts not yet recorded in the migrations table, each
// in its own write transaction. Each transaction checks again whether its
// script was applied, so processes opening a new file at the same time apply
// every script exactly once between them. A database migrated by a newer
// hubid (a version this binary does not know) is refused.
func migrate(ctx context.Context, w *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		version INTEGER NOT NULL PRIMARY KEY,
		name    TEXT    NOT NULL
	) STRICT`); err != nil {
		return err
	}
	var have int
	if err := w.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM migrations`).Scan(&have); err != nil {
		return err
	}
	if have > len(ms) {
		return fmt.Errorf("database schema version %d is newer than this hubid knows (%d); upgrade hubid", have, len(ms))
	}
	for _, m := range ms[have:] {
		if err := apply(ctx, w, m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

func apply(ctx context.Context, w *sql.DB, m store.Migration) error {
	tx, err := w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM migrations WHERE version = ?)`, m.Version).Scan(&done)
	if err != nil || done {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (version, name) VALUES (?, ?)`, m.Version, m.Name); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaReady reports, with one cheap query, whether the database is
// readable and its schema has every migration this binary needs (/readyz;
// a newer schema is ready, as on PostgreSQL).
func (db *DB) SchemaReady(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var have int
	if err := db.r.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM migrations`).Scan(&have); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if have < len(ms) {
		return fmt.Errorf("sqlite: the database schema is version %d, older than this hubid's (%d): run 'hubid migrate'", have, len(ms))
	}
	return nil
}
