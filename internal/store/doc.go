// Package store defines what hubid keeps: the value types (users, orgs,
// apps, consents, codes, tokens, sessions, signing keys) and the Store
// interface every backend implements. It imports no database driver.
//
// Secrets are never stored in the clear: codes, tokens, session ids and
// client secrets appear here only as SHA-256 digests (see Hash), so a dump of
// the database yields nothing usable. Read-modify-write goes through updater
// funcs that a backend runs inside one transaction; an updater may be called
// more than once and must not have side effects.
//
// Backends live in subpackages (sqlite, postgres) and prove they behave the
// same by running the storetest conformance suite.
package store
