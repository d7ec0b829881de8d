package oidc

// Grant types (RFC 6749 §4, RFC 8628 §3.4, RFC 8693 §2.1).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Response types and PKCE methods.
const (
	ResponseTypeCode = "code"
	PKCEMethodS256   = "S256"
)

// Client authentication methods at the token endpoint (OpenID Connect Core §9).
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthNone              = "none"
)

// Signing algorithms hubid can use for ID tokens.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
)

// TokenResponse is the JSON body of a successful token response, in HF's
// shape: token_type is lowercase "bearer", scope lists what was granted and
// id_token is present when openid was granted.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// TokenTypeBearer is the token_type HF sends, lowercase.
const TokenTypeBearer = "bearer"
