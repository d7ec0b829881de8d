package main

import (
	"context"
	"fmt"

	"github.com/hubid/hubid/internal/store/postgres"
	"github.com/hubid/hubid/internal/store/sqlite"
	"github.com/hubid/hubid/internal/store/storecopy"
)

// runMigrate runs "hubid migrate": create or upgrade the database, or,
// with --from-sqlite, copy an SQLite hub into a new PostgreSQL database.
func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("migrate", "migrate [--data DIR | --database URL [--from-sqlite DIR]] [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	fromSQLite := fs.String("from-sqlite", "", "copy the SQLite hub in this data directory into the empty --database (every user, app, session, token and key)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *fromSQLite != "" && *database == "" {
		return usagef("--from-sqlite needs --database postgres://…, the database to copy the hub into")
	}
	st, err := openStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	if *fromSQLite != "" {
		return copyFromSQLite(ctx, e, *fromSQLite, st.(*postgres.DB), *database, *asJSON)
	}
	if err := st.Close(); err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"database": databaseName(*data, *database), "up_to_date": true})
	}
	fmt.Fprintf(e.stdout, "database %s is up to date\n", databaseName(*data, *database))
	return nil
}

// copyFromSQLite copies the SQLite hub in dir into dst (see storecopy: one
// transaction, into an empty database only).
func copyFromSQLite(ctx context.Context, e *env, dir string, dst *postgres.DB, database string, asJSON bool) error {
	src, err := openExistingStore(dir, "")
	if err != nil {
		return fmt.Errorf("--from-sqlite: %w", err)
	}
	defer src.Close()
	counts, err := storecopy.FromSQLite(ctx, src.(*sqlite.DB), dst)
	if err != nil {
		return fmt.Errorf("copy %s into %s: %w", databaseName(dir, ""), databaseName("", database), err)
	}
	if asJSON {
		return e.printJSON(map[string]any{"database": databaseName("", database), "from": databaseName(dir, ""), "copied": counts})
	}
	for _, c := range counts {
		fmt.Fprintf(e.stdout, "%-13s %d\n", c.Table, c.Rows)
	}
	fmt.Fprintf(e.stdout, "copied %s into %s; serve it with --database and the same --secret-key-file\n", databaseName(dir, ""), databaseName("", database))
	return nil
}
