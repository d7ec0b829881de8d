package postgres

import (
	"context"
	"errors"
	"net"
	neturl "net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/postgres/pgtest"
	"github.com/hubid/hubid/internal/store/storetest"
)

func openURL(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openURL(t, pgtest.URL(t)) })
}

// TestMigrateConcurrently opens one new schema from several goroutines at
// once, as replicas started together do: each migration is applied once,
// and every opener succeeds.
func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.URL(t)
	const n = 4
	dbs := make([]*DB, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("opener %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var count int
	if err := dbs[0].pool.QueryRow(t.Context(), `SELECT count(*) FROM migrations`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != len(ms) {
		t.Errorf("%d migrations recorded, want %d", count, len(ms))
	}
}

// TestNewerSchema: a database migrated by a newer hubid is refused.
func TestNewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	db := openURL(t, url)
	if _, err := db.pool.Exec(t.Context(), `INSERT INTO migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), url)
	if err == nil || !strings.Contains(err.Error(), "newer than this hubid") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open of a newer schema: %v", err)
	}
}

// TestOpenErrors checks the one-line messages for URLs that cannot work.
// The unreachable server is a closed port on loopback; no PostgreSQL is
// needed.
func TestOpenErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, tc := range []struct{ url, want string }{
		{"mysql://localhost/db", "must start with postgres://"},
		{"postgres://user@host:notaport/db", "malformed database URL"},
		{"postgres://localhost/db?sslmode=sometimes", "malformed database URL"},
		{"postgres://postgres@" + closed + "/test?sslmode=disable&connect_timeout=5", "cannot reach the server at " + closed},
	} {
		db, err := Open(t.Context(), tc.url)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", tc.url)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("Open(%q) = %q, want one line containing %q", tc.url, msg, tc.want)
		}
	}
}

// TestMissingDatabase names the database to create.
func TestMissingDatabase(t *testing.T) {
	url := pgtest.URL(t)
	missing := strings.Replace(url, "/test?", "/hubid_no_such_database?", 1)
	if missing == url {
		t.Skip("HUBID_TEST_POSTGRES does not name the database test")
	}
	_, err := Open(t.Context(), missing)
	if err == nil || !strings.Contains(err.Error(), `database "hubid_no_such_database" does not exist`) {
		t.Errorf("Open of a missing database: %v", err)
	}
}

// TestReadOnlyUser: a user without CREATE on the schema cannot migrate a new
// one (a one-line message says so), but can open one that is up to date.
func TestReadOnlyUser(t *testing.T) {
	url := pgtest.URL(t)
	schema := schemaOf(t, url)
	admin, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(t.Context())
	role := "hubid_test_ro_" + strings.ToLower(strings.TrimPrefix(schema, "hubid_test_"))
	for _, q := range []string{`CREATE ROLE ` + role + ` LOGIN`, `GRANT USAGE ON SCHEMA ` + pgx.Identifier{schema}.Sanitize() + ` TO ` + role} {
		if _, err := admin.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, `DROP OWNED BY `+role)
		c.Exec(ctx, `DROP ROLE `+role)
	})
	roURL := strings.Replace(url, "postgres@", role+"@", 1)
	if roURL == url {
		t.Skip("HUBID_TEST_POSTGRES does not connect as user postgres")
	}
	_, err = Open(t.Context(), roURL)
	if err == nil || !strings.Contains(err.Error(), "may not change the schema") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open as a user without CREATE: %v", err)
	}
	openURL(t, url).Close() // migrate as the owner
	if _, err := admin.Exec(t.Context(), `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA `+pgx.Identifier{schema}.Sanitize()+` TO `+role); err != nil {
		t.Fatal(err)
	}
	db := openURL(t, roURL)
	if _, err := db.User(t.Context(), "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User as the read-write user: %v", err)
	}
}

// schemaOf is the search_path of a pgtest URL.
func schemaOf(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := neturl.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}
