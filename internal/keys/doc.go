// Package keys owns hubid's ID-token signing keys: it generates them,
// persists them through a Store (the keys part of store.Store), rotates
// them and publishes the JWKS.
//
// Every key has a state (see store.KeyNext, store.KeyActive and
// store.KeyVerifyOnly). For each algorithm (RS256 and ES256) there is one
// active key, which signs, and one next key, which is already published in
// the JWKS so that relying parties have it cached before it starts signing.
// Rotate promotes next to active, demotes the old active key to verify-only
// (still published, so outstanding ID tokens keep verifying) and creates a
// new next key; verify-only keys are dropped once they are older than the
// retention. A key's ID (kid) is its RFC 7638 JWK thumbprint.
//
// Keys live in the store, never only in a process: every change goes
// through Store.UpdateKeys in one transaction, so several hubid
// processes sharing a store agree on one key set. A Manager caches the
// parsed keys, their jose signers and the marshalled JWKS, and reloads them
// from the store when the cache is older than a short TTL, so a rotation
// done by another process (`hubid keys rotate`) is picked up without a
// restart. Signing costs one signature; the store is read by one caller per
// TTL, the others meanwhile sign with the keys they have.
//
// This package does not decide what goes into an ID token (that is
// internal/protocol) and does not serve HTTP (that is internal/server); it
// never logs or returns private key material except through the store.
package keys
