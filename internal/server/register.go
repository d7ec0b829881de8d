package server

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// serveRegister is dynamic client registration (RFC 7591 §3): a client
// posts its metadata as JSON and gets a client ID (and, under the open
// policy, a secret for a confidential client, shown once). The app is
// owned by nobody and marked as registered. With registration off the
// endpoint answers 403 access_denied saying so: the route exists, the
// hub's policy refuses, and a client that shows error_description tells
// its user what to ask the admin for.
func (s *Server) serveRegister(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.registration == protocol.RegistrationOff {
		httpx.WriteError(w, r, oidc.NewError(oidc.CodeAccessDenied,
			"dynamic client registration is off on this hub; ask its admin for an app (hubid app create), or to allow registration with --registration public"))
		return
	}
	if wait, ok := s.limits.Allow(limits.Key{Kind: limits.Register, Key: s.limits.ClientIP(r)}); !ok {
		httpx.WriteError(w, r, limits.TooMany(w, wait, "client registrations from this address"))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		httpx.WriteError(w, r, oidc.NewError(oidc.CodeInvalidClientMetadata, "send the client metadata as JSON with Content-Type: application/json (RFC 7591 §3.1)"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, protocol.MaxRegistrationBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpx.WriteError(w, r, oidc.NewError(oidc.CodeInvalidClientMetadata, "the client metadata is larger than 64 KiB"))
			return
		}
		httpx.WriteError(w, r, oidc.InvalidRequest("could not read the request body"))
		return
	}
	reg, perr := protocol.ParseRegistration(body, s.registration)
	if perr != nil {
		httpx.WriteError(w, r, perr)
		return
	}
	now := s.now()
	app, secret, err := apps.Register(r.Context(), s.store, reg, now)
	if err != nil {
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	}
	s.log.InfoContext(r.Context(), "client registered", "client_id", app.ClientID, "name", app.Name,
		"public", app.Public, "ip", s.limits.ClientIP(r))
	resp := oidc.ClientRegistration{
		ClientID:                app.ClientID,
		ClientIDIssuedAt:        now.Unix(),
		ClientSecret:            secret,
		RedirectURIs:            app.RedirectURIs,
		TokenEndpointAuthMethod: reg.AuthMethod,
		GrantTypes:              reg.GrantTypes,
		ResponseTypes:           reg.ResponseTypes,
		ClientName:              app.Name,
		Scope:                   protocol.JoinScopes(app.Scopes),
	}
	if resp.RedirectURIs == nil {
		resp.RedirectURIs = []string{}
	}
	if resp.ResponseTypes == nil {
		resp.ResponseTypes = []string{}
	}
	if secret != "" {
		never := int64(0)
		resp.ClientSecretExpiresAt = &never
	}
	httpx.WriteJSON(w, r, http.StatusCreated, resp)
}

// claimRegistered makes the user who first allows a registered app that
// nobody owns its owner, so that it is listed as theirs. It runs before
// the consent is stored: a request that fails after it is retried through
// the consent form, which claims again (a no-op once owned).
func (s *Server) claimRegistered(r *http.Request, app store.App, userID string) error {
	if !app.Registered || app.OwnerID != "" {
		return nil
	}
	return s.store.UpdateApp(r.Context(), app.ClientID, func(a *store.App) error {
		if a.OwnerID == "" {
			a.OwnerID, a.UpdatedAt = userID, s.now()
		}
		return nil
	})
}
