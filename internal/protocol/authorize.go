package protocol

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hubid/hubid/oidc"
)

// Limits on authorize parameters. huggingface.js sends a JSON state that
// embeds the whole redirect URI, so state gets room.
const (
	maxStateLen    = 8192
	maxNonceLen    = 512
	maxClientIDLen = 512
	maxParamsLen   = 64
	// maxOrgIDsLen bounds orgIds (room for about 80 org ids); without a
	// bound its de-duplication is quadratic in the parameter's length.
	maxOrgIDsLen = 2048
)

// Prompt values (OpenID Connect Core §3.1.2.1).
const (
	PromptNone          = "none"
	PromptLogin         = "login"
	PromptConsent       = "consent"
	PromptSelectAccount = "select_account"
)

// AuthorizeRequest is a parsed authorization request (RFC 6749 §4.1.1,
// OpenID Connect Core §3.1.2.1, RFC 7636 §4.3).
type AuthorizeRequest struct {
	ClientID    string
	RedirectURI string // as sent; required, so "" only with a fatal error
	// ResponseType is always "code": it defaults to code when absent, as
	// huggingface.co's documented URL leaves it out.
	ResponseType string
	// Scopes as requested, known names only, first order kept; nil when the
	// scope parameter was absent.
	Scopes []string
	// State is echoed byte for byte.
	State string
	Nonce string
	// CodeChallenge is an S256 challenge, "" without PKCE.
	CodeChallenge string
	// Prompt holds the prompt values (none, login, consent, select_account).
	Prompt []string
	// MaxAge is max_age in seconds, or -1 when absent.
	MaxAge int
	// OrgIDs are the ids of orgIds, HF's request for access to given orgs.
	OrgIDs []string
}

// HasPrompt reports whether the request carries prompt value p.
func (r AuthorizeRequest) HasPrompt(p string) bool { return slices.Contains(r.Prompt, p) }

// ForcesLogin reports whether the request asks the user to authenticate
// again even with a live session: prompt=login, or prompt=select_account.
// There is no account chooser (a browser holds one session), so
// select_account is satisfied the way OpenID Connect Core §3.1.2.1 allows:
// the login page, where the user signs in with the account they choose.
// It is never advertised in discovery. With prompt=none (which cannot be
// combined with it) the parser already refuses the request.
func (r AuthorizeRequest) ForcesLogin() bool {
	return r.HasPrompt(PromptLogin) || r.HasPrompt(PromptSelectAccount)
}

// ParseAuthorize parses the parameters of an authorization request. It
// returns two kinds of error, because RFC 6749 §4.1.2.1 forbids redirecting
// to an unverified redirect URI:
//
//   - fatal: client_id or redirect_uri is missing, repeated or malformed.
//     The server must show an error page and never redirect.
//   - redirectable: anything else. Once the server has checked the client
//     and its redirect URI it sends this one back to the client.
//
// The returned request carries whatever could be read even when there is an
// error, so that the server can find the client and echo the state.
func ParseAuthorize(v url.Values) (r AuthorizeRequest, fatal, redirectable *oidc.Error) {
	r.MaxAge = -1
	if len(v) > maxParamsLen {
		return r, oidc.InvalidRequest(fmt.Sprintf("too many parameters (%d; at most %d)", len(v), maxParamsLen)), nil
	}
	one := func(name string) (string, *oidc.Error) {
		vals := v[name]
		switch len(vals) {
		case 0:
			return "", nil
		case 1:
			return vals[0], nil
		default:
			return vals[0], oidc.InvalidRequest(fmt.Sprintf("parameter %s was given %d times; send it once", name, len(vals)))
		}
	}
	var err *oidc.Error
	if r.ClientID, err = one("client_id"); err != nil {
		return r, err, nil
	}
	if r.ClientID == "" {
		return r, oidc.InvalidRequest("client_id is missing; add client_id=<your app's client id> to the authorization URL"), nil
	}
	if len(r.ClientID) > maxClientIDLen {
		return r, oidc.InvalidRequest("client_id is too long"), nil
	}
	if r.RedirectURI, err = one("redirect_uri"); err != nil {
		return r, err, nil
	}
	if r.RedirectURI == "" {
		return r, oidc.InvalidRequest("redirect_uri is missing; add redirect_uri=<one of your app's redirect URIs> to the authorization URL"), nil
	}
	if len(r.RedirectURI) > maxRedirectURILen {
		return r, oidc.InvalidRequest(fmt.Sprintf("redirect_uri is longer than %d characters", maxRedirectURILen)), nil
	}
	// From here on errors go back to the client, with the state when it is
	// readable.
	state, serr := one("state")
	r.State = state
	if serr != nil {
		r.State = ""
		return r, nil, serr
	}
	if len(r.State) > maxStateLen {
		r.State = ""
		return r, nil, oidc.InvalidRequest(fmt.Sprintf("state is longer than %d bytes", maxStateLen))
	}
	for _, name := range []string{"response_type", "scope", "nonce", "code_challenge", "code_challenge_method", "prompt", "max_age", "orgIds", "response_mode"} {
		if _, err := one(name); err != nil {
			return r, nil, err
		}
	}
	switch rt := v.Get("response_type"); rt {
	case "", oidc.ResponseTypeCode:
		r.ResponseType = oidc.ResponseTypeCode
	default:
		return r, nil, oidc.NewError(oidc.CodeUnsupportedResponseType, fmt.Sprintf("response_type %q is not supported; use response_type=code", truncate(rt, 64)))
	}
	switch rm := v.Get("response_mode"); rm {
	case "", "query":
	default:
		return r, nil, oidc.InvalidRequest(fmt.Sprintf("response_mode %q is not supported; only query is", truncate(rm, 64)))
	}
	if _, ok := v["scope"]; ok {
		if r.Scopes, err = ParseScope(v.Get("scope")); err != nil {
			return r, nil, err
		}
	}
	r.Nonce = v.Get("nonce")
	if len(r.Nonce) > maxNonceLen {
		return r, nil, oidc.InvalidRequest(fmt.Sprintf("nonce is longer than %d bytes", maxNonceLen))
	}
	challenge, method := v.Get("code_challenge"), v.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return r, nil, oidc.InvalidRequest("code_challenge_method was sent without code_challenge")
	case challenge == "":
	case method == "plain" || method == "":
		return r, nil, oidc.InvalidRequest("PKCE method plain is not supported; send code_challenge_method=S256 with code_challenge=BASE64URL(SHA256(code_verifier))")
	case method != oidc.PKCEMethodS256:
		return r, nil, oidc.InvalidRequest(fmt.Sprintf("code_challenge_method %q is not supported; use S256", truncate(method, 32)))
	case !ValidCodeChallenge(challenge):
		return r, nil, oidc.InvalidRequest("code_challenge must be 43 base64url characters: BASE64URL(SHA256(code_verifier)) without padding")
	default:
		r.CodeChallenge = challenge
	}
	if p := v.Get("prompt"); p != "" {
		for _, val := range strings.Fields(p) {
			switch val {
			case PromptNone, PromptLogin, PromptConsent, PromptSelectAccount:
				if !slices.Contains(r.Prompt, val) {
					r.Prompt = append(r.Prompt, val)
				}
			default:
				return r, nil, oidc.InvalidRequest(fmt.Sprintf("prompt value %q is not supported; use none, login or consent", truncate(val, 32)))
			}
		}
		if r.HasPrompt(PromptNone) && len(r.Prompt) > 1 {
			return r, nil, oidc.InvalidRequest("prompt=none cannot be combined with other prompt values")
		}
	}
	if ma := v.Get("max_age"); ma != "" {
		n, perr := strconv.Atoi(ma)
		if perr != nil || n < 0 {
			return r, nil, oidc.InvalidRequest("max_age must be a non-negative number of seconds")
		}
		r.MaxAge = n
	}
	if o := v.Get("orgIds"); o != "" {
		if len(o) > maxOrgIDsLen {
			return r, nil, oidc.InvalidRequest(fmt.Sprintf("orgIds is longer than %d bytes", maxOrgIDsLen))
		}
		for _, id := range strings.Split(o, ",") {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(r.OrgIDs, id) {
				r.OrgIDs = append(r.OrgIDs, id)
			}
		}
	}
	return r, nil, nil
}

// ErrorRedirect builds the URL that sends an authorization error back to a
// validated redirect URI: error, error_description, state and iss added to
// its query (RFC 6749 §4.1.2.1, RFC 9207). The redirect URI's own query is kept.
func ErrorRedirect(redirectURI string, e *oidc.Error, state, iss string) (string, error) {
	q := url.Values{"error": {string(e.Code)}}
	if e.Description != "" {
		q.Set("error_description", e.Description)
	}
	return AppendQuery(redirectURI, withStateIss(q, state, iss))
}

// CodeRedirect builds the success redirect: code, state and iss added to
// the redirect URI's query.
func CodeRedirect(redirectURI, code, state, iss string) (string, error) {
	return AppendQuery(redirectURI, withStateIss(url.Values{"code": {code}}, state, iss))
}

// withStateIss adds state, when the client sent one, and iss, the
// issuer (RFC 9207: a client talking to several providers checks that the
// answer comes from the one it asked; "" leaves it out).
func withStateIss(q url.Values, state, iss string) url.Values {
	if state != "" {
		q.Set("state", state)
	}
	if iss != "" {
		q.Set("iss", iss)
	}
	return q
}

// AppendQuery adds params to u's query string, keeping what is there.
func AppendQuery(u string, params url.Values) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	add := params.Encode()
	if parsed.RawQuery == "" {
		parsed.RawQuery = add
	} else {
		parsed.RawQuery += "&" + add
	}
	return parsed.String(), nil
}
