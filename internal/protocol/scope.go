package protocol

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hubid/hubid/oidc"
)

// maxScopeLen bounds the scope parameter.
const maxScopeLen = 1024

// ParseScope splits a space-separated scope parameter (RFC 6749 §3.3) into
// names, dropping duplicates and keeping the first order. Runs of spaces are
// tolerated. Every name must be a known scope; the error lists the valid ones.
func ParseScope(s string) ([]string, *oidc.Error) {
	if len(s) > maxScopeLen {
		return nil, oidc.InvalidScope(fmt.Sprintf("scope is longer than %d characters", maxScopeLen))
	}
	var out []string
	for _, name := range strings.Split(s, " ") {
		if name == "" || slices.Contains(out, name) {
			continue
		}
		if !oidc.KnownScope(name) {
			return nil, oidc.InvalidScope(fmt.Sprintf("unknown scope %q; valid scopes are: %s", truncate(name, 64), strings.Join(oidc.ScopeNames(), " ")))
		}
		out = append(out, name)
	}
	return out, nil
}

// ImpliedScopes are granted to every app whether asked for or not, as
// huggingface.co does for Spaces.
var ImpliedScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile}

// GrantScopes decides what a request for requested gets from an app allowed
// the scopes in allowed: openid and profile always, plus every requested
// scope, each of which must be allowed. The result is in canonical order.
// A scope the app was not given is invalid_scope, with a description that
// says how to give it.
func GrantScopes(requested, allowed []string) ([]string, *oidc.Error) {
	granted := slices.Clone(ImpliedScopes)
	for _, s := range requested {
		if slices.Contains(granted, s) {
			continue
		}
		if !slices.Contains(allowed, s) {
			return nil, oidc.InvalidScope(fmt.Sprintf("this app was not given the scope %q; its scopes are: %s (add it to the app's scopes, or to hf_oauth_scopes for a Space)", s, strings.Join(NormalizeScopes(allowed), " ")))
		}
		granted = append(granted, s)
	}
	return NormalizeScopes(granted), nil
}

// NormalizeScopes returns scopes with openid and profile added, duplicates
// removed, in canonical (consent-page) order.
func NormalizeScopes(scopes []string) []string {
	out := slices.Clone(ImpliedScopes)
	for _, s := range scopes {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, oidc.ScopeOrder)
	return out
}

// NarrowScopes returns the subset of granted that requested names; a
// requested scope outside granted is invalid_scope (RFC 6749 §6: a refresh
// may narrow, never widen).
func NarrowScopes(requested, granted []string) ([]string, *oidc.Error) {
	var out []string
	for _, s := range requested {
		if !slices.Contains(granted, s) {
			return nil, oidc.InvalidScope(fmt.Sprintf("scope %q was not granted; it can only be narrowed to some of: %s", s, strings.Join(granted, " ")))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, oidc.ScopeOrder)
	return out, nil
}

// Covers reports whether a consent to consented covers every scope in want
// (openid and profile are implied by any consent).
func Covers(consented, want []string) bool {
	for _, s := range want {
		if !slices.Contains(consented, s) && !slices.Contains(ImpliedScopes, s) {
			return false
		}
	}
	return true
}

// JoinScopes renders scopes as the space-separated scope parameter.
func JoinScopes(scopes []string) string { return strings.Join(scopes, " ") }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
