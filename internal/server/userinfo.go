package server

import (
	"errors"
	"net/http"
	"slices"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// bearer authenticates the request's bearer token: one of kinds, live, not
// expired, with an existing user.
func (s *Server) bearer(r *http.Request, kinds ...string) (store.Token, store.User, *oidc.Error) {
	raw := httpx.BearerToken(r)
	if raw == "" {
		return store.Token{}, store.User{}, oidc.NewError(oidc.CodeInvalidToken, "no access token: send Authorization: Bearer <token>")
	}
	if len(raw) > 512 {
		return store.Token{}, store.User{}, oidc.NewError(oidc.CodeInvalidToken, "the access token is invalid")
	}
	// A token's user cannot be missing (deleting a user deletes its
	// tokens), so one read gets both.
	t, u, err := s.store.TokenWithUser(r.Context(), store.Hash(raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !slices.Contains(kinds, t.Kind)) {
		return t, store.User{}, oidc.NewError(oidc.CodeInvalidToken, "the access token is invalid")
	}
	if err != nil {
		return t, store.User{}, oidc.ServerError(err)
	}
	now := s.now()
	switch {
	case !t.RevokedAt.IsZero():
		return t, store.User{}, oidc.NewError(oidc.CodeInvalidToken, "the access token was revoked")
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return t, store.User{}, oidc.NewError(oidc.CodeInvalidToken, "the access token has expired; sign in again")
	}
	return t, u, nil
}

// serveUserinfo is GET and POST /oauth/userinfo (OpenID Connect Core §5.3)
// with HF's extras.
func (s *Server) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	t, u, e := s.bearer(r, store.KindAccess)
	if e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	ms, err := s.store.Memberships(r.Context(), u.ID)
	if err != nil {
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	}
	httpx.WriteJSON(w, r, http.StatusOK, protocol.UserInfo(s.issuer, u, ms, t.Scopes, t.Orgs))
}
