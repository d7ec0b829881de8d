package grants

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// endpointRequest runs the phases the device authorization, revocation and
// introspection endpoints share with the token endpoint: form parsing,
// client authentication, and the endpoint's policy.
func (h *Handler) endpointRequest(w http.ResponseWriter, r *http.Request, p Policy) (*Request, *oidc.Error) {
	if r.URL.RawQuery != "" {
		return nil, oidc.InvalidRequest("parameters go in the form body, not the URL")
	}
	form, err := httpx.ParseForm(w, r)
	if err != nil {
		return nil, err
	}
	return h.request(r, form, p)
}

// revokePolicy: confidential clients authenticate, public clients send
// client_id (RFC 7009 §2.1).
var revokePolicy = Policy{
	Client:          ClientIdentified,
	NoClient:        oidc.InvalidClient("client authentication is required: Basic, client_secret in the body, or client_id for a public client"),
	Unauthenticated: oidc.InvalidClient("client authentication is required for this client"),
}

// introspectPolicy: resource servers authenticate as confidential clients
// (RFC 7662 §2.1).
var introspectPolicy = Policy{
	Client:          ClientConfidential,
	NoClient:        oidc.InvalidClient("introspection needs an authenticated confidential client (Basic or client_secret in the body)"),
	Unauthenticated: oidc.InvalidClient("introspection needs an authenticated confidential client (Basic or client_secret in the body)"),
}

// ServeRevoke is POST /oauth/revoke (RFC 7009). Confidential clients
// authenticate, public clients send client_id. Revoking a refresh token
// revokes its whole family; revoking an access token revokes that token.
// Unknown tokens, and tokens of another client, get 200 and change
// nothing, so the endpoint tells no one whether a token exists. A user
// access token (hf_…) is treated as another client's: RFC 7009 §2.1 has a
// client revoke its own tokens, and an hf_ token belongs to none. Its
// owner revokes it on /settings/tokens or with `hubid token revoke`, and
// anyone who found it reports it at POST /api/credentials/revoke.
func (h *Handler) ServeRevoke(w http.ResponseWriter, r *http.Request) {
	req, e := h.endpointRequest(w, r, revokePolicy)
	if e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	raw := req.Token
	if raw == "" {
		httpx.WriteError(w, r, oidc.InvalidRequest("token is missing"))
		return
	}
	if hint := req.TokenTypeHint; hint != "" && hint != "access_token" && hint != "refresh_token" {
		httpx.WriteError(w, r, oidc.NewError("unsupported_token_type", "token_type_hint must be access_token or refresh_token"))
		return
	}
	t, err := h.Store.Token(r.Context(), store.Hash(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	case t.ClientID != req.ClientID || t.Kind == store.KindUser:
	default:
		f := store.TokenFilter{Hash: t.Hash}
		if t.Kind == store.KindRefresh && t.FamilyID != "" {
			f = store.TokenFilter{FamilyID: t.FamilyID}
		}
		if _, err := h.Store.RevokeTokens(r.Context(), f, h.now()); err != nil {
			httpx.WriteError(w, r, oidc.ServerError(err))
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// TokenTypeRefresh is introspection's token_type for a refresh token.
// RFC 6749 defines no token type for refresh tokens; this value is not
// "bearer" on purpose, so resource servers refuse it.
const TokenTypeRefresh = "refresh_token"

// Introspection is the RFC 7662 answer.
type Introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Username  string `json:"username,omitempty"`
	Sub       string `json:"sub,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Iss       string `json:"iss,omitempty"`
	// Orgs are the orgs the token's grant reaches (the user ticked them at
	// consent and is still a member), so a resource server can refuse an
	// org it was not granted. An extension member (RFC 7662 §2.2).
	Orgs []IntrospectedOrg `json:"orgs,omitempty"`
}

// IntrospectedOrg is an org a token's grant reaches: its id (userinfo's
// sub) and handle (userinfo's preferred_username).
type IntrospectedOrg struct {
	Sub  string `json:"sub"`
	Name string `json:"preferred_username"`
}

// ServeIntrospect is POST /oauth/introspect (RFC 7662) for resource
// servers, which authenticate as confidential clients. An app introspects
// its own tokens; an app marked as a resource server, any app's. It answers for
// OAuth access and refresh tokens; anything unknown, expired or revoked is
// {"active": false}. token_type tells the two apart: an access token is
// "bearer" (RFC 7662 §2.2 uses the token types of RFC 6749 §5.1, spelled
// lowercase as HF does), a refresh token "refresh_token", which no
// resource server may accept as a bearer credential.
func (h *Handler) ServeIntrospect(w http.ResponseWriter, r *http.Request) {
	req, e := h.endpointRequest(w, r, introspectPolicy)
	if e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	raw := req.Token
	if raw == "" {
		httpx.WriteError(w, r, oidc.InvalidRequest("token is missing"))
		return
	}
	ans := Introspection{}
	t, err := h.Store.Token(r.Context(), store.Hash(raw))
	now := h.now()
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	case t.Kind == store.KindUser, !t.RevokedAt.IsZero(), !t.RotatedAt.IsZero(), !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
	case t.ClientID != req.ClientID && !req.Client.ResourceServer:
		// Another app's token: only a registered resource server may learn
		// about it (hubid app create --resource-server); to others it is
		// as unknown as a token that does not exist.
	default:
		u, err := h.Store.User(r.Context(), t.UserID)
		if err != nil {
			break
		}
		ans = Introspection{
			Active: true, Scope: strings.Join(t.Scopes, " "), ClientID: t.ClientID, Username: u.Username, Sub: u.ID,
			Exp: t.ExpiresAt.Unix(), Iat: t.CreatedAt.Unix(), TokenType: oidc.TokenTypeBearer, Iss: h.Issuer,
		}
		if t.Kind == store.KindRefresh {
			ans.TokenType = TokenTypeRefresh
		}
		if len(t.Orgs) > 0 {
			ms, err := h.Store.Memberships(r.Context(), t.UserID)
			if err != nil {
				httpx.WriteError(w, r, oidc.ServerError(err))
				return
			}
			for _, m := range ms {
				if slices.Contains(t.Orgs, m.Org.ID) {
					ans.Orgs = append(ans.Orgs, IntrospectedOrg{Sub: m.Org.ID, Name: m.Org.Name})
				}
			}
		}
	}
	httpx.WriteJSON(w, r, http.StatusOK, ans)
}
