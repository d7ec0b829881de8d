-- hubid schema for PostgreSQL, version 1: everything the SQLite schema holds
-- after its third migration, in PostgreSQL's own types.
--
-- Conventions (see doc.go): times are timestamptz (microseconds), NULL for
-- the zero time; durations are bigint nanoseconds; digests are 32-byte
-- bytea, NULL for an optional zero digest; string lists are text[], NULL
-- when empty (never an empty array); identifiers and names sort bytewise
-- (COLLATE "C"). User and org names are unique ignoring ASCII case, as in
-- SQLite's NOCASE: ascii_lower folds A-Z only, so the uniqueness of a name
-- does not depend on the server's locale.

CREATE FUNCTION ascii_lower(s text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT translate(s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;

CREATE TABLE users (
	id             text COLLATE "C" NOT NULL PRIMARY KEY,
	username       text COLLATE "C" NOT NULL,
	full_name      text    NOT NULL,
	email          text    NOT NULL,
	email_verified boolean NOT NULL,
	avatar_url     text    NOT NULL,
	website        text    NOT NULL,
	is_pro         boolean NOT NULL,
	can_pay        boolean NOT NULL,
	password_hash  text    NOT NULL,
	created_at     timestamptz
);
CREATE UNIQUE INDEX users_username ON users (ascii_lower(username));

CREATE TABLE orgs (
	id         text COLLATE "C" NOT NULL PRIMARY KEY,
	name       text COLLATE "C" NOT NULL,
	full_name  text    NOT NULL,
	avatar_url text    NOT NULL,
	plan       text    NOT NULL,
	can_pay    boolean NOT NULL,
	created_at timestamptz
);
CREATE UNIQUE INDEX orgs_name ON orgs (ascii_lower(name));

CREATE TABLE memberships (
	user_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	org_id  text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	role    text NOT NULL,
	PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE apps (
	client_id                 text COLLATE "C" NOT NULL PRIMARY KEY,
	name                      text    NOT NULL,
	owner_id                  text    NOT NULL,
	secret_hash               bytea CHECK (octet_length(secret_hash) = 32),
	public                    boolean NOT NULL,
	redirect_uris             text[],
	scopes                    text[],
	token_ttl                 bigint  NOT NULL,
	id_token_alg              text    NOT NULL,
	space_id                  text    NOT NULL,
	space_hosts               text[],
	authorized_orgs           text[],
	refresh_tokens            boolean NOT NULL,
	post_logout_redirect_uris text[],
	disabled                  boolean NOT NULL,
	created_at                timestamptz,
	updated_at                timestamptz
);
-- A Space has at most one app (AppBySpace).
CREATE UNIQUE INDEX apps_space ON apps (space_id) WHERE space_id <> '';

CREATE TABLE consents (
	user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id  text COLLATE "C" NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
	scopes     text[],
	orgs       text[],
	created_at timestamptz,
	updated_at timestamptz,
	PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client ON consents (client_id);

-- Redeemed codes only; they live their lifetime plus store.CodeRetention.
CREATE TABLE auth_codes (
	hash           bytea NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
	client_id      text COLLATE "C" NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
	user_id        text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	redirect_uri   text NOT NULL,
	scopes         text[],
	orgs           text[],
	nonce          text NOT NULL,
	code_challenge text NOT NULL,
	auth_time      timestamptz,
	created_at     timestamptz,
	expires_at     timestamptz,
	used_at        timestamptz
);
CREATE INDEX auth_codes_expires ON auth_codes (expires_at);
-- PostgreSQL does not index referencing columns by itself; without these a
-- deleted user or app scans the table.
CREATE INDEX auth_codes_client ON auth_codes (client_id);
CREATE INDEX auth_codes_user ON auth_codes (user_id);

-- client_id is NULL for user access tokens (store.Token.ClientID "").
CREATE TABLE tokens (
	hash       bytea NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
	kind       text  NOT NULL,
	user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id  text COLLATE "C" REFERENCES apps (client_id) ON DELETE CASCADE,
	scopes     text[],
	orgs       text[],
	name       text  NOT NULL,
	role       text  NOT NULL,
	code_hash  bytea CHECK (octet_length(code_hash) = 32),
	family_id  text COLLATE "C" NOT NULL,
	rotated_at timestamptz,
	successor  bytea,
	created_at timestamptz,
	expires_at timestamptz,
	revoked_at timestamptz
);
CREATE INDEX tokens_user_kind ON tokens (user_id, kind, created_at);
CREATE INDEX tokens_client ON tokens (client_id);
CREATE INDEX tokens_code ON tokens (code_hash) WHERE code_hash IS NOT NULL;
CREATE INDEX tokens_family ON tokens (family_id) WHERE family_id <> '';
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE sessions (
	hash       bytea NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
	user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	auth_time  timestamptz,
	created_at timestamptz,
	expires_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE device_codes (
	hash           bytea NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
	user_code_hash bytea NOT NULL UNIQUE CHECK (octet_length(user_code_hash) = 32),
	client_id      text COLLATE "C" NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
	scopes         text[],
	status         text   NOT NULL,
	user_id        text COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
	auth_time      timestamptz,
	interval_ns    bigint NOT NULL,
	last_poll_at   timestamptz,
	created_at     timestamptz,
	expires_at     timestamptz,
	used_at        timestamptz
);
CREATE INDEX device_codes_expires ON device_codes (expires_at);
CREATE INDEX device_codes_client ON device_codes (client_id);
CREATE INDEX device_codes_user ON device_codes (user_id);

-- position keeps the order UpdateKeys was given.
CREATE TABLE signing_keys (
	id          text COLLATE "C" NOT NULL PRIMARY KEY,
	position    integer NOT NULL,
	alg         text    NOT NULL,
	state       text    NOT NULL,
	private_pem bytea   NOT NULL,
	created_at  timestamptz,
	rotated_at  timestamptz
);

CREATE TABLE secrets (
	name  text COLLATE "C" NOT NULL PRIMARY KEY,
	value bytea NOT NULL
);
