// Package accounts holds the account rules that are not storage: password
// hashing and verification (argon2id in PHC strings, with bounded
// concurrency and a dummy verification for unknown users), the password
// policy, account ids, and the rules for user and org names.
//
// Users, orgs and memberships are created and changed directly through
// store.Store; this package decides what a valid name or password is and how
// a password is hashed, never where anything is kept. It does no I/O, reads
// no clock and never logs: a password or its hash must not leave the caller
// except as a PHC string written to the store.
package accounts
