package grants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// RefreshToken is the refresh_token grant (RFC 6749 §6) with rotation:
// every refresh returns a new refresh token. Presenting an already rotated
// token again within the grace window returns the very same successor pair
// (a retry, or a second replica of the client); after the window it revokes
// the whole family (RFC 9700 §4.14.2) and answers invalid_grant.
type RefreshToken struct {
	Store  RefreshStore
	Minter *Minter
}

// Type implements Grant.
func (RefreshToken) Type() string { return oidc.GrantRefreshToken }

// Policy implements Grant: a refresh names its client, a confidential one
// authenticates, and a scope parameter may narrow what was granted.
func (RefreshToken) Policy() Policy {
	return Policy{
		Required:        []Param{{"refresh_token", "refresh_token is missing"}},
		Client:          ClientIdentified,
		NoClient:        oidc.InvalidRequest("client_id is missing: a refresh names its client (and confidential clients authenticate)"),
		Unauthenticated: oidc.InvalidClient("client authentication is required for this client: send its client_secret (Basic or in the body)"),
		Scope:           ScopeNarrows,
	}
}

// Exchange implements Grant.
func (g RefreshToken) Exchange(ctx context.Context, req *Request) (*oidc.TokenResponse, *oidc.Error) {
	raw := req.RefreshToken
	hash := store.Hash(raw)
	old, err := g.Store.Token(ctx, hash)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (old.Kind != store.KindRefresh || old.ClientID != req.ClientID)) {
		return nil, oidc.InvalidGrant("the refresh token is invalid; sign in again")
	}
	if err != nil {
		return nil, oidc.ServerError(err)
	}
	now := g.Minter.Now()
	life := g.Minter.lifetimes()
	if !old.RevokedAt.IsZero() {
		return nil, oidc.InvalidGrant("the refresh token was revoked; sign in again")
	}
	if !old.RotatedAt.IsZero() {
		return g.reused(ctx, raw, old, now, life)
	}
	fam, ferr := ParseFamily(old.FamilyID)
	if ferr != nil {
		return nil, oidc.ServerError(ferr)
	}
	if !now.Before(old.ExpiresAt) || fam.Ended(now) {
		return nil, oidc.InvalidGrant("the refresh token has expired; sign in again")
	}
	scopes := old.Scopes
	if req.Scopes != nil {
		var perr *oidc.Error
		if scopes, perr = protocol.NarrowScopes(req.Scopes, old.Scopes); perr != nil {
			return nil, perr
		}
	}
	user, err := g.Store.User(ctx, old.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.InvalidGrant("the user of this refresh token no longer exists")
	}
	if err != nil {
		return nil, oidc.ServerError(err)
	}
	if e := checkAuthorizedOrgs(ctx, g.Store, *req.Client, user); e != nil {
		// The user left the orgs the app admits: the sign-in is over.
		n, err := g.Store.RevokeTokens(ctx, store.TokenFilter{FamilyID: old.FamilyID}, now)
		if err != nil {
			return nil, oidc.ServerError(err)
		}
		g.Minter.log().InfoContext(ctx, "refresh refused: the user is no longer a member of an org the app admits; revoked the family", "client_id", old.ClientID, "user_id", old.UserID, "revoked", n)
		return nil, e
	}
	issued, oerr := g.Minter.Mint(ctx, MintParams{
		App: *req.Client, User: user, Scopes: scopes, Orgs: old.Orgs, AuthTime: fam.AuthTime,
		Refresh: true, Family: fam, RefreshScopes: old.Scopes, CodeHash: old.CodeHash,
	})
	if oerr != nil {
		return nil, oerr
	}
	sealed, err := sealSuccessor(raw, issued.Response)
	if err != nil {
		return nil, oidc.ServerError(err)
	}
	stored, err := g.Store.RotateRefresh(ctx, hash, now, sealed, issued.Rows)
	switch {
	case errors.Is(err, store.ErrTokenRotated):
		// Another request rotated it first: answer as a reuse.
		return g.reused(ctx, raw, stored, now, life)
	case errors.Is(err, store.ErrNotFound):
		return nil, oidc.InvalidGrant("the refresh token was revoked; sign in again")
	case err != nil:
		return nil, oidc.ServerError(err)
	}
	return issued.Response, nil
}

// checkAuthorizedOrgs answers invalid_grant when app is restricted to
// orgs (hf_oauth_authorized_org) and user is a member of none of them.
func checkAuthorizedOrgs(ctx context.Context, st memberStore, app store.App, user store.User) *oidc.Error {
	if len(app.AuthorizedOrgs) == 0 {
		return nil
	}
	ms, err := st.Memberships(ctx, user.ID)
	if err != nil {
		return oidc.ServerError(err)
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Org.Name
	}
	if !protocol.MemberOfAny(names, app.AuthorizedOrgs) {
		return oidc.InvalidGrant(fmt.Sprintf("only members of %s may use this app, and @%s no longer is one; sign in again", protocol.OrgList(app.AuthorizedOrgs), user.Username))
	}
	return nil
}

// reused answers a rotated refresh token presented again: the same
// successor inside the grace window, family revocation after it.
func (g RefreshToken) reused(ctx context.Context, raw string, old store.Token, now time.Time, life RefreshLifetimes) (*oidc.TokenResponse, *oidc.Error) {
	if now.Sub(old.RotatedAt) <= life.Grace && len(old.Successor) > 0 {
		resp, err := openSuccessor(raw, old.Successor)
		if err == nil {
			return resp, nil
		}
		g.Minter.log().ErrorContext(ctx, "open the sealed successor of a rotated refresh token", "client_id", old.ClientID, "err", err)
	}
	n, err := g.Store.RevokeTokens(ctx, store.TokenFilter{FamilyID: old.FamilyID}, now)
	if err != nil {
		return nil, oidc.ServerError(err)
	}
	g.Minter.log().WarnContext(ctx, "rotated refresh token reused after the grace window; revoked its family", "client_id", old.ClientID, "user_id", old.UserID, "revoked", n)
	return nil, oidc.InvalidGrant("the refresh token was already used; for safety every token of this sign-in was revoked; sign in again")
}
