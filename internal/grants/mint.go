package grants

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// Token prefixes: HF's OAuth access tokens start with hf_oauth_.
const (
	PrefixAccessToken  = "hf_oauth_"
	PrefixRefreshToken = "hf_oauth_refresh_"
	PrefixUserToken    = "hf_"
)

// Signer signs ID tokens (internal/keys.Manager).
type Signer interface {
	Sign(ctx context.Context, alg string, claims any) (string, error)
}

// Minter makes the tokens every grant issues.
type Minter struct {
	Issuer  string
	Signer  Signer
	Now     func() time.Time
	Refresh RefreshLifetimes // zero fields take the defaults
	// Log receives the grants' security events (replayed codes, reused
	// refresh tokens); nil discards them.
	Log *slog.Logger
}

// log returns m.Log, or a logger that discards.
func (m *Minter) log() *slog.Logger {
	if m.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Log
}

// Issued is a minted response and the token rows to store with it.
type Issued struct {
	Response *oidc.TokenResponse
	Rows     []store.Token
}

// MintParams says what to mint.
type MintParams struct {
	App      store.App
	User     store.User
	Scopes   []string // granted
	Orgs     []string // ids of the orgs the grant reaches
	Nonce    string
	AuthTime time.Time
	CodeHash store.Digest
	// Refresh asks for a refresh token as well. Family continues an
	// existing refresh family (a rotation); the zero Family starts a new one.
	Refresh bool
	Family  Family
	// RefreshScopes are the scopes of the refresh token when they differ
	// from Scopes (a refresh that narrowed the access token's scopes keeps
	// the refresh token's own, RFC 6749 §6).
	RefreshScopes []string
}

// Mint makes an opaque access token and, when openid was granted, an ID
// token signed with the app's algorithm: one signature per flow.
func (m *Minter) Mint(ctx context.Context, p MintParams) (*Issued, *oidc.Error) {
	now := m.Now()
	ttl := p.App.TokenTTL
	if ttl <= 0 {
		ttl = protocol.DefaultAccessTokenTTL
	}
	// With a refresh token the access token belongs to a family, and
	// never outlives it: a refresh late in the family gets a shorter
	// access token, and its expires_in says so.
	var fam Family
	if p.Refresh {
		fam = p.Family
		if fam.ID == "" {
			var end time.Time
			if abs := m.appLifetimes(p.App).Absolute; abs != store.NoRefreshLimit {
				end = now.Add(protocol.RefreshAbsolute(abs, ttl))
			}
			fam = NewFamily(p.AuthTime, end)
		}
	}
	expires := protocol.CapAccessExpiry(now, ttl, fam.Expires)
	access, digest := store.NewSecret(PrefixAccessToken)
	resp := &oidc.TokenResponse{
		AccessToken: access,
		TokenType:   oidc.TokenTypeBearer,
		ExpiresIn:   int64(expires.Sub(now) / time.Second),
		Scope:       protocol.JoinScopes(p.Scopes),
	}
	if slices.Contains(p.Scopes, oidc.ScopeOpenID) {
		claims := protocol.IDTokenClaims(protocol.IDTokenParams{
			Issuer: m.Issuer, User: p.User, ClientID: p.App.ClientID, Scopes: p.Scopes,
			Nonce: p.Nonce, AuthTime: p.AuthTime, Now: now,
		})
		alg := p.App.IDTokenAlg
		if alg == "" {
			alg = oidc.AlgRS256
		}
		idt, err := m.Signer.Sign(ctx, alg, claims)
		if err != nil {
			return nil, oidc.ServerError(err)
		}
		resp.IDToken = idt
	}
	row := store.Token{
		Hash: digest, Kind: store.KindAccess, UserID: p.User.ID, ClientID: p.App.ClientID,
		Scopes: p.Scopes, Orgs: p.Orgs, CodeHash: p.CodeHash, CreatedAt: now, ExpiresAt: expires,
	}
	issued := &Issued{Response: resp, Rows: []store.Token{row}}
	if p.Refresh {
		scopes := p.RefreshScopes
		if scopes == nil {
			scopes = p.Scopes
		}
		refresh, rdigest := store.NewSecret(PrefixRefreshToken)
		resp.RefreshToken = refresh
		issued.Rows[0].FamilyID = fam.ID
		issued.Rows = append(issued.Rows, store.Token{
			Hash: rdigest, Kind: store.KindRefresh, UserID: p.User.ID, ClientID: p.App.ClientID,
			Scopes: scopes, Orgs: p.Orgs, CodeHash: p.CodeHash, FamilyID: fam.ID, CreatedAt: now,
			ExpiresAt: capTime(now.Add(protocol.RefreshIdle(m.appLifetimes(p.App).Idle, ttl)), fam.Expires),
		})
	}
	return issued, nil
}

// capTime returns t, or end when end is set and earlier.
func capTime(t, end time.Time) time.Time {
	if !end.IsZero() && end.Before(t) {
		return end
	}
	return t
}

// appLifetimes are the refresh windows for app: the app's own where it
// sets them (store.App.RefreshIdle, RefreshAbsolute), else the hub's.
func (m *Minter) appLifetimes(app store.App) RefreshLifetimes {
	l := m.lifetimes()
	if app.RefreshIdle > 0 {
		l.Idle = app.RefreshIdle
	}
	if app.RefreshAbsolute != 0 {
		l.Absolute = app.RefreshAbsolute
	}
	return l
}

// RefreshLifetimes bound refresh-token families. Absolute and Idle are
// floors: for an app whose access tokens live longer, a family lives at
// least twice the access-token lifetime and an unused refresh token at
// least that lifetime plus a day (protocol.RefreshAbsolute,
// protocol.RefreshIdle), so a refresh token always outlives the access
// token it comes with.
type RefreshLifetimes struct {
	// Absolute is how long a family lives from the login that started it
	// (default 30 days): then the user signs in again. No access token of
	// the family expires after it.
	Absolute time.Duration
	// Idle is how long an unused refresh token stays valid (default 14
	// days); each rotation starts it again, never past Absolute.
	Idle time.Duration
	// Grace is how long after a rotation the old refresh token still gets
	// the same successor pair (default 10 s), so that a retried request or
	// a second replica of a client does not sign the user out.
	Grace time.Duration
}

// DefaultRefreshLifetimes are the defaults of RefreshLifetimes.
var DefaultRefreshLifetimes = RefreshLifetimes{Absolute: 30 * 24 * time.Hour, Idle: 14 * 24 * time.Hour, Grace: 10 * time.Second}

func (m *Minter) lifetimes() RefreshLifetimes {
	l := m.Refresh
	d := DefaultRefreshLifetimes
	if l.Absolute <= 0 {
		l.Absolute = d.Absolute
	}
	if l.Idle <= 0 {
		l.Idle = d.Idle
	}
	if l.Grace <= 0 {
		l.Grace = d.Grace
	}
	return l
}
