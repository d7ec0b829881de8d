-- Per-app "require PKCE" and "resource server" (may introspect any app's
-- tokens). Registered apps require PKCE.
ALTER TABLE apps ADD COLUMN require_pkce INTEGER NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN resource_server INTEGER NOT NULL DEFAULT 0;
UPDATE apps SET require_pkce = 1 WHERE registered = 1;
