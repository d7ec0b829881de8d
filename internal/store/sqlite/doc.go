// Package sqlite is hubid's default store backend: one SQLite file, opened
// with modernc.org/sqlite (pure Go, no cgo).
//
// It owns the SQL schema (embedded, numbered migrations applied by Open) and
// the mapping between store value types and rows. It must not make policy
// decisions (token lifetimes, scope rules, who may do what): it stores and
// returns what it is given, and enforces only keys, uniqueness and
// referential integrity.
//
// # Concurrency
//
// The database runs in WAL mode. A DB holds two connection pools: one writer
// connection, whose transactions begin IMMEDIATE so they never fail upgrading
// a read lock to a write lock, and a small pool of readers that never block
// the writer nor each other. A background goroutine checkpoints the WAL on a
// connection of its own (every 1000 commits, or a second after the last one,
// and then every second until a checkpoint has copied all of it), so no
// request pays for a checkpoint's fsyncs. An in-memory database (MemoryPath)
// has the writer connection alone, which also reads, and no checkpoints.
// Several processes may open the same file at once (the CLI while the server
// runs): every connection waits up to five seconds (busy_timeout) for
// another process's write lock, migrations are applied inside write
// transactions, and Secret and UpdateKeys are atomic across processes.
//
// # Encoding
//
//   - Times are INTEGER unix nanoseconds in UTC, NULL for the zero
//     time.Time, so every time in the years 1678–2262 round-trips exactly
//     (read back in UTC); times outside that range are rejected.
//   - Digests are 32-byte BLOBs; an optional digest that is zero
//     (App.SecretHash, Token.CodeHash) is NULL.
//   - String lists are JSON arrays, NULL when empty. A nil and an empty list
//     are the same thing: both are read back as nil. Strings must be valid
//     UTF-8.
//   - Token.ClientID "" (user access tokens) is NULL.
//   - An empty Token.Successor is NULL, read back as nil.
//
// # Conventions the conformance suite checks
//
//   - Delete* return store.ErrNotFound when there was nothing to delete.
//   - Rows that refer to a user, org or app (memberships, consents, codes,
//     device codes, tokens, sessions) can only be created while it exists;
//     otherwise the error is store.ErrNotFound. Deleting a user or an app
//     deletes what refers to it; a user's codes go with the user too.
//   - Usernames and org names are unique ignoring ASCII case.
//   - A Space has at most one app: a second app with the same SpaceID is
//     store.ErrAlreadyExists.
package sqlite
