package main

import (
	"net"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/store/postgres/pgtest"
)

// TestDatabaseURLErrors: a --database that cannot work fails in one line
// that says what to fix, before anything else happens.
func TestDatabaseURLErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name, url string
		code      int
		want      string
	}{
		{"not-a-url", "/var/lib/hubid/hubid.db", exitUsage, "--database must be a postgres:// or postgresql:// URL"},
		{"malformed", "postgres://hubid:hunter2pw@db:port/hubid", exitFailure, "--database: postgres: malformed database URL"},
		{"unreachable", "postgres://hubid:hunter2pw@" + closed + "/hubid?sslmode=disable", exitFailure,
			"--database: postgres: cannot reach the server at " + closed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"migrate", "--database", tc.url},
				{"user", "list", "--database", tc.url},
				{"serve", "--issuer", "https://hub.example", "--addr", "127.0.0.1:0", "--secret-key-file", testKeyFile(t), "--database", tc.url},
			} {
				code, _, stderr := run(t, t.TempDir(), "", args...)
				// A usage error adds a line pointing at --help.
				first, rest, _ := strings.Cut(stderr, "\n")
				if code != tc.code || !strings.Contains(first, tc.want) || (rest != "" && !strings.HasPrefix(rest, "Run 'hubid")) {
					t.Errorf("hubid %s: exit %d, stderr %q; want exit %d and one line with %q", args[0], code, stderr, tc.code, tc.want)
				}
				if strings.Contains(stderr, "hunter2pw") {
					t.Errorf("hubid %s: the password is in the message: %q", args[0], stderr)
				}
			}
		})
	}
}

// TestDatabasePostgres runs admin commands against PostgreSQL: the data
// directory is not used for the database.
func TestDatabasePostgres(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	code, stdout, stderr := run(t, dir, "", "migrate", "--database", url)
	if code != exitOK || !strings.Contains(stdout, "is up to date") {
		t.Fatalf("migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := run(t, dir, "", "user", "add", "alice", "--database", url); code != exitOK {
		t.Fatalf("user add: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, dir, "", "user", "list", "--database", url); code != exitOK || !strings.Contains(stdout, "alice") {
		t.Fatalf("user list: exit %d\n%s%s", code, stdout, stderr)
	}
	// The same directory without --database is another, empty hub.
	if code, stdout, _ := run(t, dir, "", "user", "list"); code == exitOK && strings.Contains(stdout, "alice") {
		t.Error("SQLite under --data sees the PostgreSQL hub's user")
	}
}

// TestMigrateFromSQLite: migrate --from-sqlite copies an SQLite hub's users
// into PostgreSQL, and refuses a second copy into the now non-empty target.
// (internal/store/storecopy proves that issued tokens keep working.)
func TestMigrateFromSQLite(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "", "user", "add", "alice", "--data", dir); code != exitOK {
		t.Fatalf("user add: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, dir, "", "migrate", "--database", url, "--from-sqlite", dir)
	if code != exitOK || !strings.Contains(stdout, "copied") {
		t.Fatalf("migrate --from-sqlite: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := run(t, dir, "", "user", "list", "--database", url); code != exitOK || !strings.Contains(stdout, "alice") {
		t.Fatalf("user list on PostgreSQL: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = run(t, dir, "", "migrate", "--database", url, "--from-sqlite", dir)
	if code == exitOK || !strings.Contains(stderr, "not empty") {
		t.Errorf("second migrate --from-sqlite: exit %d, stderr %q; want a refusal saying the target is not empty", code, stderr)
	}
	if code, _, stderr := run(t, dir, "", "migrate", "--from-sqlite", dir); code == exitOK || !strings.Contains(stderr, "--database") {
		t.Errorf("--from-sqlite without --database: exit %d, stderr %q", code, stderr)
	}
}
