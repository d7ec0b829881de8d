package grants

import (
	"context"
	"slices"
	"time"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// Token prefixes: HF's OAuth access tokens start with hf_oauth_.
const (
	PrefixAccessToken = "hf_oauth_"
	PrefixUserToken   = "hf_"
)

// Signer signs ID tokens (internal/keys.Manager).
type Signer interface {
	Sign(ctx context.Context, alg string, claims any) (string, error)
}

// Minter makes the tokens every grant issues.
type Minter struct {
	Issuer string
	Signer Signer
	Now    func() time.Time
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
	Nonce    string
	AuthTime time.Time
	CodeHash store.Digest
}

// Mint makes an opaque access token and, when openid was granted, an ID
// token signed with the app's algorithm: one signature per flow.
func (m *Minter) Mint(ctx context.Context, p MintParams) (*Issued, *oidc.Error) {
	now := m.Now()
	ttl := p.App.TokenTTL
	if ttl <= 0 {
		ttl = protocol.DefaultAccessTokenTTL
	}
	access, digest := store.NewSecret(PrefixAccessToken)
	resp := &oidc.TokenResponse{
		AccessToken: access,
		TokenType:   oidc.TokenTypeBearer,
		ExpiresIn:   int64(ttl / time.Second),
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
		Scopes: p.Scopes, CodeHash: p.CodeHash, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	return &Issued{Response: resp, Rows: []store.Token{row}}, nil
}
