// Package accounts holds the account rules: creating users and orgs in the
// one namespace they share (a name is taken if a user or an org has it,
// ignoring case), the rules for their names, the password policy, password
// hashing and verification (argon2id in PHC strings, with bounded
// concurrency and a dummy verification for unknown users), changing a
// password, deleting a user, org memberships and their roles, account ids,
// and resolving an owner name to a user or an org.
//
// The hubid command calls these functions, and the settings pages are to
// call the same ones, so an account is made the same way whoever makes it.
// They take a small Store (only the store.Store methods they use), so any
// backend, or a fake in tests, will do. Errors a caller must tell apart
// match a sentinel (ErrNameTaken, ErrInvalidName, ErrInvalidPassword,
// ErrInvalidRole, ErrInvalidPlan) or are a *NotFoundError (which matches
// store.ErrNotFound); their messages are fit to show a person.
//
// The package does no I/O but through the Store it is given, never logs,
// and takes the time of a creation from its caller (only a Hasher's
// ReleaseMemory is paced by the wall clock). A password or its hash must
// not leave the caller except as a PHC string written to the store.
package accounts
