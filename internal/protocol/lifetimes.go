package protocol

import "time"

// Lifetimes. Access-token lifetimes are per app (Spaces set them with
// hf_oauth_expiration_minutes); the rest are fixed.
const (
	// CodeTTL is how long an authorization code can be redeemed.
	CodeTTL = 60 * time.Second
	// IDTokenTTL is the ID token's exp-iat, as on huggingface.co.
	IDTokenTTL = time.Hour
	// DefaultAccessTokenTTL is the access-token lifetime of an app that does
	// not set one: 480 minutes, as for Spaces.
	DefaultAccessTokenTTL = 480 * time.Minute
	// MinAccessTokenTTL and MaxAccessTokenTTL bound an app's lifetime;
	// the maximum is Spaces' 43200 minutes (30 days).
	MinAccessTokenTTL = time.Minute
	MaxAccessTokenTTL = 43200 * time.Minute
	// SessionTTL is how long a browser session on the hub lasts.
	SessionTTL = 30 * 24 * time.Hour
)
