// Package store defines what hubid keeps: the value types (users, orgs and
// memberships, apps, consents, redeemed authorization codes, tokens, device
// codes, sessions, signing keys) and the Store interface every backend
// implements. It imports no database driver.
//
// Secrets that clients present are never stored in the clear: codes, user
// codes, tokens, session ids and client secrets appear here only as SHA-256
// digests (see Hash), so a dump of the database yields none of them. The
// server's own keys are stored as they are (the named secrets of
// Store.Secret, the signing keys' PrivatePEM), so a dump must be guarded
// like those keys. Read-modify-write goes through updater funcs that a
// backend runs inside one transaction; an updater may be called more than
// once and must not have side effects.
//
// Backends live in subpackages and prove they behave the same by running
// the storetest conformance suite. Today there is one, sqlite; a PostgreSQL
// backend is planned, to run the same suite.
package store
