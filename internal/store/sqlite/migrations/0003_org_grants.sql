-- Org grants: the orgs a user allows an app to reach at consent, carried by
-- the code and every token of the grant; whether an org has a payment
-- method (userinfo's canPay for a granted org, with read-billing).
ALTER TABLE consents ADD COLUMN orgs TEXT;
ALTER TABLE auth_codes ADD COLUMN orgs TEXT;
ALTER TABLE tokens ADD COLUMN orgs TEXT;
ALTER TABLE orgs ADD COLUMN can_pay INTEGER NOT NULL DEFAULT 0;
