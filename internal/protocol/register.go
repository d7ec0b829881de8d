package protocol

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hubid/hubid/oidc"
)

// RegistrationPolicy says which clients may register themselves (RFC 7591).
type RegistrationPolicy int

const (
	// RegistrationOff: no client registers itself; admins make apps.
	RegistrationOff RegistrationPolicy = iota
	// RegistrationPublic: public clients only (no secret, PKCE), with
	// loopback or https redirect URIs.
	RegistrationPublic
	// RegistrationOpen: public and confidential clients.
	RegistrationOpen
)

func (p RegistrationPolicy) String() string {
	switch p {
	case RegistrationPublic:
		return "public"
	case RegistrationOpen:
		return "open"
	default:
		return "off"
	}
}

// ParseRegistrationPolicy reads off, public or open.
func ParseRegistrationPolicy(s string) (RegistrationPolicy, error) {
	switch s {
	case "off":
		return RegistrationOff, nil
	case "public":
		return RegistrationPublic, nil
	case "open":
		return RegistrationOpen, nil
	}
	return RegistrationOff, fmt.Errorf("registration policy %q: want off, public (public clients with PKCE only) or open (public and confidential clients)", s)
}

// Bounds of a registration request.
const (
	MaxRegistrationBody = 64 << 10
	maxClientNameLen    = 100 // bytes, as apps.Spec allows
	maxRegisteredURIs   = 10
	maxMetadataURILen   = 2000
)

// DefaultRegisteredName names a client that sent no client_name.
const DefaultRegisteredName = "Unnamed registered app"

// Registration is a validated registration request: what the server
// registers. ClientURI and LogoURI are checked but an app does not keep
// them.
type Registration struct {
	Name         string
	RedirectURIs []string
	// AuthMethod is the token endpoint auth method; Public is AuthMethod none.
	AuthMethod    string
	Public        bool
	GrantTypes    []string
	ResponseTypes []string
	// Scopes are the extra scopes the client may ask for (known names only).
	Scopes             []string
	ClientURI, LogoURI string
}

// RefreshTokens reports whether the code flow should issue refresh tokens.
func (r Registration) RefreshTokens() bool {
	return slices.Contains(r.GrantTypes, oidc.GrantRefreshToken)
}

func metadataErr(format string, args ...any) *oidc.Error {
	return oidc.NewError(oidc.CodeInvalidClientMetadata, fmt.Sprintf(format, args...))
}

func redirectErr(format string, args ...any) *oidc.Error {
	return oidc.NewError(oidc.CodeInvalidRedirectURI, fmt.Sprintf(format, args...))
}

// ParseRegistration reads and validates the JSON body of a registration
// request (RFC 7591 §2, §3.1) under policy. Metadata hubid does not know
// is ignored, as RFC 7591 §2 asks; every known field is checked, and the
// first problem is returned with its RFC 7591 error code. Defaults: grant
// type authorization_code, response type code, and token endpoint auth
// method none under the public policy (the only one it registers), the
// RFC's client_secret_basic under open.
func ParseRegistration(body []byte, policy RegistrationPolicy) (Registration, *oidc.Error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return Registration{}, metadataErr("the body is not a JSON object of client metadata (RFC 7591 §2)")
	}
	var (
		reg                         Registration
		redirects, grants, respType []string
		authMethod, name, scope     string
	)
	for _, f := range []struct {
		name string
		list *[]string
		str  *string
	}{
		{"redirect_uris", &redirects, nil},
		{"grant_types", &grants, nil},
		{"response_types", &respType, nil},
		{"token_endpoint_auth_method", nil, &authMethod},
		{"client_name", nil, &name},
		{"scope", nil, &scope},
		{"client_uri", nil, &reg.ClientURI},
		{"logo_uri", nil, &reg.LogoURI},
	} {
		raw, ok := fields[f.name]
		if !ok || string(raw) == "null" {
			continue
		}
		if f.list != nil {
			if err := json.Unmarshal(raw, f.list); err != nil {
				return Registration{}, metadataErr("%s must be an array of strings", f.name)
			}
		} else if err := json.Unmarshal(raw, f.str); err != nil {
			return Registration{}, metadataErr("%s must be a string", f.name)
		}
	}

	// Grant and response types, and how the client authenticates.
	if len(grants) == 0 {
		grants = []string{oidc.GrantAuthorizationCode}
	}
	if len(respType) == 0 && slices.Contains(grants, oidc.GrantAuthorizationCode) {
		respType = []string{oidc.ResponseTypeCode}
	}
	if authMethod == "" {
		authMethod = oidc.AuthClientSecretBasic
		if policy == RegistrationPublic {
			authMethod = oidc.AuthNone
		}
	}
	switch authMethod {
	case oidc.AuthNone:
		reg.Public = true
	case oidc.AuthClientSecretBasic, oidc.AuthClientSecretPost:
		if policy != RegistrationOpen {
			return Registration{}, metadataErr("token_endpoint_auth_method %q: this hub registers public clients only; use \"none\" and PKCE", truncate(authMethod, 64))
		}
	default:
		supported := "none (a public client with PKCE)"
		if policy == RegistrationOpen {
			supported += ", client_secret_basic or client_secret_post"
		}
		return Registration{}, metadataErr("token_endpoint_auth_method %q is not supported; use %s", truncate(authMethod, 64), supported)
	}
	reg.AuthMethod = authMethod
	var seen []string
	for _, g := range grants {
		switch g {
		case oidc.GrantAuthorizationCode, oidc.GrantRefreshToken:
		case oidc.GrantDeviceCode:
			if !reg.Public {
				return Registration{}, metadataErr("grant type %s is for public clients only (token_endpoint_auth_method none)", g)
			}
		default:
			return Registration{}, metadataErr("grant type %q is not supported; use authorization_code, refresh_token or %s", truncate(g, 64), oidc.GrantDeviceCode)
		}
		if !slices.Contains(seen, g) {
			seen = append(seen, g)
		}
	}
	reg.GrantTypes = seen
	if slices.Equal(seen, []string{oidc.GrantRefreshToken}) {
		return Registration{}, metadataErr("grant type refresh_token needs authorization_code or %s to get a first token", oidc.GrantDeviceCode)
	}
	for _, rt := range respType {
		if rt != oidc.ResponseTypeCode {
			return Registration{}, metadataErr("response type %q is not supported; use code", truncate(rt, 64))
		}
	}
	if len(respType) > 0 {
		reg.ResponseTypes = []string{oidc.ResponseTypeCode}
	}
	hasCode := slices.Contains(seen, oidc.GrantAuthorizationCode)
	if hasCode != (len(reg.ResponseTypes) > 0) {
		return Registration{}, metadataErr("grant type authorization_code and response type code go together (RFC 7591 §2.1)")
	}

	// Redirect URIs: required for the code flow; https or http on loopback.
	if len(redirects) == 0 && hasCode {
		return Registration{}, redirectErr("redirect_uris is required for the authorization_code grant: give at least one, https or http on a loopback host")
	}
	if len(redirects) > maxRegisteredURIs {
		return Registration{}, redirectErr("too many redirect_uris (%d); register at most %d", len(redirects), maxRegisteredURIs)
	}
	for _, u := range redirects {
		if err := ValidateRedirectURI(u); err != nil {
			return Registration{}, redirectErr("%s", err.Error())
		}
		if pu, _ := url.Parse(u); pu.Scheme != "https" && pu.Scheme != "http" {
			return Registration{}, redirectErr("redirect URI %q: a client registering itself may use https, or http on a loopback host, only", truncate(u, 200))
		}
		if !slices.Contains(reg.RedirectURIs, u) {
			reg.RedirectURIs = append(reg.RedirectURIs, u)
		}
	}

	// What people see: the name, and the optional pages.
	name = strings.TrimSpace(name)
	switch {
	case !utf8.ValidString(name), strings.ContainsRune(name, utf8.RuneError):
		// encoding/json turns invalid UTF-8 into U+FFFD.
		return Registration{}, metadataErr("client_name is not valid UTF-8")
	case len(name) > maxClientNameLen:
		return Registration{}, metadataErr("client_name is longer than %d bytes", maxClientNameLen)
	case strings.ContainsFunc(name, badNameRune):
		return Registration{}, metadataErr("client_name has control or bidirectional-override characters")
	case name == "":
		name = DefaultRegisteredName
	}
	reg.Name = name
	for _, f := range []struct{ field, v string }{{"client_uri", reg.ClientURI}, {"logo_uri", reg.LogoURI}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); len(f.v) > maxMetadataURILen || err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			return Registration{}, metadataErr("%s must be an absolute https URL of at most %d characters", f.field, maxMetadataURILen)
		}
	}

	// Scopes: known names only; openid and profile are always allowed.
	scopes, err := ParseScope(scope)
	if err != nil {
		return Registration{}, metadataErr("scope: %s", err.Description)
	}
	reg.Scopes = NormalizeScopes(scopes)
	return reg, nil
}

// badNameRune reports characters a name shown to people must not hold:
// controls, and the bidirectional marks and overrides that could make it
// read as another name.
func badNameRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u061c', r == '\u200e', r == '\u200f',
		r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
