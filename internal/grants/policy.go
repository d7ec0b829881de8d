package grants

import (
	"strings"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/oidc"
)

// ClientAuth says which clients may use a grant or endpoint.
type ClientAuth int

const (
	// ClientIdentified: the request names its client; a confidential
	// client proves its secret, a public client sends its client_id alone
	// (refresh, device code, device authorization, revocation).
	ClientIdentified ClientAuth = iota
	// ClientConfidential: only a confidential client that proved its
	// secret (introspection, for resource servers).
	ClientConfidential
	// ClientOrPKCE: as ClientIdentified, except that a client that does
	// not authenticate, or a request that names no client at all
	// (huggingface.js), may instead prove itself with the PKCE verifier of
	// a code bound to a challenge. Which one applies is known only once the
	// code is opened, so the grant calls Request.RequireClient with it
	// (authorization_code).
	ClientOrPKCE
)

// ScopePolicy says what a request's scope parameter means to a grant.
type ScopePolicy int

const (
	// ScopeFromGrant: the scopes are those of what is redeemed (a code, a
	// device code); a scope parameter is not read.
	ScopeFromGrant ScopePolicy = iota
	// ScopeNarrows: a scope parameter may narrow what was granted, never
	// widen it (refresh, RFC 6749 §6). The grant narrows against the
	// token it redeems.
	ScopeNarrows
	// ScopeRequested: a scope parameter asks for scopes within the app's;
	// without one the app's scopes are asked for (device authorization).
	// An unknown scope name is invalid_request, as huggingface.co answers.
	ScopeRequested
)

// Param is a form parameter a grant requires, with the description of the
// invalid_request answered when it is missing.
type Param struct {
	Name    string
	Missing string
}

// Policy is what a grant or endpoint declares; the Handler enforces it
// before the grant runs, so no grant checks client authentication or
// required parameters by hand.
type Policy struct {
	// Required parameters, checked in order after client authentication.
	Required []Param
	Client   ClientAuth
	// NoClient is the error when the request names no client (under
	// ClientIdentified and ClientConfidential, or ClientOrPKCE without a
	// PKCE-bound code).
	NoClient *oidc.Error
	// Unauthenticated is the error when a confidential client did not
	// prove its secret.
	Unauthenticated *oidc.Error
	Scope           ScopePolicy
}

// check enforces the policy on req, whose client authentication has run:
// required parameters, the client rule and the scope parameter.
func (p Policy) check(req *Request) *oidc.Error {
	for _, prm := range p.Required {
		if req.form.Get(prm.Name) == "" {
			return oidc.InvalidRequest(prm.Missing)
		}
	}
	switch p.Client {
	case ClientIdentified, ClientConfidential:
		if err := req.RequireClient(p, false); err != nil {
			return err
		}
		if p.Client == ClientConfidential && (req.Client.Public || !req.Authenticated) {
			return fresh(p.Unauthenticated)
		}
	}
	switch p.Scope {
	case ScopeNarrows:
		if s := req.Scope; s != "" {
			asked, err := protocol.ParseScope(s)
			if err != nil {
				return err
			}
			req.Scopes = asked
		}
	case ScopeRequested:
		if req.Client == nil {
			break
		}
		req.Scopes = protocol.NormalizeScopes(req.Client.Scopes)
		if s := strings.TrimSpace(req.Scope); s != "" {
			asked, err := protocol.ParseScope(s)
			if err != nil {
				return oidc.InvalidRequest(err.Description)
			}
			if req.Scopes, err = protocol.GrantScopes(asked, req.Client.Scopes); err != nil {
				return err
			}
		}
	}
	return nil
}

// RequireClient applies the client rule: the request names a client, and a
// confidential one authenticated. pkce says the request proved itself with
// a PKCE verifier bound to what it redeems, which under ClientOrPKCE
// stands in for both.
func (r *Request) RequireClient(p Policy, pkce bool) *oidc.Error {
	if p.Client == ClientOrPKCE && pkce {
		return nil
	}
	if r.Client == nil {
		return fresh(p.NoClient)
	}
	if !r.Authenticated && !r.Client.Public {
		return fresh(p.Unauthenticated)
	}
	return nil
}

// fresh copies a declared error, so that no caller holds the policy's own.
func fresh(e *oidc.Error) *oidc.Error {
	c := *e
	return &c
}
