package protocol

import (
	"slices"
	"strings"

	"github.com/hubid/hubid/oidc"
)

// orgScopes are the scopes that reach organizations as well as the user: on
// huggingface.co they apply to the orgs the user ticks on the consent page
// (or the org an app asks for with orgIds), and to no other org. Scopes
// about the person alone (openid, profile, email, read-memberships) and the
// user's own security settings do not.
var orgScopes = []string{
	oidc.ScopeReadBilling,
	oidc.ScopeReadRepos, oidc.ScopeGatedRepos, oidc.ScopeContributeRepos, oidc.ScopeWriteRepos, oidc.ScopeManageRepos,
	oidc.ScopeReadCollections, oidc.ScopeWriteCollections,
	oidc.ScopeInferenceAPI, oidc.ScopeReadEndpoints, oidc.ScopeWriteEndpoints,
	oidc.ScopeJobs, oidc.ScopeWebhooks, oidc.ScopeWriteDiscussions, oidc.ScopeReadMCP,
}

// ReachesOrgs reports whether one of scopes reaches organizations, so that
// the consent page offers the user's orgs.
func ReachesOrgs(scopes []string) bool {
	for _, s := range scopes {
		if slices.Contains(orgScopes, s) {
			return true
		}
	}
	return false
}

// OrgMember is one of the user's orgs, as the authorize decision sees it.
type OrgMember struct {
	ID   string
	Name string
	Role string
}

// OrgOffer is an org on the consent page.
type OrgOffer struct {
	OrgMember
	// Ticked: the checkbox starts ticked (the app asked for it with orgIds,
	// or the user granted it before).
	Ticked bool
	// Requested: the app named it in orgIds.
	Requested bool
	// Required: the app is restricted to it (hf_oauth_authorized_org), so
	// it is granted with the consent and cannot be unticked.
	Required bool
}

// orgGrant works out the org side of a request: which of the user's orgs
// the app restricts to (required, always granted), which it asked for with
// orgIds (requested), and which orgIds name no org of the user (missing).
// orgIds match an org's id (its sub, as HF documents) or, as a convenience,
// its name, ignoring case.
type orgGrant struct {
	reach     bool
	required  []string // org ids
	requested []string // org ids
	missing   []string // orgIds as sent
}

func newOrgGrant(s AuthorizeState) orgGrant {
	g := orgGrant{reach: ReachesOrgs(s.Granted)}
	for _, o := range s.Orgs {
		if MemberOfAny([]string{o.Name}, s.AuthorizedOrgs) {
			g.required = append(g.required, o.ID)
		}
	}
	for _, want := range s.Request.OrgIDs {
		i := slices.IndexFunc(s.Orgs, func(o OrgMember) bool { return o.ID == want || strings.EqualFold(o.Name, want) })
		switch {
		case i < 0:
			g.missing = append(g.missing, want)
		case !slices.Contains(g.requested, s.Orgs[i].ID):
			g.requested = append(g.requested, s.Orgs[i].ID)
		}
	}
	return g
}

// grant returns the org ids a grant reaches, in the user's org order: the
// required orgs, and, when the scopes reach orgs, those of chosen that the
// user is a member of.
func (g orgGrant) grant(orgs []OrgMember, chosen []string) []string {
	var out []string
	for _, o := range orgs {
		if slices.Contains(g.required, o.ID) || (g.reach && slices.Contains(chosen, o.ID)) {
			out = append(out, o.ID)
		}
	}
	return out
}

// offers lists the orgs for the consent page: every org of the user when the
// scopes reach orgs (else only the required ones), ticked when requested,
// remembered or required.
func (g orgGrant) offers(orgs []OrgMember, remembered []string) []OrgOffer {
	var out []OrgOffer
	for _, o := range orgs {
		req := slices.Contains(g.required, o.ID)
		if !g.reach && !req {
			continue
		}
		asked := slices.Contains(g.requested, o.ID)
		out = append(out, OrgOffer{OrgMember: o, Requested: asked, Required: req,
			Ticked: req || asked || slices.Contains(remembered, o.ID)})
	}
	return out
}

// newOrgs are the requested orgs the remembered consent does not hold.
func (g orgGrant) newOrgs(remembered []string) []string {
	if !g.reach {
		return nil
	}
	var out []string
	for _, id := range g.requested {
		if !slices.Contains(remembered, id) {
			out = append(out, id)
		}
	}
	return out
}

// Scope marks for the consent page: what a person should notice before
// allowing a scope.
const (
	MarkWrite     = "write"     // changes or deletes things
	MarkBilling   = "billing"   // sees payment information
	MarkInference = "inference" // spends money on the user's behalf
)

// ScopeMark returns the consent page's mark for a scope, or "" for one that
// only reads.
func ScopeMark(scope string) string {
	switch scope {
	case oidc.ScopeWriteRepos, oidc.ScopeManageRepos, oidc.ScopeContributeRepos, oidc.ScopeWriteCollections,
		oidc.ScopeWriteEndpoints, oidc.ScopeJobs, oidc.ScopeWebhooks, oidc.ScopeWriteDiscussions, oidc.ScopeWriteNetworkSec:
		return MarkWrite
	case oidc.ScopeReadBilling:
		return MarkBilling
	case oidc.ScopeInferenceAPI:
		return MarkInference
	}
	return ""
}
