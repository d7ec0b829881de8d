-- Refresh-token families and rotation, RP-initiated logout URIs, and RFC
-- 8628 device codes.
ALTER TABLE apps ADD COLUMN refresh_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN post_logout_redirect_uris TEXT;

ALTER TABLE tokens ADD COLUMN family_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN rotated_at INTEGER;
ALTER TABLE tokens ADD COLUMN successor BLOB;
CREATE INDEX tokens_family ON tokens (family_id) WHERE family_id <> '';

CREATE TABLE device_codes (
	hash           BLOB    NOT NULL PRIMARY KEY,
	user_code_hash BLOB    NOT NULL UNIQUE,
	client_id      TEXT    NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
	scopes         TEXT,
	status         TEXT    NOT NULL,
	user_id        TEXT    REFERENCES users (id) ON DELETE CASCADE,
	auth_time      INTEGER,
	interval_ns    INTEGER NOT NULL,
	last_poll_at   INTEGER,
	created_at     INTEGER,
	expires_at     INTEGER,
	used_at        INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX device_codes_expires ON device_codes (expires_at);
