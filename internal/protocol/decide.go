package protocol

import (
	"fmt"
	"strings"
	"time"

	"github.com/hubid/hubid/oidc"
)

// Outcome is what the authorization endpoint does with a request.
type Outcome int

const (
	// OutcomeLogin sends the browser to the login page, which comes back
	// to the same request.
	OutcomeLogin Outcome = iota + 1
	// OutcomeConsent shows the consent page.
	OutcomeConsent
	// OutcomeDeny sends Decision.Error back to the (validated) redirect URI.
	OutcomeDeny
	// OutcomeRefuse shows a readable error page and sends the browser
	// nowhere: the consent form posted was not one this hub made for this
	// session and request.
	OutcomeRefuse
	// OutcomeIssue issues an authorization code.
	OutcomeIssue
)

func (o Outcome) String() string {
	switch o {
	case OutcomeLogin:
		return "login"
	case OutcomeConsent:
		return "consent"
	case OutcomeDeny:
		return "deny"
	case OutcomeRefuse:
		return "refuse"
	case OutcomeIssue:
		return "issue"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// ConsentAnswer is what a posted consent form says.
type ConsentAnswer int

const (
	// NoConsentForm: the request did not come from the consent form.
	NoConsentForm ConsentAnswer = iota
	// ConsentAllowed: the user pressed Allow.
	ConsentAllowed
	// ConsentDenied: the user pressed Deny (or sent any other value).
	ConsentDenied
)

// AuthorizeState is everything the authorize decision depends on, resolved
// by the server from a request whose client and redirect URI are valid.
type AuthorizeState struct {
	Request AuthorizeRequest
	// Granted are the scopes the request gets from the app (GrantScopes).
	Granted []string
	Now     time.Time

	// SignedIn says the browser has a hub session; the fields below it are
	// read only then.
	SignedIn bool
	Username string
	AuthTime time.Time
	// Reauthenticated says a login was made for exactly this request, in
	// its window (the server checks the proof), which satisfies
	// prompt=login, prompt=select_account and max_age.
	Reauthenticated bool

	// AuthorizedOrgs is the app's org restriction (hf_oauth_authorized_org):
	// only members of one of them may sign in, and those of the user's orgs
	// are granted with the consent.
	AuthorizedOrgs []string
	// Orgs are the user's orgs, in the order pages show them. They are read
	// only when the app is restricted to orgs or the granted scopes reach
	// orgs (ReachesOrgs); otherwise nil.
	Orgs []OrgMember

	// Answer is the consent form's answer; FormValid says the form was
	// made by this hub for this session, client, redirect URI and scopes.
	// FormOrgs are the org ids the user ticked on it.
	Answer    ConsentAnswer
	FormValid bool
	FormOrgs  []string
	// Consented says the user allowed this app before, Remembered which
	// scopes and RememberedOrgs which orgs; read only when the request did
	// not come from the form.
	Consented      bool
	Remembered     []string
	RememberedOrgs []string
}

// Decision is the outcome of an authorization request.
type Decision struct {
	Outcome Outcome
	// Error is sent back to the client with OutcomeDeny.
	Error *oidc.Error
	// Remember says the consent just given is to be recorded before the
	// code is issued: the scopes added to what the user allowed before, the
	// orgs as the user ticked them.
	Remember bool
	// Orgs are the ids of the orgs the grant reaches (OutcomeIssue).
	Orgs []string

	// For OutcomeConsent: the orgs the page offers, the orgIds the user is
	// not a member of (granted nothing), and what is new against a
	// remembered consent (scopes and org ids), so the page can say so.
	Offers      []OrgOffer
	MissingOrgs []string
	NewScopes   []string
	NewOrgs     []string
}

// DecideAuthorize is the provider's main decision, made in this order:
//
//  1. Authentication: without a session, with prompt=login or
//     select_account, or with a session older than max_age, the user signs
//     in first, unless a login was just made for this very request;
//     prompt=none answers login_required instead.
//  2. The app's org restriction: a user in none of its orgs is denied
//     (access_denied, naming the orgs), before any consent is asked.
//  3. A posted consent form: one this hub did not make for this session is
//     refused with a page; Deny is access_denied; Allow records the consent
//     (scopes and ticked orgs) and issues a code.
//  4. Remembered consent: issued at once when the user allowed these scopes
//     and every org the app asks for with orgIds before, unless
//     prompt=consent; otherwise the consent page, or consent_required for
//     prompt=none.
//
// Orgs: when the granted scopes reach orgs (ReachesOrgs), the grant reaches
// the orgs the user ticked (on the form) or granted before (remembered),
// among those the user is still a member of; the orgs of the app's
// restriction are always granted; nothing else is.
func DecideAuthorize(s AuthorizeState) Decision {
	req := s.Request
	needLogin := !s.SignedIn ||
		(req.ForcesLogin() && !s.Reauthenticated) ||
		(req.MaxAge >= 0 && !s.Reauthenticated && s.Now.Sub(s.AuthTime) > time.Duration(req.MaxAge)*time.Second)
	if needLogin {
		if req.HasPrompt(PromptNone) {
			return deny(oidc.NewError(oidc.CodeLoginRequired, "the user is not signed in to the hub"))
		}
		return Decision{Outcome: OutcomeLogin}
	}
	if len(s.AuthorizedOrgs) > 0 && !MemberOfAny(orgNames(s.Orgs), s.AuthorizedOrgs) {
		return deny(oidc.NewError(oidc.CodeAccessDenied, fmt.Sprintf("only members of %s may sign in to this app; @%s is not a member", OrgList(s.AuthorizedOrgs), s.Username)))
	}
	og := newOrgGrant(s)
	switch s.Answer {
	case ConsentAllowed, ConsentDenied:
		if !s.FormValid {
			return Decision{Outcome: OutcomeRefuse}
		}
		if s.Answer == ConsentDenied {
			return deny(oidc.NewError(oidc.CodeAccessDenied, "The user denied the request"))
		}
		return Decision{Outcome: OutcomeIssue, Remember: true, Orgs: og.grant(s.Orgs, s.FormOrgs)}
	}
	newOrgs := og.newOrgs(s.RememberedOrgs)
	if !s.Consented || !Covers(s.Remembered, s.Granted) || len(newOrgs) > 0 || req.HasPrompt(PromptConsent) {
		if req.HasPrompt(PromptNone) {
			return deny(oidc.NewError(oidc.CodeConsentRequired, "the user has not authorized this app for these scopes"))
		}
		d := Decision{Outcome: OutcomeConsent, Offers: og.offers(s.Orgs, s.RememberedOrgs), MissingOrgs: og.missing}
		if s.Consented {
			d.NewScopes = newScopes(s.Remembered, s.Granted)
			d.NewOrgs = newOrgs
		}
		return d
	}
	return Decision{Outcome: OutcomeIssue, Orgs: og.grant(s.Orgs, s.RememberedOrgs)}
}

// newScopes are the scopes of want that consented does not hold, implied
// scopes aside.
func newScopes(consented, want []string) []string {
	var out []string
	for _, s := range want {
		if !Covers(consented, []string{s}) {
			out = append(out, s)
		}
	}
	return out
}

func orgNames(orgs []OrgMember) []string {
	out := make([]string, len(orgs))
	for i, o := range orgs {
		out[i] = o.Name
	}
	return out
}

func deny(e *oidc.Error) Decision { return Decision{Outcome: OutcomeDeny, Error: e} }

// MemberOfAny reports whether one of the user's orgs (memberOf) is one of
// orgs, ignoring case (org names are case-insensitive): the rule of an app's
// org restriction, at authorize and in the device flow.
func MemberOfAny(memberOf, orgs []string) bool {
	for _, h := range memberOf {
		for _, w := range orgs {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

// OrgList names orgs in a sentence: "the organization a" or "the
// organizations a, b".
func OrgList(orgs []string) string {
	if len(orgs) == 1 {
		return "the organization " + orgs[0]
	}
	return "the organizations " + strings.Join(orgs, ", ")
}
