package main

import (
	"context"
	"fmt"
)

// runMigrate runs "hubid migrate": create or upgrade the database.
func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("migrate", "migrate [--data DIR | --database URL] [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data, *database)
	if err != nil {
		return err
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
