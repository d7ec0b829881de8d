package server

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/oidc"
)

// Discovery returns the provider metadata. Only what is implemented is
// advertised (prompt=select_account is accepted and handled like login, but
// there is no account chooser to advertise). RS256 comes first: openid-client takes the first algorithm.
func (s *Server) Discovery() oidc.Discovery {
	d := oidc.Discovery{
		Issuer:                            s.issuer,
		AuthorizationEndpoint:             s.issuer + "/oauth/authorize",
		TokenEndpoint:                     s.issuer + "/oauth/token",
		UserinfoEndpoint:                  s.issuer + "/oauth/userinfo",
		JWKSURI:                           s.issuer + "/oauth/jwks",
		DeviceAuthorizationEndpoint:       s.issuer + "/oauth/device",
		RevocationEndpoint:                s.issuer + "/oauth/revoke",
		IntrospectionEndpoint:             s.issuer + "/oauth/introspect",
		EndSessionEndpoint:                s.issuer + "/oauth/logout",
		ResponseTypesSupported:            []string{oidc.ResponseTypeCode},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               s.token.GrantTypes(),
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{oidc.AlgRS256, oidc.AlgES256},
		CodeChallengeMethodsSupported:     []string{oidc.PKCEMethodS256},
		TokenEndpointAuthMethodsSupported: []string{oidc.AuthClientSecretBasic, oidc.AuthClientSecretPost, oidc.AuthNone},
		ScopesSupported:                   oidc.ScopeNames(),
		ClaimsSupported:                   protocol.ClaimsSupported(),
		PromptValuesSupported:             []string{"none", "login", "consent"},

		AuthorizationResponseIssParameterSupported: true,
	}
	if s.registration != protocol.RegistrationOff {
		d.RegistrationEndpoint = s.issuer + "/oauth/register"
	}
	return d
}

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSON(w, r, http.StatusOK, s.Discovery())
}

// serveAuthorizationServer serves the RFC 8414 metadata, derived from the
// OpenID discovery document.
func (s *Server) serveAuthorizationServer(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSON(w, r, http.StatusOK, s.Discovery().AuthorizationServer())
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	body, err := s.keys.JWKSJSON(r.Context())
	if err != nil {
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	}
	if !json.Valid(body) {
		httpx.WriteError(w, r, oidc.ServerError(errString("JWKS is not valid JSON")))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

type errString string

func (e errString) Error() string { return string(e) }
