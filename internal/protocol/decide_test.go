package protocol

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

func TestDecideAuthorize(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	granted := []string{"openid", "profile", "email"}
	// signedIn is a user who signed in ten minutes ago and allowed exactly
	// the granted scopes before.
	signedIn := func(edit func(*AuthorizeState)) AuthorizeState {
		s := AuthorizeState{
			Request: AuthorizeRequest{MaxAge: -1}, Granted: granted, Now: now,
			SignedIn: true, Username: "alice", AuthTime: now.Add(-10 * time.Minute),
			Consented: true, Remembered: []string{"openid", "profile", "email"},
		}
		if edit != nil {
			edit(&s)
		}
		return s
	}
	prompt := func(p ...string) func(*AuthorizeState) {
		return func(s *AuthorizeState) { s.Request.Prompt = p }
	}
	tests := []struct {
		name     string
		state    AuthorizeState
		want     Outcome
		code     oidc.ErrorCode // with OutcomeDeny
		desc     string         // part of the description
		remember bool           // Remember expected
	}{
		// 1. Authentication.
		{name: "not-signed-in", state: AuthorizeState{Request: AuthorizeRequest{MaxAge: -1}, Granted: granted, Now: now}, want: OutcomeLogin},
		{name: "not-signed-in-prompt-none", state: AuthorizeState{Request: AuthorizeRequest{MaxAge: -1, Prompt: []string{PromptNone}}, Now: now},
			want: OutcomeDeny, code: oidc.CodeLoginRequired, desc: "not signed in"},
		{name: "not-signed-in-with-consent-form", state: AuthorizeState{Request: AuthorizeRequest{MaxAge: -1}, Now: now, Answer: ConsentAllowed, FormValid: true}, want: OutcomeLogin},
		{name: "prompt-login", state: signedIn(prompt(PromptLogin)), want: OutcomeLogin},
		{name: "prompt-select-account", state: signedIn(prompt(PromptSelectAccount)), want: OutcomeLogin},
		{name: "prompt-login-after-login-for-this-request", state: signedIn(func(s *AuthorizeState) {
			s.Request.Prompt = []string{PromptLogin}
			s.Reauthenticated = true
		}), want: OutcomeIssue},
		{name: "max-age-exceeded", state: signedIn(func(s *AuthorizeState) { s.Request.MaxAge = 60 }), want: OutcomeLogin},
		{name: "max-age-exceeded-prompt-none", state: signedIn(func(s *AuthorizeState) {
			s.Request.MaxAge = 60
			s.Request.Prompt = []string{PromptNone}
		}), want: OutcomeDeny, code: oidc.CodeLoginRequired},
		{name: "max-age-exactly-reached", state: signedIn(func(s *AuthorizeState) { s.Request.MaxAge = 600 }), want: OutcomeIssue},
		{name: "max-age-zero-after-login-for-this-request", state: signedIn(func(s *AuthorizeState) {
			s.Request.MaxAge = 0
			s.Reauthenticated = true
		}), want: OutcomeIssue},
		{name: "max-age-zero", state: signedIn(func(s *AuthorizeState) { s.Request.MaxAge = 0 }), want: OutcomeLogin},

		// 2. The app's org restriction.
		{name: "member-of-authorized-org", state: signedIn(func(s *AuthorizeState) {
			s.AuthorizedOrgs = []string{"Wonderland"}
			s.Orgs = []OrgMember{{ID: "o1", Name: "other"}, {ID: "o2", Name: "wonderland"}}
		}), want: OutcomeIssue},
		{name: "not-member-of-authorized-org", state: signedIn(func(s *AuthorizeState) {
			s.AuthorizedOrgs = []string{"wonderland"}
			s.Orgs = []OrgMember{{ID: "o1", Name: "other"}}
		}), want: OutcomeDeny, code: oidc.CodeAccessDenied, desc: "only members of the organization wonderland may sign in to this app; @alice is not a member"},
		{name: "not-member-of-any-authorized-org", state: signedIn(func(s *AuthorizeState) {
			s.AuthorizedOrgs = []string{"a", "b"}
		}), want: OutcomeDeny, code: oidc.CodeAccessDenied, desc: "the organizations a, b"},
		{name: "org-restriction-before-consent-form", state: signedIn(func(s *AuthorizeState) {
			s.AuthorizedOrgs = []string{"a"}
			s.Answer, s.FormValid = ConsentAllowed, true
		}), want: OutcomeDeny, code: oidc.CodeAccessDenied},
		{name: "org-restriction-after-login", state: AuthorizeState{Request: AuthorizeRequest{MaxAge: -1}, Now: now, AuthorizedOrgs: []string{"a"}}, want: OutcomeLogin},

		// 3. A posted consent form.
		{name: "consent-allowed", state: signedIn(func(s *AuthorizeState) {
			s.Answer, s.FormValid, s.Consented = ConsentAllowed, true, false
		}), want: OutcomeIssue, remember: true},
		{name: "consent-allowed-with-prompt-consent", state: signedIn(func(s *AuthorizeState) {
			s.Request.Prompt = []string{PromptConsent}
			s.Answer, s.FormValid = ConsentAllowed, true
		}), want: OutcomeIssue, remember: true},
		{name: "consent-denied", state: signedIn(func(s *AuthorizeState) {
			s.Answer, s.FormValid = ConsentDenied, true
		}), want: OutcomeDeny, code: oidc.CodeAccessDenied, desc: "The user denied the request"},
		{name: "consent-form-forged", state: signedIn(func(s *AuthorizeState) {
			s.Answer, s.FormValid = ConsentAllowed, false
		}), want: OutcomeRefuse},
		{name: "deny-form-forged", state: signedIn(func(s *AuthorizeState) {
			s.Answer, s.FormValid = ConsentDenied, false
		}), want: OutcomeRefuse},

		// 4. Remembered consent.
		{name: "remembered", state: signedIn(nil), want: OutcomeIssue},
		{name: "remembered-more-than-asked", state: signedIn(func(s *AuthorizeState) {
			s.Remembered = []string{"openid", "profile", "email", "read-repos"}
		}), want: OutcomeIssue},
		{name: "implied-scopes-need-no-consent-record", state: signedIn(func(s *AuthorizeState) {
			s.Granted = []string{"openid", "profile"}
			s.Remembered = []string{}
		}), want: OutcomeIssue},
		{name: "never-consented", state: signedIn(func(s *AuthorizeState) { s.Consented, s.Remembered = false, nil }), want: OutcomeConsent},
		{name: "never-consented-prompt-none", state: signedIn(func(s *AuthorizeState) {
			s.Consented, s.Remembered = false, nil
			s.Request.Prompt = []string{PromptNone}
		}), want: OutcomeDeny, code: oidc.CodeConsentRequired, desc: "has not authorized"},
		{name: "new-scope", state: signedIn(func(s *AuthorizeState) {
			s.Granted = []string{"openid", "profile", "email", "read-repos"}
		}), want: OutcomeConsent},
		{name: "new-scope-prompt-none", state: signedIn(func(s *AuthorizeState) {
			s.Granted = []string{"openid", "profile", "email", "read-repos"}
			s.Request.Prompt = []string{PromptNone}
		}), want: OutcomeDeny, code: oidc.CodeConsentRequired},
		{name: "prompt-consent", state: signedIn(prompt(PromptConsent)), want: OutcomeConsent},
		{name: "prompt-none-remembered", state: signedIn(prompt(PromptNone)), want: OutcomeIssue},
		{name: "prompt-login-consent-after-login", state: signedIn(func(s *AuthorizeState) {
			s.Request.Prompt = []string{PromptLogin, PromptConsent}
			s.Reauthenticated = true
		}), want: OutcomeConsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideAuthorize(tt.state)
			if d.Outcome != tt.want {
				t.Fatalf("outcome %v, want %v (error %v)", d.Outcome, tt.want, d.Error)
			}
			if d.Remember != tt.remember {
				t.Errorf("Remember = %v, want %v", d.Remember, tt.remember)
			}
			if tt.want != OutcomeDeny {
				if d.Error != nil {
					t.Errorf("error %v with outcome %v", d.Error, d.Outcome)
				}
				return
			}
			if d.Error == nil || d.Error.Code != tt.code || !strings.Contains(d.Error.Description, tt.desc) {
				t.Errorf("error %v, want %s containing %q", d.Error, tt.code, tt.desc)
			}
		})
	}
}

func TestRedirectAllowed(t *testing.T) {
	app := store.App{RedirectURIs: []string{"https://app.example/cb", "http://localhost/cb"}, PostLogoutRedirectURIs: []string{"https://app.example/bye"}}
	space := store.App{SpaceID: "alice/demo", SpaceHosts: []string{"alice-demo.hf.space", "demo.localhost:7860"}}
	tests := []struct {
		name       string
		app        store.App
		uri        string
		redirect   bool
		postLogout bool
	}{
		{"registered", app, "https://app.example/cb", true, false},
		{"loopback-any-port", app, "http://localhost:3000/cb", true, false},
		{"post-logout-registered", app, "https://app.example/bye", false, true},
		{"unregistered", app, "https://evil.example/cb", false, false},
		{"space-host-any-path", space, "https://alice-demo.hf.space/login/callback?_target_url=%2F", true, true},
		{"space-dev-host", space, "http://demo.localhost:7860/cb", true, true},
		{"space-other-host", space, "https://evil.example/cb", false, false},
		{"space-http-non-loopback", space, "http://alice-demo.hf.space/cb", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedirectAllowed(tt.app, tt.uri); got != tt.redirect {
				t.Errorf("RedirectAllowed = %v, want %v", got, tt.redirect)
			}
			if got := PostLogoutRedirectAllowed(tt.app, tt.uri); got != tt.postLogout {
				t.Errorf("PostLogoutRedirectAllowed = %v, want %v", got, tt.postLogout)
			}
		})
	}
}

// TestDecideOrgs: which orgs the consent page offers and ticks, which a
// grant reaches, and when a remembered consent is asked again for an org.
func TestDecideOrgs(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	orgs := []OrgMember{{ID: "id-acme", Name: "acme", Role: "admin"}, {ID: "id-beta", Name: "beta", Role: "read"}, {ID: "id-gamma", Name: "gamma", Role: "write"}}
	base := func(edit func(*AuthorizeState)) AuthorizeState {
		s := AuthorizeState{
			Request: AuthorizeRequest{MaxAge: -1}, Granted: []string{"openid", "profile", "read-repos"}, Now: now,
			SignedIn: true, Username: "alice", AuthTime: now, Orgs: orgs,
		}
		edit(&s)
		return s
	}
	type offer struct {
		id                          string
		ticked, requested, required bool
	}
	tests := []struct {
		name      string
		state     AuthorizeState
		want      Outcome
		orgs      []string // granted, with OutcomeIssue
		offers    []offer  // with OutcomeConsent
		missing   []string
		newScopes []string
		newOrgs   []string
	}{
		{name: "first-consent-offers-every-org-unticked", state: base(func(s *AuthorizeState) {}), want: OutcomeConsent,
			offers: []offer{{id: "id-acme"}, {id: "id-beta"}, {id: "id-gamma"}}},
		{name: "no-org-scope-offers-none", state: base(func(s *AuthorizeState) { s.Granted = []string{"openid", "profile", "email"} }), want: OutcomeConsent},
		{name: "orgIds-pre-ticks-by-id-and-name", state: base(func(s *AuthorizeState) { s.Request.OrgIDs = []string{"id-beta", "GAMMA"} }), want: OutcomeConsent,
			offers: []offer{{id: "id-acme"}, {id: "id-beta", ticked: true, requested: true}, {id: "id-gamma", ticked: true, requested: true}}},
		{name: "orgIds-not-member", state: base(func(s *AuthorizeState) { s.Request.OrgIDs = []string{"id-other", "id-acme"} }), want: OutcomeConsent,
			offers:  []offer{{id: "id-acme", ticked: true, requested: true}, {id: "id-beta"}, {id: "id-gamma"}},
			missing: []string{"id-other"}},
		{name: "form-grants-ticked-member-orgs-only", state: base(func(s *AuthorizeState) {
			s.Answer, s.FormValid, s.FormOrgs = ConsentAllowed, true, []string{"id-gamma", "id-not-mine", "id-acme"}
		}), want: OutcomeIssue, orgs: []string{"id-acme", "id-gamma"}},
		{name: "form-grants-no-org-without-org-scope", state: base(func(s *AuthorizeState) {
			s.Granted = []string{"openid", "profile"}
			s.Answer, s.FormValid, s.FormOrgs = ConsentAllowed, true, []string{"id-acme"}
		}), want: OutcomeIssue},
		{name: "form-with-nothing-ticked", state: base(func(s *AuthorizeState) {
			s.Answer, s.FormValid = ConsentAllowed, true
		}), want: OutcomeIssue},
		{name: "remembered-orgs-granted-while-member", state: base(func(s *AuthorizeState) {
			s.Consented, s.Remembered, s.RememberedOrgs = true, []string{"read-repos"}, []string{"id-beta", "id-left"}
		}), want: OutcomeIssue, orgs: []string{"id-beta"}},
		{name: "remembered-covers-requested-org", state: base(func(s *AuthorizeState) {
			s.Consented, s.Remembered, s.RememberedOrgs = true, []string{"read-repos"}, []string{"id-beta"}
			s.Request.OrgIDs = []string{"id-beta"}
		}), want: OutcomeIssue, orgs: []string{"id-beta"}},
		{name: "new-org-asks-again", state: base(func(s *AuthorizeState) {
			s.Consented, s.Remembered, s.RememberedOrgs = true, []string{"read-repos"}, []string{"id-beta"}
			s.Request.OrgIDs = []string{"id-acme"}
		}), want: OutcomeConsent,
			offers:  []offer{{id: "id-acme", ticked: true, requested: true}, {id: "id-beta", ticked: true}, {id: "id-gamma"}},
			newOrgs: []string{"id-acme"}},
		{name: "new-scope-asks-again-and-says-so", state: base(func(s *AuthorizeState) {
			s.Consented, s.Remembered, s.RememberedOrgs = true, []string{"email"}, []string{"id-beta"}
			s.Granted = []string{"openid", "profile", "email", "read-repos"}
		}), want: OutcomeConsent,
			offers:    []offer{{id: "id-acme"}, {id: "id-beta", ticked: true}, {id: "id-gamma"}},
			newScopes: []string{"read-repos"}},
		{name: "new-org-prompt-none", state: base(func(s *AuthorizeState) {
			s.Consented, s.Remembered = true, []string{"read-repos"}
			s.Request.OrgIDs = []string{"id-acme"}
			s.Request.Prompt = []string{PromptNone}
		}), want: OutcomeDeny},
		{name: "authorized-org-granted-with-consent", state: base(func(s *AuthorizeState) {
			s.Granted = []string{"openid", "profile"}
			s.AuthorizedOrgs = []string{"Beta"}
			s.Answer, s.FormValid = ConsentAllowed, true
		}), want: OutcomeIssue, orgs: []string{"id-beta"}},
		{name: "authorized-org-offered-as-required", state: base(func(s *AuthorizeState) { s.AuthorizedOrgs = []string{"beta"} }), want: OutcomeConsent,
			offers: []offer{{id: "id-acme"}, {id: "id-beta", ticked: true, required: true}, {id: "id-gamma"}}},
		{name: "authorized-org-granted-when-remembered-without-it", state: base(func(s *AuthorizeState) {
			s.AuthorizedOrgs = []string{"beta"}
			s.Consented, s.Remembered = true, []string{"read-repos"}
		}), want: OutcomeIssue, orgs: []string{"id-beta"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideAuthorize(tt.state)
			if d.Outcome != tt.want {
				t.Fatalf("outcome %v, want %v (%v)", d.Outcome, tt.want, d.Error)
			}
			if !slices.Equal(d.Orgs, tt.orgs) {
				t.Errorf("granted orgs %q, want %q", d.Orgs, tt.orgs)
			}
			var offers []offer
			for _, o := range d.Offers {
				offers = append(offers, offer{o.ID, o.Ticked, o.Requested, o.Required})
			}
			if !slices.Equal(offers, tt.offers) {
				t.Errorf("offers %+v, want %+v", offers, tt.offers)
			}
			if !slices.Equal(d.MissingOrgs, tt.missing) || !slices.Equal(d.NewScopes, tt.newScopes) || !slices.Equal(d.NewOrgs, tt.newOrgs) {
				t.Errorf("missing %q new scopes %q new orgs %q, want %q %q %q", d.MissingOrgs, d.NewScopes, d.NewOrgs, tt.missing, tt.newScopes, tt.newOrgs)
			}
		})
	}
}

func TestScopeMarks(t *testing.T) {
	for _, name := range oidc.ScopeNames() {
		mark := ScopeMark(name)
		want := ""
		switch {
		case strings.HasPrefix(name, "write-"), name == "manage-repos", name == "contribute-repos", name == "jobs", name == "webhooks":
			want = MarkWrite
		case name == "read-billing":
			want = MarkBilling
		case name == "inference-api":
			want = MarkInference
		}
		if mark != want {
			t.Errorf("ScopeMark(%q) = %q, want %q", name, mark, want)
		}
	}
	if ReachesOrgs([]string{"openid", "profile", "email", "read-memberships"}) || !ReachesOrgs([]string{"openid", "inference-api"}) {
		t.Error("ReachesOrgs: person-only scopes reach orgs, or inference-api does not")
	}
}
