package provider_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store/postgres"
	"github.com/hubid/hubid/internal/store/postgres/pgtest"
)

// TestHealth: /healthz answers ok; /readyz is 200 on a current database
// (SQLite and PostgreSQL) or a newer one, and 503 with a one-line JSON
// reason once the database is gone or lacks a migration.
func TestHealth(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, p *provider.Provider, path string, wantCode int, wantBody string) {
		t.Helper()
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		body := rec.Body.String()
		if rec.Code != wantCode || !strings.Contains(body, wantBody) || strings.Count(strings.TrimSpace(body), "\n") != 0 {
			t.Errorf("GET %s: %d %q, want %d with %q on one line", path, rec.Code, body, wantCode, wantBody)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db := openDB(t)
		p, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db})
		if err != nil {
			t.Fatal(err)
		}
		check(t, p, "/healthz", 200, "ok")
		check(t, p, "/readyz", 200, `"status":"ready"`)
		db.Close()
		check(t, p, "/healthz", 200, "ok")
		check(t, p, "/readyz", 503, `"reason":"database: `)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		p, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db})
		if err != nil {
			t.Fatal(err)
		}
		check(t, p, "/readyz", 200, `"status":"ready"`)
		// A newer hubid migrated the database (migrations only add): this
		// replica keeps serving until it is replaced.
		if _, err := db.Pool().Exec(ctx, `INSERT INTO migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
			t.Fatal(err)
		}
		check(t, p, "/readyz", 200, `"status":"ready"`)
		// A schema missing a migration this binary needs is not ready.
		if _, err := db.Pool().Exec(ctx, `DELETE FROM migrations WHERE version >= (SELECT max(version) FROM migrations WHERE version < 999)`); err != nil {
			t.Fatal(err)
		}
		check(t, p, "/readyz", 503, "run 'hubid migrate'")
		check(t, p, "/healthz", 200, "ok")
	})
}
