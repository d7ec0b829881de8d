// Package secretbox keeps hubid's own secrets encrypted at rest: the named
// secrets of store.Store.Secret (the CSRF/MAC key, the authorization-code
// key) and the signing keys' PrivatePEM. They are sealed with AES-256-GCM
// under a secret key that is not in the database (a file or an environment
// variable the command reads), so a copy of the database alone yields no
// key that signs, seals or MACs anything.
//
// Store wraps the real store where the provider stack is built and
// implements Secret and keys.Store over it, sealing on write and opening on
// read; the store and keys packages stay unaware. It also seals, in place
// and in one transaction, the plaintext signing keys of a database written
// before sealing existed, and refuses a database sealed with another key
// (or, without a key, a sealed database) with an error that names the key
// id the database needs. Rotate re-seals the signing keys from one secret
// key to another.
//
// Store.Secret cannot overwrite a stored value (it only creates), so sealed
// secrets live under their own names, NAME@KEYID: the plaintext values of
// an older database and the values sealed with a rotated-out key stay in
// the table unused, and fresh values are made for the current key.
//
// It must not log, and must never put a secret (sealed or not) into an
// error message.
package secretbox
