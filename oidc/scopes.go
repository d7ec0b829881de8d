package oidc

import (
	"slices"
	"strings"
)

// Scope names of "Sign in with HF". OpenID and Profile are always granted to
// Space apps; the others must be asked for.
const (
	ScopeOpenID           = "openid"
	ScopeProfile          = "profile"
	ScopeEmail            = "email"
	ScopeReadBilling      = "read-billing"
	ScopeReadMemberships  = "read-memberships"
	ScopeReadRepos        = "read-repos"
	ScopeGatedRepos       = "gated-repos"
	ScopeContributeRepos  = "contribute-repos"
	ScopeWriteRepos       = "write-repos"
	ScopeManageRepos      = "manage-repos"
	ScopeReadCollections  = "read-collections"
	ScopeWriteCollections = "write-collections"
	ScopeInferenceAPI     = "inference-api"
	ScopeReadEndpoints    = "read-endpoints"
	ScopeWriteEndpoints   = "write-endpoints"
	ScopeJobs             = "jobs"
	ScopeWebhooks         = "webhooks"
	ScopeWriteDiscussions = "write-discussions"
	ScopeReadMCP          = "read-mcp"
	ScopeReadNetworkSec   = "read-network-security"
	ScopeWriteNetworkSec  = "write-network-security"
)

// ScopeInfo describes a scope for people: the consent page and error
// messages use Description.
type ScopeInfo struct {
	Name        string
	Description string
}

// scopes lists every scope of "Sign in with HF", in the order a consent page
// shows them. It is unexported so that no importer can change it; AllScopes
// returns a copy.
var scopes = []ScopeInfo{
	{ScopeOpenID, "Sign you in and confirm who you are"},
	{ScopeProfile, "See your username, full name and avatar"},
	{ScopeEmail, "See your email address"},
	{ScopeReadBilling, "See whether you have a payment method set up"},
	{ScopeReadMemberships, "See which organizations you belong to and your role in each"},
	{ScopeReadRepos, "Read your personal repositories"},
	{ScopeGatedRepos, "Read public gated repositories you were granted access to"},
	{ScopeContributeRepos, "Create repositories and access only the ones this app created"},
	{ScopeWriteRepos, "Read and write your personal repositories"},
	{ScopeManageRepos, "Manage your repositories, including creating and deleting them"},
	{ScopeReadCollections, "Read your collections"},
	{ScopeWriteCollections, "Create, change and delete your collections"},
	{ScopeInferenceAPI, "Make inference requests on your behalf, billed to you"},
	{ScopeReadEndpoints, "See your Inference Endpoints"},
	{ScopeWriteEndpoints, "Manage your Inference Endpoints"},
	{ScopeJobs, "Run Jobs on your behalf"},
	{ScopeWebhooks, "Manage your webhooks"},
	{ScopeWriteDiscussions, "Open discussions and pull requests and take part in them"},
	{ScopeReadMCP, "Use the MCP server on your behalf"},
	{ScopeReadNetworkSec, "See your network security settings"},
	{ScopeWriteNetworkSec, "Change your network security settings"},
}

var scopeIndex = func() map[string]int {
	m := make(map[string]int, len(scopes))
	for i, s := range scopes {
		m[s.Name] = i
	}
	return m
}()

// KnownScope reports whether name is a scope hubid knows.
func KnownScope(name string) bool {
	_, ok := scopeIndex[name]
	return ok
}

// ScopeDescription returns the plain-words description of a scope, or the
// name itself for an unknown one.
func ScopeDescription(name string) string {
	if i, ok := scopeIndex[name]; ok {
		return scopes[i].Description
	}
	return name
}

// AllScopes returns every known scope with its description, in consent-page
// order. The slice is a copy.
func AllScopes() []ScopeInfo { return slices.Clone(scopes) }

// ScopeNames returns every known scope name, in consent-page order.
func ScopeNames() []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = s.Name
	}
	return out
}

// ScopeOrder compares two scope names by consent-page order; unknown names
// sort last, alphabetically.
func ScopeOrder(a, b string) int {
	ia, oka := scopeIndex[a]
	ib, okb := scopeIndex[b]
	switch {
	case oka && okb:
		return ia - ib
	case oka:
		return -1
	case okb:
		return 1
	default:
		return strings.Compare(a, b)
	}
}
