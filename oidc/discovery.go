package oidc

// Discovery is the OpenID Provider metadata served at
// /.well-known/openid-configuration (OpenID Connect Discovery 1.0 §3,
// RFC 8414 §2). Optional endpoints are omitted when empty so that nothing
// unimplemented is advertised.
type Discovery struct {
	// Issuer is the provider's identifier; it is the iss claim of every ID token.
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint is where the browser is sent to sign in.
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	// TokenEndpoint redeems codes and other grants.
	TokenEndpoint string `json:"token_endpoint"`
	// UserinfoEndpoint returns the signed-in user's claims for a bearer token.
	UserinfoEndpoint string `json:"userinfo_endpoint"`
	// JWKSURI serves the keys that verify ID tokens.
	JWKSURI string `json:"jwks_uri"`
	// DeviceAuthorizationEndpoint starts an RFC 8628 device login.
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint,omitempty"`
	// RegistrationEndpoint is RFC 7591 dynamic client registration.
	RegistrationEndpoint string `json:"registration_endpoint,omitempty"`
	// RevocationEndpoint is RFC 7009 token revocation.
	RevocationEndpoint string `json:"revocation_endpoint,omitempty"`
	// IntrospectionEndpoint is RFC 7662 token introspection.
	IntrospectionEndpoint string `json:"introspection_endpoint,omitempty"`
	// EndSessionEndpoint is OpenID Connect RP-Initiated Logout 1.0.
	EndSessionEndpoint string `json:"end_session_endpoint,omitempty"`

	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported,omitempty"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	PromptValuesSupported             []string `json:"prompt_values_supported,omitempty"`
	UILocalesSupported                []string `json:"ui_locales_supported,omitempty"`

	// AuthorizationResponseIssParameterSupported: authorization responses
	// carry iss, the issuer (RFC 9207), so that a client of several
	// providers can tell which one answered.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported,omitempty"`
}

// AuthorizationServerMetadata is the OAuth 2.0 authorization server
// metadata of RFC 8414 §2, served at /.well-known/oauth-authorization-server:
// the OAuth part of Discovery, with the same issuer and endpoints.
type AuthorizationServerMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	RegistrationEndpoint              string   `json:"registration_endpoint,omitempty"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported,omitempty"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpoint                string   `json:"revocation_endpoint,omitempty"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint,omitempty"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	// DeviceAuthorizationEndpoint is RFC 8628 §4.
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint,omitempty"`
}

// AuthorizationServer returns the RFC 8414 metadata of the provider d
// describes, so that the two documents can never disagree.
func (d Discovery) AuthorizationServer() AuthorizationServerMetadata {
	return AuthorizationServerMetadata{
		Issuer:                            d.Issuer,
		AuthorizationEndpoint:             d.AuthorizationEndpoint,
		TokenEndpoint:                     d.TokenEndpoint,
		JWKSURI:                           d.JWKSURI,
		RegistrationEndpoint:              d.RegistrationEndpoint,
		ScopesSupported:                   d.ScopesSupported,
		ResponseTypesSupported:            d.ResponseTypesSupported,
		ResponseModesSupported:            d.ResponseModesSupported,
		GrantTypesSupported:               d.GrantTypesSupported,
		TokenEndpointAuthMethodsSupported: d.TokenEndpointAuthMethodsSupported,
		RevocationEndpoint:                d.RevocationEndpoint,
		IntrospectionEndpoint:             d.IntrospectionEndpoint,
		CodeChallengeMethodsSupported:     d.CodeChallengeMethodsSupported,
		DeviceAuthorizationEndpoint:       d.DeviceAuthorizationEndpoint,
	}
}
