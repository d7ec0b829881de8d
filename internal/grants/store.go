package grants

import (
	"context"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// The store interfaces below are the parts of store.Store each piece of the
// token endpoint uses, declared here by their consumer: a grant can be
// tested against a small fake, and a backend sees exactly what the token
// endpoint needs of it.

// clientStore loads apps (client authentication).
type clientStore interface {
	App(ctx context.Context, clientID string) (store.App, error)
}

// userStore loads the user a grant issues tokens for.
type userStore interface {
	User(ctx context.Context, id string) (store.User, error)
}

// memberStore lists a user's orgs: a grant for an app restricted to orgs
// (hf_oauth_authorized_org) checks the user is still a member of one.
type memberStore interface {
	Memberships(ctx context.Context, userID string) ([]store.Membership, error)
}

// tokenStore reads and revokes tokens.
type tokenStore interface {
	Token(ctx context.Context, hash store.Digest) (store.Token, error)
	RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error)
}

// HandlerStore is what the Handler itself uses: client authentication,
// device authorization, revocation and introspection.
type HandlerStore interface {
	clientStore
	userStore
	tokenStore
	CreateDeviceCode(ctx context.Context, d store.DeviceCode) error
	// Memberships gives the orgs a token's grant still reaches
	// (introspection).
	Memberships(ctx context.Context, userID string) ([]store.Membership, error)
}

// CodeStore is what the authorization_code grant uses.
type CodeStore interface {
	clientStore
	userStore
	RedeemCode(ctx context.Context, c store.AuthCode, now time.Time, issued []store.Token) error
	RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error)
}

// RefreshStore is what the refresh_token grant uses.
type RefreshStore interface {
	userStore
	memberStore
	tokenStore
	RotateRefresh(ctx context.Context, hash store.Digest, now time.Time, sealed []byte, issued []store.Token) (store.Token, error)
}

// DeviceStore is what the device_code grant uses.
type DeviceStore interface {
	userStore
	memberStore
	DeviceCode(ctx context.Context, hash store.Digest) (store.DeviceCode, error)
	UpdateDeviceCode(ctx context.Context, hash store.Digest, update func(*store.DeviceCode) error) error
	RedeemDeviceCode(ctx context.Context, hash store.Digest, now time.Time, issued []store.Token) error
}
