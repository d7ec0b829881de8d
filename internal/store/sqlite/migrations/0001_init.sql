-- hubid schema, version 1.
--
-- Conventions (see doc.go): times are INTEGER unix nanoseconds in UTC, NULL
-- for the zero time; digests are 32-byte BLOBs, NULL for an optional zero
-- digest; string lists are JSON arrays of strings, NULL for an empty list;
-- booleans are 0/1. Tables are STRICT so a wrong type is an error, not a
-- silent conversion. Names are unique case-insensitively (ASCII folding).

CREATE TABLE users (
	id             TEXT    NOT NULL PRIMARY KEY,
	username       TEXT    NOT NULL COLLATE NOCASE UNIQUE,
	full_name      TEXT    NOT NULL,
	email          TEXT    NOT NULL,
	email_verified INTEGER NOT NULL,
	avatar_url     TEXT    NOT NULL,
	website        TEXT    NOT NULL,
	is_pro         INTEGER NOT NULL,
	can_pay        INTEGER NOT NULL,
	password_hash  TEXT    NOT NULL,
	created_at     INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE orgs (
	id         TEXT NOT NULL PRIMARY KEY,
	name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
	full_name  TEXT NOT NULL,
	avatar_url TEXT NOT NULL,
	plan       TEXT NOT NULL,
	created_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE memberships (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	org_id  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	role    TEXT NOT NULL,
	PRIMARY KEY (user_id, org_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_org ON memberships (org_id);

-- apps rows can be large (redirect URI lists), so apps keeps its rowid.
CREATE TABLE apps (
	client_id       TEXT    NOT NULL PRIMARY KEY,
	name            TEXT    NOT NULL,
	owner_id        TEXT    NOT NULL,
	secret_hash     BLOB,
	public          INTEGER NOT NULL,
	redirect_uris   TEXT,
	scopes          TEXT,
	token_ttl       INTEGER NOT NULL,
	id_token_alg    TEXT    NOT NULL,
	space_id        TEXT    NOT NULL,
	space_hosts     TEXT,
	authorized_orgs TEXT,
	disabled        INTEGER NOT NULL,
	created_at      INTEGER,
	updated_at      INTEGER
) STRICT;
-- A Space has at most one app (AppBySpace).
CREATE UNIQUE INDEX apps_space ON apps (space_id) WHERE space_id <> '';

CREATE TABLE consents (
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
	scopes     TEXT,
	created_at INTEGER,
	updated_at INTEGER,
	PRIMARY KEY (user_id, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX consents_client ON consents (client_id);

-- Codes live at most their lifetime plus store.CodeRetention, so the table
-- stays small; the cascades from users and apps scan it rather than pay for
-- two more indexes on every CreateCode.
CREATE TABLE auth_codes (
	hash           BLOB NOT NULL PRIMARY KEY,
	client_id      TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
	user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	redirect_uri   TEXT NOT NULL,
	scopes         TEXT,
	nonce          TEXT NOT NULL,
	code_challenge TEXT NOT NULL,
	auth_time      INTEGER,
	created_at     INTEGER,
	expires_at     INTEGER,
	used_at        INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX auth_codes_expires ON auth_codes (expires_at);

-- client_id is NULL for user access tokens (store.Token.ClientID "").
CREATE TABLE tokens (
	hash       BLOB NOT NULL PRIMARY KEY,
	kind       TEXT NOT NULL,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id  TEXT REFERENCES apps (client_id) ON DELETE CASCADE,
	scopes     TEXT,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	code_hash  BLOB,
	created_at INTEGER,
	expires_at INTEGER,
	revoked_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX tokens_user_kind ON tokens (user_id, kind, created_at);
CREATE INDEX tokens_client ON tokens (client_id);
CREATE INDEX tokens_code ON tokens (code_hash);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE sessions (
	hash       BLOB NOT NULL PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	auth_time  INTEGER,
	created_at INTEGER,
	expires_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- position keeps the order UpdateKeys was given.
CREATE TABLE signing_keys (
	id          TEXT    NOT NULL PRIMARY KEY,
	position    INTEGER NOT NULL,
	alg         TEXT    NOT NULL,
	state       TEXT    NOT NULL,
	private_pem BLOB    NOT NULL,
	created_at  INTEGER,
	rotated_at  INTEGER
) STRICT;

CREATE TABLE secrets (
	name  TEXT NOT NULL PRIMARY KEY,
	value BLOB NOT NULL
) STRICT, WITHOUT ROWID;
