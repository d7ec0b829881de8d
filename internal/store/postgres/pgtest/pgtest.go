// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database HUBID_TEST_POSTGRES names, dropped when the test
// ends, so that tests and packages running in parallel never see each
// other's rows. Without HUBID_TEST_POSTGRES the test is skipped. Only tests
// import it.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the database URL the PostgreSQL tests use.
const Env = "HUBID_TEST_POSTGRES"

// Require skips t, in one line saying how to run it, when
// HUBID_TEST_POSTGRES is not set, and returns its value otherwise.
func Require(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set " + Env + " to a database URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	return base
}

// URL returns a database URL whose search_path is a new, empty schema,
// which t's cleanup drops (with everything in it); register it before
// anything that must be closed first. It skips t, in one line saying how
// to run it, when HUBID_TEST_POSTGRES is not set.
func URL(t testing.TB) string {
	t.Helper()
	base := Require(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, not %q", Env, base)
	}
	schema := "hubid_test_" + strings.ToLower(rand.Text()[:16])
	ctx := context.Background()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	// Lowercase base32 (a-z, 2-7): the name needs no quoting, in SQL or in
	// search_path.
	if err := exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("%s: create schema: %v", Env, err)
	}
	t.Cleanup(func() {
		if err := exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("%s: drop schema %s: %v", Env, schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
