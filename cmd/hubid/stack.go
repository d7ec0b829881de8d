package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/accounts"

	"github.com/hubid/hubid/internal/keys"
	"github.com/hubid/hubid/internal/secretbox"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/postgres"
	"github.com/hubid/hubid/internal/store/sqlite"
)

// dbFile is the database's name inside the data directory.
const dbFile = "hubid.db"

// databaseFlag adds --database, the PostgreSQL database to keep the hub
// in (env HUBID_DATABASE_URL); every command that opens the store has it.
func (e *env) databaseFlag(fs *flag.FlagSet) *string {
	p := new(string)
	e.databaseVar(fs, p)
	return p
}

// databaseVar is databaseFlag storing into p.
func (e *env) databaseVar(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "database", e.getenv("HUBID_DATABASE_URL"),
		"PostgreSQL database URL, postgres://user:password@host:port/dbname?sslmode=… (env HUBID_DATABASE_URL); default: SQLite under --data")
}

// openStore opens (and migrates) the database: PostgreSQL when database is
// a postgres:// URL, otherwise SQLite in dir, which it creates if needed.
// Every command that touches the database goes through here, so they all
// agree on where it is.
func openStore(dir, database string) (store.Store, error) {
	if database != "" {
		if !postgres.IsURL(database) {
			return nil, usagef("--database must be a postgres:// or postgresql:// URL; leave it out to use SQLite under --data")
		}
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		db, err := postgres.Open(ctx, database)
		if err != nil {
			return nil, fmt.Errorf("--database: %w", err)
		}
		return db, nil
	}
	if dir == "" {
		return nil, usagef("--data is empty; give the data directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, dbFile)
	// The database holds signing keys: create it private (SQLite gives its
	// -wal and -shm files the same mode).
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o600); err == nil {
		f.Close()
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// openTimeout bounds connecting to PostgreSQL and migrating it (waiting
// for another process's migration included).
const openTimeout = time.Minute

// databaseName is where the database is, for messages: the PostgreSQL URL
// without its password, or the SQLite file.
func databaseName(dir, database string) string {
	if database == "" {
		return filepath.Join(dir, dbFile)
	}
	u, err := url.Parse(database)
	if err != nil {
		return "PostgreSQL"
	}
	return u.Redacted()
}

// openExistingStore is openStore for commands that only make sense on a
// hub that exists (listing, showing, syncing a Space into the database a
// server serves): a directory without a database is refused, naming it,
// instead of becoming a new, empty hub because of a mistyped --data.
// (A PostgreSQL database is opened as it is.)
func openExistingStore(dir, database string) (store.Store, error) {
	if database != "" {
		return openStore(dir, database)
	}
	if dir == "" {
		return nil, usagef("--data is empty; give the data directory")
	}
	path := filepath.Join(dir, dbFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no hubid database in %s (%s does not exist): check --data (or HUBID_DATA); to create one, run 'hubid dev --data %[1]s' or 'hubid migrate --data %[1]s'", dir, path)
	} else if err != nil {
		return nil, err
	}
	return openStore(dir, "")
}

// devIssuerFile is where hubid dev records its issuer in the data
// directory, so that the commands on that directory (space sync, run, env)
// point apps at the hub that actually serves it, whatever its port.
const devIssuerFile = "dev-issuer"

// writeDevIssuer records issuer in dir (mode 0600, through a temporary
// file renamed into place).
func writeDevIssuer(dir, issuer string) error {
	path := filepath.Join(dir, devIssuerFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(issuer+"\n"), 0o600); err != nil {
		return fmt.Errorf("record the dev issuer: %w", err)
	}
	return os.Rename(tmp, path)
}

// readDevIssuer is the issuer hubid dev recorded in dir, or "".
func readDevIssuer(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, devIssuerFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// openKeys returns the key manager with keys ensured, over st sealed with
// key (see secretbox.Open: the database's keys must be sealed with key, or
// with none when key is nil).
func openKeys(ctx context.Context, st store.Store, key *secretbox.Key, opts ...keys.Option) (*keys.Manager, error) {
	sealed, err := secretbox.Open(ctx, st, key)
	if err != nil {
		return nil, err
	}
	m := keys.New(sealed, nil, opts...)
	if err := m.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return m, nil
}

// commandHasher is the password hasher of serve and dev: after a burst of
// logins it hands the argon2 memory back to the system at once
// (debug.FreeOSMemory), which a long-running server wants and a library
// must not decide for its importers.
func commandHasher() *accounts.Hasher {
	h := accounts.NewHasher(0)
	h.ReleaseMemory = debug.FreeOSMemory
	return h
}
