// Package storecopy copies a whole hub from SQLite into PostgreSQL (`hubid
// migrate --from-sqlite`): every row of every table, as stored, so that
// every token, refresh token (with its rotation state and sealed
// successor), session cookie, app secret, signing key and sealed secret
// issued before the move keeps working after it.
//
// It copies rows, not store values: store.Store has no way to list
// sessions, tokens of every kind, redeemed codes or device codes, and
// widening it for a one-off move would burden every backend. Instead it
// reads the SQLite file through one read-only snapshot and writes
// PostgreSQL with COPY, converting each column by the type PostgreSQL
// declares for it (the two schemas share table and column names; see the
// conventions in each backend's doc.go). A column one side gains is carried
// as soon as both schemas have it; a table this package does not know
// makes it refuse rather than leave rows behind.
//
// The copy is one PostgreSQL transaction: it commits everything or
// nothing, so an interrupted copy leaves the target empty and a rerun
// starts over. A target with any row is refused.
package storecopy
