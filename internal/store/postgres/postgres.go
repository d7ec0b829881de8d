package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hubid/hubid/internal/store"
)

var _ store.Store = (*DB)(nil)

// IsURL reports whether s names a PostgreSQL database (a postgres:// or
// postgresql:// URL), as opposed to, say, an SQLite path.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// defaultConnectTimeout bounds a connection attempt when the URL does not
// (connect_timeout): an unreachable host fails instead of hanging.
const defaultConnectTimeout = 10 * time.Second

// DB is a store.Store on a PostgreSQL database, through a pgx connection
// pool. It is safe for concurrent use, by any number of processes sharing
// the database.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to the database that url names, checks that it is
// reachable, and brings its schema up to date (see migrate). Pool size,
// timeouts, TLS and server settings come from the URL as pgx reads them
// (pool_max_conns, connect_timeout, sslmode, statement_timeout, …). The
// errors of a URL that cannot work are one line saying what to fix.
func Open(ctx context.Context, url string) (*DB, error) {
	if !IsURL(url) {
		return nil, errors.New("postgres: the database URL must start with postgres:// or postgresql://")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: malformed database URL: %s; want postgres://user:password@host:port/database?sslmode=…", oneLine(parseCause(err)))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s", oneLine(err))
	}
	db := &DB{pool: pool}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, explain(cfg.ConnConfig, err)
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, explain(cfg.ConnConfig, err)
	}
	return db, nil
}

// Close closes the pool, waiting for connections in use to be released.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// parseCause strips pgconn's "cannot parse `URL`:" prefix (the URL, with
// its password redacted, says nothing the user does not know).
func parseCause(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap()
	}
	return err
}

// explain turns a failure to connect or migrate into one line that says
// what to fix.
func explain(cc *pgx.ConnConfig, err error) error {
	if strings.HasPrefix(err.Error(), "postgres: ") {
		return err // already says what to do
	}
	where := net.JoinHostPort(cc.Host, fmt.Sprint(cc.Port))
	if strings.HasPrefix(cc.Host, "/") {
		where = cc.Host // a Unix socket directory
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "3D000": // invalid_catalog_name
			return fmt.Errorf("postgres: database %q does not exist on %s: create it (createdb %s) or fix the database name in the URL", cc.Database, where, cc.Database)
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return fmt.Errorf("postgres: %s refused user %q (%s): check the user and password in the URL (or the server's pg_hba.conf)", where, cc.User, oneLine(pe))
		case "42501": // insufficient_privilege
			return fmt.Errorf("postgres: user %q may not change the schema of database %q (%s): run 'hubid migrate' once as its owner, or GRANT CREATE ON SCHEMA to %[1]s", cc.User, cc.Database, pe.Message)
		case "3F000": // invalid_schema_name
			return fmt.Errorf("postgres: no schema to create tables in (%s): check search_path in the URL, or create the schema", pe.Message)
		}
		return fmt.Errorf("postgres: %s", oneLine(err))
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, context.DeadlineExceeded) {
		cause := error(err)
		var oe *net.OpError
		if errors.As(err, &oe) {
			cause = oe.Err
		}
		var de *net.DNSError
		if errors.As(err, &de) {
			cause = de
		}
		return fmt.Errorf("postgres: cannot reach the server at %s (%s): check the host and port in the URL, and that PostgreSQL is running and accepts connections from here", where, oneLine(cause))
	}
	return fmt.Errorf("postgres: %s", oneLine(err))
}

// oneLine is err's message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Transactions. Every write that reads before it writes runs in a READ
// COMMITTED transaction that locks what it read (see doc.go); the few
// errors PostgreSQL may still raise under contention are retried.

// maxAttempts is how often a transaction that failed with a serialization
// failure or a deadlock is run.
const maxAttempts = 4

// write runs fn in a transaction, committing if it returns nil. fn may run
// more than once (after a deadlock), so it must have no effects outside
// the transaction that matter.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
	}
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// fail wraps an error of operation op, mapping constraint violations to the
// store's sentinel errors: a duplicate key or name is ErrAlreadyExists, a
// reference to a missing row is ErrNotFound, as is no row.
func fail(op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("postgres: %s: %w (%s)", op, store.ErrAlreadyExists, pe.ConstraintName)
		case "23503": // foreign_key_violation
			return fmt.Errorf("postgres: %s: referenced row: %w (%s)", op, store.ErrNotFound, pe.ConstraintName)
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	for _, sentinel := range []error{store.ErrNotFound, store.ErrAlreadyExists, store.ErrCodeUsed, store.ErrTokenRotated} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// updaterError marks an error returned by an updater func, which Update*
// methods return unchanged.
type updaterError struct{ err error }

func (e updaterError) Error() string { return e.err.Error() }
func (e updaterError) Unwrap() error { return e.err }

func updateFail(op string, err error) error {
	if err == nil {
		return nil
	}
	var ue updaterError
	if errors.As(err, &ue) {
		return ue.err
	}
	return fail(op, err)
}

// affected returns ErrNotFound unless tag changed at least one row.
func affected(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return err
}

// Column encoding.

// ts encodes a time: NULL for the zero time. PostgreSQL keeps microseconds.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// digest encodes an optional digest: NULL when zero.
func digest(d store.Digest) any {
	if d == (store.Digest{}) {
		return nil
	}
	return d[:]
}

// list encodes a string list: NULL when empty.
func list(l []string) any {
	if len(l) == 0 {
		return nil
	}
	return l
}

// nullString encodes "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes encodes an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Column decoding: pgtype scanner adapters writing into store value fields.

// timeCol scans a timestamptz (NULL: the zero time) in UTC.
type timeCol struct{ t *time.Time }

func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*c.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return errors.New("postgres: infinite timestamp")
	default:
		*c.t = v.Time.UTC()
	}
	return nil
}

// durCol scans bigint nanoseconds into a time.Duration.
type durCol struct{ d *time.Duration }

func (c durCol) ScanInt64(v pgtype.Int8) error {
	if !v.Valid {
		return errors.New("postgres: NULL duration")
	}
	*c.d = time.Duration(v.Int64)
	return nil
}

// digestCol scans a 32-byte bytea (NULL: the zero digest).
type digestCol struct{ d *store.Digest }

func (c digestCol) ScanBytes(v []byte) error {
	switch {
	case v == nil:
		*c.d = store.Digest{}
	case len(v) != len(c.d):
		return fmt.Errorf("postgres: digest column holds %d bytes", len(v))
	default:
		copy(c.d[:], v)
	}
	return nil
}

// bytesCol scans a bytea, an empty one (or NULL) as nil.
type bytesCol struct{ b *[]byte }

func (c bytesCol) ScanBytes(v []byte) error {
	if len(v) == 0 {
		*c.b = nil
	} else {
		*c.b = append([]byte(nil), v...)
	}
	return nil
}

// nullStringCol scans NULL as "".
type nullStringCol struct{ s *string }

func (c nullStringCol) ScanText(v pgtype.Text) error {
	*c.s = v.String // "" when NULL
	return nil
}

// lists normalizes empty lists to nil after a Scan into them.
func lists(ls ...*[]string) {
	for _, l := range ls {
		if len(*l) == 0 {
			*l = nil
		}
	}
}

// Pool is the connection pool, for copying a hub into this database
// (storecopy) and for readiness checks; the store itself never hands out
// SQL otherwise.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }
