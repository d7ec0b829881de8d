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

// Refresh-token lifetimes. A refresh token exists to outlive the access
// token it comes with: a client refreshes when its access token is about to
// expire (hubid login when less than a day is left), so the refresh token
// must still be valid then, whatever the app's access-token lifetime. The
// configured windows (by default 14 days idle, 30 days absolute) are
// floors that apps with long-lived access tokens raise.
const (
	// RefreshIdleMargin is how long an unused refresh token outlives the
	// access token issued with it, at least (or the access token's own
	// lifetime, when that is shorter).
	RefreshIdleMargin = 24 * time.Hour
	// RefreshFamilyFactor: a refresh family lives at least this many
	// access-token lifetimes, so that a client can refresh at least once
	// and get a full-length access token.
	RefreshFamilyFactor = 2
)

// RefreshIdle is how long an unused refresh token stays valid for an app
// whose access tokens live accessTTL: max(configured, accessTTL +
// min(accessTTL, RefreshIdleMargin)). A 30-day token's refresh token lasts
// 31 days unused, an 8-hour token's at least 16 hours; never more than the
// family's floor of 2 × accessTTL.
func RefreshIdle(configured, accessTTL time.Duration) time.Duration {
	return max(configured, accessTTL+min(accessTTL, RefreshIdleMargin))
}

// RefreshAbsolute is how long a refresh family lives from the login that
// started it, for an app whose access tokens live accessTTL:
// max(configured, RefreshFamilyFactor × accessTTL). An access token issued
// by a refresh never outlives its family: see CapAccessExpiry.
func RefreshAbsolute(configured, accessTTL time.Duration) time.Duration {
	return max(configured, RefreshFamilyFactor*accessTTL)
}

// CapAccessExpiry is the expiry of an access token issued at now with
// lifetime ttl within a refresh family that ends at familyEnd (zero: no
// family): the earlier of now+ttl and familyEnd.
func CapAccessExpiry(now time.Time, ttl time.Duration, familyEnd time.Time) time.Time {
	exp := now.Add(ttl)
	if !familyEnd.IsZero() && familyEnd.Before(exp) {
		return familyEnd
	}
	return exp
}
