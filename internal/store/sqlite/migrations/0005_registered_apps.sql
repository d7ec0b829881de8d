-- Apps that registered themselves (RFC 7591 dynamic client registration).
ALTER TABLE apps ADD COLUMN registered INTEGER NOT NULL DEFAULT 0;
