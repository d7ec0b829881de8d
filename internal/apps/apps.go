// Package apps creates and changes OAuth apps: the rules an app's settings
// must follow, client id and secret generation, and secret rotation. The
// CLI, the dev seed and Spaces sync all go through it, so an app is made the
// same way whoever makes it.
package apps

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// Spec is what a person asks for when creating an app.
type Spec struct {
	Name    string
	OwnerID string
	// RedirectURIs are required, except for a public app, which without
	// them can sign in only with the device flow (RFC 8628).
	RedirectURIs []string
	Scopes       []string      // extra scopes; openid and profile are always added
	TokenTTL     time.Duration // 0 = protocol.DefaultAccessTokenTTL
	Public       bool
	IDTokenAlg   string // "" = RS256
	// RefreshTokens: the code flow also issues refresh tokens.
	RefreshTokens bool
	// RefreshIdle is how long an unused refresh token of the app stays
	// valid; each refresh starts it again (0: the hub's default).
	RefreshIdle time.Duration
	// RefreshAbsolute is how long a login's refresh family lives at most
	// (0: the hub's default; store.NoRefreshLimit: no limit, so a client
	// that refreshes within RefreshIdle stays signed in).
	RefreshAbsolute time.Duration
	// PostLogoutRedirectURIs are where RP-initiated logout may return to.
	PostLogoutRedirectURIs []string
	// Registered: the app registered itself (see Register).
	Registered bool
	// RequirePKCE: authorization requests must use PKCE even from this
	// confidential app (public apps always must).
	RequirePKCE bool
	// ResourceServer: the app is an API that may introspect tokens issued
	// to any app (others introspect only their own).
	ResourceServer bool
}

// Validate reports every problem with s in one error.
func (s Spec) Validate() error {
	var problems []string
	if strings.TrimSpace(s.Name) == "" {
		problems = append(problems, "the app needs a name (--name)")
	} else if len(s.Name) > 100 {
		problems = append(problems, "the name is longer than 100 characters")
	} else if protocol.CleanDisplayName(s.Name) != strings.Join(strings.Fields(s.Name), " ") {
		problems = append(problems, fmt.Sprintf("the name %q holds control or invisible characters (such as right-to-left overrides); use plain text", s.Name))
	} else if protocol.ImpersonatesHub(s.Name) {
		problems = append(problems, fmt.Sprintf("the name %q is the hub's or Hugging Face's own; the consent page would read as if they asked: pick the app's own name", s.Name))
	}
	// A public app without redirect URIs is a device-flow app (a CLI, a
	// notebook): it has nowhere to send a browser back to and needs
	// nothing more. A confidential app always has one.
	if len(s.RedirectURIs) == 0 && !s.Public {
		problems = append(problems, "the app needs at least one redirect URI (--redirect-uri https://example.com/login/callback), or --public for an app that only signs in with the device flow")
	}
	for _, u := range s.RedirectURIs {
		if err := protocol.ValidateRedirectURI(u); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, u := range s.PostLogoutRedirectURIs {
		if err := protocol.ValidateRedirectURI(u); err != nil {
			problems = append(problems, "post-logout "+err.Error())
		}
	}
	for _, sc := range s.Scopes {
		if !oidc.KnownScope(sc) {
			problems = append(problems, fmt.Sprintf("unknown scope %q (valid: %s)", sc, strings.Join(oidc.ScopeNames(), " ")))
		}
	}
	if err := ValidateTTL(s.TokenTTL); err != nil {
		problems = append(problems, err.Error())
	}
	if s.RefreshIdle < 0 || (s.RefreshIdle > 0 && s.RefreshIdle < time.Hour) {
		problems = append(problems, fmt.Sprintf("refresh idle window %s is too short; give at least 1h (or 0 for the hub's default)", s.RefreshIdle))
	}
	if s.RefreshAbsolute != store.NoRefreshLimit && (s.RefreshAbsolute < 0 || (s.RefreshAbsolute > 0 && s.RefreshAbsolute < time.Hour)) {
		problems = append(problems, fmt.Sprintf("refresh absolute limit %s is too short; give at least 1h, 0 for the hub's default, or none", s.RefreshAbsolute))
	}
	switch s.IDTokenAlg {
	case "", oidc.AlgRS256, oidc.AlgES256:
	default:
		problems = append(problems, fmt.Sprintf("ID-token algorithm %q is not supported; use RS256 or ES256", s.IDTokenAlg))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// ValidateTTL checks an access-token lifetime (0 means the default).
func ValidateTTL(d time.Duration) error {
	if d == 0 {
		return nil
	}
	if d < protocol.MinAccessTokenTTL || d > protocol.MaxAccessTokenTTL {
		return fmt.Errorf("token lifetime %s is out of range; give between %s and %s (30 days)", d, protocol.MinAccessTokenTTL, protocol.MaxAccessTokenTTL)
	}
	return nil
}

// NewClientID returns a random (version 4) UUID, the form of HF client ids.
func NewClientID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NewClientSecret makes a client secret; only its digest is stored.
func NewClientSecret() (string, store.Digest) { return store.NewSecret("hf_oauth_secret_") }

// Build turns a valid spec into an app row and its secret ("" for public
// apps), without storing it.
func Build(s Spec, now time.Time) (store.App, string) {
	app := store.App{
		ClientID:               NewClientID(),
		Name:                   strings.TrimSpace(s.Name),
		OwnerID:                s.OwnerID,
		Public:                 s.Public,
		RedirectURIs:           s.RedirectURIs,
		Scopes:                 protocol.NormalizeScopes(s.Scopes),
		TokenTTL:               s.TokenTTL,
		IDTokenAlg:             s.IDTokenAlg,
		RefreshTokens:          s.RefreshTokens,
		RefreshIdle:            s.RefreshIdle,
		RefreshAbsolute:        s.RefreshAbsolute,
		PostLogoutRedirectURIs: s.PostLogoutRedirectURIs,
		Registered:             s.Registered,
		RequirePKCE:            s.RequirePKCE || s.Registered,
		ResourceServer:         s.ResourceServer,
		CreatedAt:              now,
		UpdatedAt:              now,
	}
	if app.TokenTTL == 0 {
		app.TokenTTL = protocol.DefaultAccessTokenTTL
	}
	if app.IDTokenAlg == "" {
		app.IDTokenAlg = oidc.AlgRS256
	}
	var secret string
	if !s.Public {
		secret, app.SecretHash = NewClientSecret()
	}
	return app, secret
}

// Creator stores new apps: the part of store.Store Create uses.
type Creator interface {
	CreateApp(ctx context.Context, a store.App) error
}

// SecretRotator is the part of store.Store RotateSecret uses.
type SecretRotator interface {
	UpdateApp(ctx context.Context, clientID string, update func(*store.App) error) error
	RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error)
}

// Create validates s and stores a new app. It returns the app and its
// secret, which is shown once and never stored in the clear.
func Create(ctx context.Context, st Creator, s Spec, now time.Time) (store.App, string, error) {
	if err := s.Validate(); err != nil {
		return store.App{}, "", err
	}
	app, secret := Build(s, now)
	if err := st.CreateApp(ctx, app); err != nil {
		return store.App{}, "", err
	}
	return app, secret, nil
}

// RotateSecret gives a confidential app a new secret and revokes every
// token issued to it: whoever held the old secret loses what it got.
func RotateSecret(ctx context.Context, st SecretRotator, clientID string, now time.Time) (string, error) {
	var secret string
	err := st.UpdateApp(ctx, clientID, func(a *store.App) error {
		if a.Public {
			return fmt.Errorf("app %s is public; public apps have no secret", clientID)
		}
		secret, a.SecretHash = NewClientSecret()
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return "", err
	}
	if _, err := st.RevokeTokens(ctx, store.TokenFilter{ClientID: clientID}, now); err != nil {
		return "", fmt.Errorf("secret rotated, but revoking the app's tokens failed: %w", err)
	}
	return secret, nil
}

// Register creates the app a client asked for by dynamic registration
// (RFC 7591), already validated by protocol.ParseRegistration: owned by
// nobody and marked as registered. It returns the app and its secret (""
// for a public client), shown once.
func Register(ctx context.Context, st Creator, reg protocol.Registration, now time.Time) (store.App, string, error) {
	return Create(ctx, st, Spec{
		Name:          reg.Name,
		RedirectURIs:  reg.RedirectURIs,
		Scopes:        reg.Scopes,
		Public:        reg.Public,
		RefreshTokens: reg.RefreshTokens(),
		Registered:    true,
	}, now)
}
