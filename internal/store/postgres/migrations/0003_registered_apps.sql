-- Apps that registered themselves (RFC 7591 dynamic client registration).
ALTER TABLE apps ADD COLUMN registered boolean NOT NULL DEFAULT false;
