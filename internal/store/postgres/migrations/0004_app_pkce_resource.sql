-- Per-app "require PKCE" and "resource server" (may introspect any app's
-- tokens). Registered apps require PKCE.
ALTER TABLE apps ADD COLUMN require_pkce boolean NOT NULL DEFAULT false;
ALTER TABLE apps ADD COLUMN resource_server boolean NOT NULL DEFAULT false;
UPDATE apps SET require_pkce = true WHERE registered;
