package oidc

// UserInfo is the body of the userinfo endpoint, with HF's extras. Profile
// fields are present with the profile scope, email fields with the email
// scope; IsPro and Orgs are always present (Orgs as [] when empty), as on
// huggingface.co.
type UserInfo struct {
	Sub               string `json:"sub"`
	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Picture           string `json:"picture,omitempty"`
	Profile           string `json:"profile,omitempty"`
	Website           string `json:"website,omitempty"`
	Email             string `json:"email,omitempty"`
	// EmailVerified is a pointer so that it is omitted without the email
	// scope and sent as false when the address is unverified.
	EmailVerified *bool `json:"email_verified,omitempty"`
	IsPro         bool  `json:"isPro"`
	// CanPay is sent with the read-billing scope only.
	CanPay *bool     `json:"canPay,omitempty"`
	Orgs   []OrgInfo `json:"orgs"`
}

// OrgInfo is one entry of UserInfo.Orgs.
type OrgInfo struct {
	Sub               string `json:"sub"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	Picture           string `json:"picture"`
	Plan              string `json:"plan,omitempty"`
	// RoleInOrg is sent for an org the user granted the app, or for every
	// org with the read-memberships scope: admin, write, contributor or
	// read.
	RoleInOrg string `json:"roleInOrg,omitempty"`
	// CanPay is sent for a granted org with the read-billing scope.
	CanPay *bool `json:"canPay,omitempty"`
	// SecurityRestrictions is sent for a granted org: the org's checks
	// ("mfa", "sso", "ip", "token-policy") the user has not passed yet.
	SecurityRestrictions []string `json:"securityRestrictions,omitempty"`
}

// IDTokenClaims are the claims of an ID token as HF issues them: the
// registered claims, nonce only when the request carried one, and the
// profile and email claims by scope. HF extras (isPro, orgs) are userinfo
// only.
type IDTokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
	Nonce    string `json:"nonce,omitempty"`

	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Picture           string `json:"picture,omitempty"`
	Profile           string `json:"profile,omitempty"`
	Website           string `json:"website,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
}
