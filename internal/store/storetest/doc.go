// Package storetest is the conformance suite every store.Store backend
// runs: call Run from the backend's tests with a function that opens a new,
// empty store. It is an ordinary (non-test) package so that backends in
// other packages can import it; nothing else should.
//
// The suite is split by aggregate, a file each: Users, Orgs (with
// memberships), Apps, Consents, Codes, Tokens (with refresh rotation),
// DeviceCodes, Sessions, Keys, Secrets and GarbageCollect. Run runs them
// all; each of those functions, called like Run, runs one alone.
//
// The suite pins down behaviour store.go leaves to prose, so that backends
// agree on it:
//
//   - A nil and an empty list are the same; both may be read back as either.
//     Token.Successor is stricter: an empty one is read back as nil.
//   - Times keep at least microsecond precision and may come back in another
//     location (compared with time.Time.Equal); the suite's fixed times have
//     whole microseconds.
//   - Delete* return store.ErrNotFound when there was nothing to delete;
//     SetMember with role "" does not.
//   - Creating a row that refers to a missing user, org or app (membership,
//     consent, code, device code, token, session), or updating a device code
//     to refer to a missing user, is store.ErrNotFound.
//   - DeleteUser also deletes the user's authorization codes.
//   - At most one app per SpaceID.
//   - Update* return the updater's error unchanged, an error if the updater
//     changed the key, and store.ErrAlreadyExists on a name clash (a user
//     code, for device codes), and in every case change nothing.
//   - RevokeTokens refuses an empty filter; UpdateKeys keeps the order the
//     updater returned.
//   - RedeemCode, RedeemDeviceCode and RotateRefresh do not look at
//     ExpiresAt. Failing, they store nothing: a token that cannot be
//     inserted rolls the whole call back. RotateRefresh of a revoked refresh
//     token that was never rotated, or of another kind of token, fails with
//     an error other than store.ErrTokenRotated; RedeemDeviceCode of a code
//     that is not approved fails with one other than store.ErrCodeUsed.
//
// It uses fixed times only, never the clock.
package storetest
