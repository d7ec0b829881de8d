package storecopy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hubid/hubid/internal/store/postgres"
	"github.com/hubid/hubid/internal/store/sqlite"
)

// Tables are the hub's tables in the order they are copied: a table after
// those it references.
var Tables = []string{
	"users", "orgs", "memberships", "apps", "consents", "auth_codes",
	"tokens", "sessions", "device_codes", "signing_keys", "secrets",
}

// ErrNotEmpty: the target database holds rows already.
var ErrNotEmpty = errors.New("the target database is not empty")

// Count is how many rows of one table were copied.
type Count struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// FromSQLite copies every row of src into dst, whose schema must be current
// (postgres.Open makes it so) and whose tables must be empty. It returns
// the rows copied per table, in Tables order.
func FromSQLite(ctx context.Context, src *sqlite.DB, dst *postgres.DB) ([]Count, error) {
	var counts []Count
	err := src.ReadSnapshot(ctx, func(stx *sql.Tx) error {
		return pgx.BeginFunc(ctx, dst.Pool(), func(ptx pgx.Tx) error {
			counts = nil // a retried transaction starts over
			if err := prepareTarget(ctx, ptx); err != nil {
				return err
			}
			for _, table := range Tables {
				n, err := copyTable(ctx, stx, ptx, table)
				if err != nil {
					return fmt.Errorf("copy %s: %w", table, err)
				}
				counts = append(counts, Count{Table: table, Rows: n})
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// prepareTarget locks the target's tables against writers for the rest of
// the transaction (a replica started meanwhile waits), checks that it has
// no table the copy does not know, and that every table is empty.
func prepareTarget(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(Tables, ", ")+` IN EXCLUSIVE MODE`); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		if name != "migrations" && !slices.Contains(Tables, name) {
			return fmt.Errorf("the PostgreSQL schema has a table %q that this hubid cannot copy: use the hubid release that made it", name)
		}
	}
	for _, table := range Tables {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&has); err != nil {
			return err
		}
		if has {
			return fmt.Errorf("%w (table %s has rows): --from-sqlite copies into a new, empty database only; if an earlier copy finished, it is done", ErrNotEmpty, table)
		}
	}
	return nil
}

type column struct{ name, pgType string }

// copyTable copies one table's rows from SQLite into PostgreSQL.
func copyTable(ctx context.Context, stx *sql.Tx, ptx pgx.Tx, table string) (int64, error) {
	rows, err := ptx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return 0, err
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.name, &c.pgType)
		return c, err
	})
	if err != nil {
		return 0, err
	}
	if len(cols) == 0 {
		return 0, fmt.Errorf("no such table in PostgreSQL")
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	src, err := stx.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+table)
	if err != nil {
		return 0, fmt.Errorf("read SQLite: %w", err)
	}
	defer src.Close()
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	vals := make([]any, len(cols))
	next := func() ([]any, error) {
		if err := src.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, c := range cols {
			v, err := convert(raw[i], c.pgType)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
			vals[i] = v
		}
		return vals, nil
	}
	n, err := ptx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromFunc(func() ([]any, error) {
		if !src.Next() {
			return nil, src.Err()
		}
		return next()
	}))
	if err != nil {
		return n, err
	}
	return n, src.Err()
}

// convert turns a value as SQLite stores it into what the PostgreSQL
// column of type pgType holds: unix nanoseconds into timestamptz
// (PostgreSQL keeps microseconds), 0/1 into boolean, JSON string lists
// into text[] (NULL when empty). NULL stays NULL.
func convert(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "timestamp with time zone":
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("time stored as %T, want integer nanoseconds", v)
		}
		return time.Unix(0, n).UTC(), nil
	case "boolean":
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("boolean stored as %T, want 0 or 1", v)
		}
		return n != 0, nil
	case "ARRAY":
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			return nil, fmt.Errorf("list stored as %T, want JSON text", v)
		}
		var list []string
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		if len(list) == 0 {
			return nil, nil
		}
		return list, nil
	case "bytea", "text", "bigint", "integer":
		return v, nil
	}
	return nil, fmt.Errorf("PostgreSQL type %s has no conversion", pgType)
}
