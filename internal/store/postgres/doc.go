// Package postgres is hubid's store backend for more than one machine: a
// PostgreSQL database (version 14 or later) shared by any number of hubid
// processes, through github.com/jackc/pgx/v5 and its pool.
//
// It owns the PostgreSQL schema (embedded, numbered migrations applied by
// Open) and the mapping between store value types and rows. Like the SQLite
// backend it makes no policy decisions: it stores and returns what it is
// given, and enforces only keys, uniqueness and referential integrity. It
// runs the same conformance suite (internal/store/storetest).
//
// # Migrations
//
// Open applies the scripts a database lacks, each in its own transaction,
// under a session advisory lock keyed by the schema: replicas started
// together wait for the first, then find the schema current. A database
// whose schema is newer than the binary is refused with a message saying
// so. A database user that may not create tables can open a database that
// is already current (run 'hubid migrate' as the owner first).
//
// # Transactions and concurrency
//
// Every transaction runs at READ COMMITTED, PostgreSQL's default, and takes
// the row locks it needs rather than relying on SERIALIZABLE with retries.
// The races the store must settle are all on one known row, so a lock on
// that row settles them without aborts, and a replica never has to redo
// work (a serializable transaction would also fail on unrelated rows that
// happen to share an index page, and every caller would need a retry loop):
//
//   - RedeemCode inserts the code with ON CONFLICT DO NOTHING: a concurrent
//     redeemer waits for the first's uncommitted row, then inserts nothing
//     and gets store.ErrCodeUsed.
//   - RotateRefresh and RedeemDeviceCode are one conditional UPDATE (WHERE
//     not rotated / not used): the second waits for the first's row lock,
//     re-checks the condition on the committed row, and updates nothing.
//   - Update* read the row FOR UPDATE, call the updater, and write it back,
//     so concurrent updates apply one after the other.
//   - UpdateKeys locks signing_keys in EXCLUSIVE mode (plain reads go on and
//     see the old set until the commit), so key rotations from several
//     processes serialize; the set is replaced in the same transaction.
//   - Secret inserts with ON CONFLICT DO UPDATE … RETURNING: every process
//     gets the value of the insert that won.
//   - SetMember (removing) and SetGrantOrgs change the membership or the
//     consent and the tokens in one transaction.
//
// A transaction that still fails with a deadlock or serialization failure is
// run again, up to four times. A redemption (the mark and the inserts of the
// issued tokens) is one transaction sent as one batch.
//
// GarbageCollect deletes in batches of 1000 rows, each its own statement,
// skipping rows that other transactions have locked (SKIP LOCKED), so it
// never waits for a sign-in and runs on several replicas at once without
// contention.
//
// # Encoding
//
//   - Times are timestamptz, NULL for the zero time.Time, read back in UTC.
//     PostgreSQL keeps microseconds: finer parts are truncated.
//   - Durations are bigint nanoseconds.
//   - Digests are 32-byte bytea; an optional digest that is zero
//     (App.SecretHash, Token.CodeHash) is NULL.
//   - String lists are text[], NULL when empty; both a nil and an empty
//     list are read back as nil. Strings cannot contain NUL bytes and must
//     be valid UTF-8 (PostgreSQL's rule for text).
//   - Token.ClientID "" (user access tokens) and DeviceCode.UserID "" are
//     NULL; an empty Token.Successor is NULL, read back as nil.
//   - Identifiers sort bytewise (COLLATE "C"). Usernames and org names are
//     unique ignoring ASCII case (ascii_lower, as SQLite's NOCASE), whatever
//     the server's locale, and lists of them are ordered that way.
//
// # Configuration
//
// Everything comes from the URL, as pgx reads it: pool_max_conns (default:
// the larger of 4 and the number of CPUs), connect_timeout (default here: 10
// seconds), sslmode and sslrootcert, sslcert, sslkey for TLS, and any other
// parameter, such as statement_timeout or search_path, is sent to the
// server as a run-time setting.
package postgres
