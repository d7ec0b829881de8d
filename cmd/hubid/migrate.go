package main

import (
	"context"
	"fmt"
	"path/filepath"
)

// runMigrate runs "hubid migrate": create or upgrade the database.
func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("migrate", "migrate [--data DIR] [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"database": filepath.Join(*data, dbFile), "up_to_date": true})
	}
	fmt.Fprintf(e.stdout, "database %s is up to date\n", filepath.Join(*data, dbFile))
	return nil
}
