package oidc

// ClientRegistration is the response of a successful dynamic client
// registration (RFC 7591 §3.2.1): the client's credentials and the metadata
// the server registered, which may differ from what was asked for.
type ClientRegistration struct {
	ClientID string `json:"client_id"`
	// ClientIDIssuedAt is when the client ID was issued, in Unix seconds.
	ClientIDIssuedAt int64 `json:"client_id_issued_at"`
	// ClientSecret is sent once, to confidential clients only.
	ClientSecret string `json:"client_secret,omitempty"`
	// ClientSecretExpiresAt is required with a secret; 0 means never.
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"`

	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	Scope                   string   `json:"scope"`
}
