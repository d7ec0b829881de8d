package grants

import (
	"context"
	"errors"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// AuthorizationCode is the authorization_code grant (RFC 6749 §4.1.3) with
// PKCE (RFC 7636 §4.5) and HF's quirk: huggingface.js sends no client_id
// and no client authentication, only grant_type, code, redirect_uri and
// code_verifier. Such a request is accepted for the client the code was
// issued to when the code was bound to a PKCE challenge and the verifier
// matches, even when that client has a secret.
type AuthorizationCode struct {
	Store  CodeStore
	Minter *Minter
	Codes  *Codes
}

// Type implements Grant.
func (AuthorizationCode) Type() string { return oidc.GrantAuthorizationCode }

// authCodePolicy: code and redirect_uri are required; the client
// authenticates, or proves itself with the code's PKCE binding.
var authCodePolicy = Policy{
	Required: []Param{
		{"code", "code is missing; send the code from the authorization response"},
		{"redirect_uri", "redirect_uri is missing; send the same redirect_uri as in the authorization request"},
	},
	Client:          ClientOrPKCE,
	NoClient:        oidc.InvalidClient("client authentication is required: send Authorization: Basic base64(client_id:client_secret), or use PKCE"),
	Unauthenticated: oidc.InvalidClient("client authentication is required for this client: send its client_secret (Basic or in the body), or use PKCE"),
	Scope:           ScopeFromGrant,
}

// Policy implements Grant.
func (AuthorizationCode) Policy() Policy { return authCodePolicy }

// Exchange implements Grant.
func (g AuthorizationCode) Exchange(ctx context.Context, req *Request) (*oidc.TokenResponse, *oidc.Error) {
	redirectURI, verifier := req.RedirectURI, req.CodeVerifier
	ac, err := g.Codes.Open(req.Code)
	if err != nil {
		return nil, oidc.InvalidGrant("the code is invalid or has expired; start the login again")
	}
	if req.ClientID != "" && req.ClientID != ac.ClientID {
		return nil, oidc.InvalidGrant("the code was issued to another client")
	}
	app := req.Client
	if app == nil {
		a, err := g.Store.App(ctx, ac.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, oidc.InvalidGrant("the code's client no longer exists")
		}
		if err != nil {
			return nil, oidc.ServerError(err)
		}
		app = &a
	}
	if app.Disabled {
		return nil, oidc.InvalidClient("this client is disabled")
	}
	if oerr := req.RequireClient(authCodePolicy, ac.CodeChallenge != ""); oerr != nil {
		return nil, oerr
	}
	switch {
	case ac.CodeChallenge != "" && verifier == "":
		return nil, oidc.InvalidGrant("code_verifier is missing; the authorization request used PKCE")
	case ac.CodeChallenge != "" && !protocol.VerifyPKCE(ac.CodeChallenge, verifier):
		return nil, oidc.InvalidGrant("code_verifier does not match the code_challenge of the authorization request")
	case ac.CodeChallenge == "" && verifier != "":
		return nil, oidc.InvalidGrant("code_verifier was sent but the authorization request had no code_challenge")
	}
	if redirectURI != ac.RedirectURI {
		return nil, oidc.InvalidGrant("redirect_uri does not match the one in the authorization request")
	}
	// Only now, with the client's authentication or PKCE proof checked:
	// whoever merely holds a used code (from a log, a Referer, a browser
	// history) must not be able to revoke what it issued.
	now := g.Minter.Now()
	if !now.Before(ac.ExpiresAt) {
		// A code presented after its expiry may be a late replay of one
		// that was redeemed: what it issued is revoked (RFC 6749 §4.1.2).
		if oerr := g.revokeIssued(ctx, ac); oerr != nil {
			return nil, oerr
		}
		return nil, oidc.InvalidGrant("the code has expired (codes live 60 seconds); start the login again")
	}
	user, err := g.Store.User(ctx, ac.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.InvalidGrant("the user who authorized this code no longer exists")
	}
	if err != nil {
		return nil, oidc.ServerError(err)
	}
	issued, oerr := g.Minter.Mint(ctx, MintParams{
		App: *app, User: user, Scopes: ac.Scopes, Orgs: ac.Orgs, Nonce: ac.Nonce, AuthTime: ac.AuthTime, CodeHash: ac.Hash,
		Refresh: app.RefreshTokens,
	})
	if oerr != nil {
		return nil, oerr
	}
	switch err := g.Store.RedeemCode(ctx, ac, now, issued.Rows); {
	case errors.Is(err, store.ErrCodeUsed):
		return nil, g.replayed(ctx, ac)
	case errors.Is(err, store.ErrNotFound):
		return nil, oidc.InvalidGrant("the user or client of this code no longer exists; start the login again")
	case err != nil:
		return nil, oidc.ServerError(err)
	}
	return issued.Response, nil
}

// replayed revokes what a code issued when it is presented again
// (RFC 6749 §4.1.2), and says so.
func (g AuthorizationCode) replayed(ctx context.Context, ac store.AuthCode) *oidc.Error {
	if oerr := g.revokeIssued(ctx, ac); oerr != nil {
		return oerr
	}
	return oidc.InvalidGrant("the code was already used; the tokens issued for it have been revoked")
}

// revokeIssued revokes the live tokens issued for ac, logging when there
// were any.
func (g AuthorizationCode) revokeIssued(ctx context.Context, ac store.AuthCode) *oidc.Error {
	n, err := g.Store.RevokeTokens(ctx, store.TokenFilter{CodeHash: ac.Hash}, g.Minter.Now())
	if err != nil {
		return oidc.ServerError(err)
	}
	if n > 0 {
		g.Minter.log().WarnContext(ctx, "authorization code replayed; revoked its tokens", "client_id", ac.ClientID, "user_id", ac.UserID, "revoked", n)
	}
	return nil
}
