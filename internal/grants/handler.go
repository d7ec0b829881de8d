package grants

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// Request is a token-endpoint request parsed once: grants read its fields,
// never the raw form.
type Request struct {
	GrantType string
	// Parameters of the grants (RFC 6749 §4.1.3, §6, RFC 8628 §3.4) and of
	// revocation and introspection (RFC 7009 §2.1, RFC 7662 §2.1); "" when
	// absent.
	Code          string
	RedirectURI   string
	CodeVerifier  string
	RefreshToken  string
	DeviceCode    string
	Token         string
	TokenTypeHint string
	// Scope is the scope parameter as sent; Scopes is what the policy made
	// of it (ScopeNarrows: the names asked for, nil without a scope
	// parameter; ScopeRequested: the scopes granted).
	Scope  string
	Scopes []string
	// ClientID is the client the request names (Basic user or client_id
	// form field); "" when it names none, as huggingface.js's requests do.
	ClientID string
	// Client is the named client, loaded; nil when ClientID is "".
	Client *store.App
	// form is the raw form, read only by Policy.check for the required
	// parameters.
	form url.Values
	// Authenticated is true when the client proved its secret.
	Authenticated bool
	// AuthMethod is how the client authenticated: client_secret_basic,
	// client_secret_post or none.
	AuthMethod string
}

// Grant is one grant type's part of the token endpoint.
type Grant interface {
	// Type is the grant_type value it handles.
	Type() string
	// Policy declares the grant's required parameters, client
	// authentication and scope rule; the Handler enforces it before
	// Exchange.
	Policy() Policy
	// Exchange validates the grant and issues tokens. It is called once
	// the request passed the grant's Policy.
	// Exchange must not change the store when it returns an error, except
	// to revoke what a replayed grant issued, or to record a device poll
	// (its time and a slowed-down interval, RFC 8628 §3.5).
	Exchange(ctx context.Context, req *Request) (*oidc.TokenResponse, *oidc.Error)
}

// Handler serves POST /oauth/token, and the revocation and introspection
// endpoints, which share its client authentication.
type Handler struct {
	Store  HandlerStore
	Issuer string
	// Limits rate-limits token requests and device authorizations per
	// (client, client IP); nil: none.
	Limits *limits.Set
	now    func() time.Time
	grants map[string]Grant
}

// NewHandler returns a token endpoint serving the given grants.
func NewHandler(st HandlerStore, issuer string, now func() time.Time, gs ...Grant) *Handler {
	h := &Handler{Store: st, Issuer: issuer, now: now, grants: make(map[string]Grant, len(gs))}
	for _, g := range gs {
		h.grants[g.Type()] = g
	}
	return h
}

// GrantTypes lists the grant types served, for discovery.
func (h *Handler) GrantTypes() []string {
	var out []string
	for _, t := range []string{oidc.GrantAuthorizationCode, oidc.GrantRefreshToken, oidc.GrantDeviceCode, oidc.GrantTokenExchange} {
		if _, ok := h.grants[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// ServeHTTP implements the token endpoint.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resp, err := h.serve(w, r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	httpx.WriteJSON(w, r, http.StatusOK, resp)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (*oidc.TokenResponse, *oidc.Error) {
	if r.URL.RawQuery != "" {
		return nil, oidc.InvalidRequest("token requests carry their parameters in the form body, not the URL")
	}
	form, err := httpx.ParseForm(w, r)
	if err != nil {
		return nil, err
	}
	gt := form.Get("grant_type")
	if gt == "" {
		return nil, oidc.InvalidRequest("grant_type is missing; use grant_type=authorization_code")
	}
	g, ok := h.grants[gt]
	if !ok {
		return nil, oidc.NewError(oidc.CodeUnsupportedGrantType, fmt.Sprintf("grant_type %q is not supported; supported: %s", truncate(gt, 80), strings.Join(h.GrantTypes(), ", ")))
	}
	req, err := h.request(r, form, g.Policy())
	if err != nil {
		return nil, err
	}
	if err := h.limit(w, r, limits.Token, req.ClientID, "token requests from this client and address"); err != nil {
		return nil, err
	}
	return g.Exchange(r.Context(), req)
}

// limit takes one event of kind for (clientID, client IP), or returns the
// 429 to send.
func (h *Handler) limit(w http.ResponseWriter, r *http.Request, kind limits.Kind, clientID, what string) *oidc.Error {
	if h.Limits == nil {
		return nil
	}
	if wait, ok := h.Limits.Allow(limits.Key{Kind: kind, Key: clientID + " " + h.Limits.ClientIP(r)}); !ok {
		return limits.TooMany(w, wait, what)
	}
	return nil
}

// request builds the typed request from form, authenticates the client and
// enforces p.
func (h *Handler) request(r *http.Request, form url.Values, p Policy) (*Request, *oidc.Error) {
	req := &Request{
		GrantType: form.Get("grant_type"), Code: form.Get("code"), RedirectURI: form.Get("redirect_uri"),
		CodeVerifier: form.Get("code_verifier"), RefreshToken: form.Get("refresh_token"),
		DeviceCode: form.Get("device_code"), Token: form.Get("token"), TokenTypeHint: form.Get("token_type_hint"),
		Scope: form.Get("scope"), form: form,
	}
	if err := h.authenticate(r, form, req); err != nil {
		return nil, err
	}
	if err := p.check(req); err != nil {
		return nil, err
	}
	return req, nil
}

// authenticate reads client credentials (RFC 6749 §2.3.1): HTTP Basic, or
// client_id and client_secret in the body, never both. It loads the named
// client and checks its secret in constant time. A request that names no
// client passes through with req.Client nil; the grant decides.
func (h *Handler) authenticate(r *http.Request, form url.Values, req *Request) *oidc.Error {
	basicID, basicSecret, hasBasic := r.BasicAuth()
	formID, formSecret := form.Get("client_id"), form.Get("client_secret")
	if hasBasic {
		// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
		var e1, e2 error
		basicID, e1 = url.QueryUnescape(basicID)
		basicSecret, e2 = url.QueryUnescape(basicSecret)
		if e1 != nil || e2 != nil {
			return oidc.InvalidClient("the Basic credentials are not form-encoded correctly")
		}
		if form.Has("client_secret") {
			return oidc.InvalidRequest("the client authenticated twice (Basic and client_secret in the body); use one method")
		}
		if formID != "" && formID != basicID {
			return oidc.InvalidRequest("client_id in the body differs from the client in the Authorization header")
		}
		req.ClientID, req.AuthMethod = basicID, oidc.AuthClientSecretBasic
	} else {
		if r.Header.Get("Authorization") != "" {
			return oidc.InvalidClient("unsupported Authorization scheme; use Basic base64(client_id:client_secret)")
		}
		req.ClientID = formID
		req.AuthMethod = oidc.AuthNone
		if formSecret != "" || form.Has("client_secret") {
			req.AuthMethod = oidc.AuthClientSecretPost
		}
		if req.ClientID == "" && req.AuthMethod == oidc.AuthClientSecretPost {
			return oidc.InvalidRequest("client_secret was sent without client_id")
		}
	}
	if req.ClientID == "" {
		return nil
	}
	app, err := h.Store.App(r.Context(), req.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return oidc.InvalidClient("unknown client; check client_id")
	}
	if err != nil {
		return oidc.ServerError(err)
	}
	if app.Disabled {
		return oidc.InvalidClient("this client is disabled")
	}
	req.Client = &app
	secret := basicSecret
	if !hasBasic {
		secret = formSecret
	}
	if req.AuthMethod == oidc.AuthNone {
		return nil
	}
	if app.Public {
		return oidc.InvalidClient("this is a public client; it has no secret, send client_id without client_secret and use PKCE")
	}
	sum := store.Hash(secret)
	if subtle.ConstantTimeCompare(sum[:], app.SecretHash[:]) != 1 {
		return oidc.InvalidClient("client authentication failed: wrong client secret")
	}
	req.Authenticated = true
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
