package protocol

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hubid/hubid/oidc"
)

// checkError compares an *oidc.Error with the expected code and a substring
// of its description; an empty code means no error is expected.
func checkError(t *testing.T, what string, got *oidc.Error, code oidc.ErrorCode, desc string) {
	t.Helper()
	switch {
	case code == "" && got != nil:
		t.Errorf("%s: unexpected error %v", what, got)
	case code != "" && got == nil:
		t.Errorf("%s: no error, want %s", what, code)
	case code != "" && got.Code != code:
		t.Errorf("%s: error code %s (%v), want %s", what, got.Code, got, code)
	case code != "" && !strings.Contains(got.Description, desc):
		t.Errorf("%s: error description %q, want it to contain %q", what, got.Description, desc)
	}
}

func TestParseScope(t *testing.T) {
	allValid := strings.Join(oidc.ScopeNames(), " ")
	tests := []struct {
		name     string
		in       string
		want     []string
		wantCode oidc.ErrorCode
		wantDesc string
	}{
		{name: "empty", in: "", want: nil},
		{name: "only-spaces", in: "   ", want: nil},
		{name: "openid", in: "openid", want: []string{"openid"}},
		{name: "huggingface-js-default", in: "openid profile", want: []string{"openid", "profile"}},
		{name: "first-order-kept", in: "email read-repos openid", want: []string{"email", "read-repos", "openid"}},
		{name: "duplicates-dropped", in: "openid profile openid email profile", want: []string{"openid", "profile", "email"}},
		{name: "multiple-spaces", in: "  openid   profile  email ", want: []string{"openid", "profile", "email"}},
		{name: "every-known-scope", in: allValid, want: oidc.ScopeNames()},
		{name: "undocumented-but-accepted", in: "read-mcp read-network-security write-network-security", want: []string{"read-mcp", "read-network-security", "write-network-security"}},

		{name: "unknown-scope", in: "openid admin", wantCode: oidc.CodeInvalidScope, wantDesc: `unknown scope "admin"; valid scopes are: ` + allValid},
		{name: "offline-access-unknown", in: "openid offline_access", wantCode: oidc.CodeInvalidScope, wantDesc: `"offline_access"`},
		{name: "case-sensitive", in: "OpenID", wantCode: oidc.CodeInvalidScope, wantDesc: `"OpenID"`},
		{name: "tab-is-not-a-separator", in: "openid\tprofile", wantCode: oidc.CodeInvalidScope, wantDesc: "unknown scope"},
		{name: "comma-is-not-a-separator", in: "openid,profile", wantCode: oidc.CodeInvalidScope, wantDesc: `"openid,profile"`},
		{name: "unknown-name-truncated", in: strings.Repeat("x", 200), wantCode: oidc.CodeInvalidScope, wantDesc: `"` + strings.Repeat("x", 64) + `…"`},
		{name: "too-long", in: strings.Repeat("openid ", 200), wantCode: oidc.CodeInvalidScope, wantDesc: "longer than 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScope(tt.in)
			checkError(t, "ParseScope", err, tt.wantCode, tt.wantDesc)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseScope(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestGrantScopes(t *testing.T) {
	tests := []struct {
		name      string
		requested []string
		allowed   []string
		want      []string
		wantCode  oidc.ErrorCode
		wantDesc  string
	}{
		{name: "nothing-requested", want: []string{"openid", "profile"}},
		{name: "openid-profile-always-added", requested: []string{"email"}, allowed: []string{"email"}, want: []string{"openid", "profile", "email"}},
		{name: "openid-profile-need-no-allowance", requested: []string{"openid", "profile"}, want: []string{"openid", "profile"}},
		{name: "allowed-but-not-requested-not-granted", requested: []string{"openid"}, allowed: []string{"email", "read-repos"}, want: []string{"openid", "profile"}},
		{name: "canonical-order", requested: []string{"inference-api", "read-repos", "email", "openid"}, allowed: []string{"read-repos", "email", "inference-api"}, want: []string{"openid", "profile", "email", "read-repos", "inference-api"}},
		{name: "duplicates-once", requested: []string{"email", "email", "profile", "profile"}, allowed: []string{"email"}, want: []string{"openid", "profile", "email"}},

		{name: "disallowed-scope", requested: []string{"openid", "email"}, wantCode: oidc.CodeInvalidScope, wantDesc: `this app was not given the scope "email"; its scopes are: openid profile (`},
		{name: "disallowed-among-allowed", requested: []string{"email", "write-repos"}, allowed: []string{"read-repos", "email"}, wantCode: oidc.CodeInvalidScope, wantDesc: `scope "write-repos"; its scopes are: openid profile email read-repos`},
		{name: "disallowed-says-how-to-fix", requested: []string{"jobs"}, allowed: []string{"email"}, wantCode: oidc.CodeInvalidScope, wantDesc: "hf_oauth_scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GrantScopes(tt.requested, tt.allowed)
			checkError(t, "GrantScopes", err, tt.wantCode, tt.wantDesc)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GrantScopes(%q, %q) mismatch (-want +got):\n%s", tt.requested, tt.allowed, diff)
			}
		})
	}
}

func TestGrantScopesDoesNotModifyInputs(t *testing.T) {
	requested := []string{"read-repos", "email"}
	allowed := []string{"read-repos", "email"}
	if _, err := GrantScopes(requested, allowed); err != nil {
		t.Fatal(err)
	}
	want := []string{"read-repos", "email"}
	if diff := cmp.Diff(want, requested); diff != "" {
		t.Errorf("requested changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, allowed); diff != "" {
		t.Errorf("allowed changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"openid", "profile"}, ImpliedScopes); diff != "" {
		t.Errorf("ImpliedScopes changed (-want +got):\n%s", diff)
	}
}

func TestNormalizeScopes(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, []string{"openid", "profile"}},
		{"implied-added", []string{"email"}, []string{"openid", "profile", "email"}},
		{"sorted-and-deduplicated", []string{"jobs", "email", "jobs", "profile", "read-billing"}, []string{"openid", "profile", "email", "read-billing", "jobs"}},
		{"empty-names-dropped", []string{"", "email", ""}, []string{"openid", "profile", "email"}},
		{"unknown-last-alphabetically", []string{"zeta", "alpha", "email"}, []string{"openid", "profile", "email", "alpha", "zeta"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NormalizeScopes(tt.in)); diff != "" {
				t.Errorf("NormalizeScopes(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestNarrowScopes(t *testing.T) {
	granted := []string{"openid", "profile", "email", "read-repos"}
	tests := []struct {
		name      string
		requested []string
		want      []string
		wantCode  oidc.ErrorCode
		wantDesc  string
	}{
		{name: "nothing-requested", requested: nil, want: nil},
		{name: "same-set", requested: []string{"read-repos", "email", "profile", "openid"}, want: []string{"openid", "profile", "email", "read-repos"}},
		{name: "subset-in-canonical-order", requested: []string{"read-repos", "openid"}, want: []string{"openid", "read-repos"}},
		{name: "duplicates-once", requested: []string{"email", "email"}, want: []string{"email"}},
		{name: "widening-refused", requested: []string{"openid", "write-repos"}, wantCode: oidc.CodeInvalidScope, wantDesc: `scope "write-repos" was not granted; it can only be narrowed to some of: openid profile email read-repos`},
		{name: "unknown-refused", requested: []string{"admin"}, wantCode: oidc.CodeInvalidScope, wantDesc: `"admin"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NarrowScopes(tt.requested, granted)
			checkError(t, "NarrowScopes", err, tt.wantCode, tt.wantDesc)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NarrowScopes(%q) mismatch (-want +got):\n%s", tt.requested, diff)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		name      string
		consented []string
		want      []string
		covers    bool
	}{
		{"nothing-wanted", nil, nil, true},
		{"implied-without-consent", nil, []string{"openid", "profile"}, true},
		{"same-set", []string{"openid", "profile", "email"}, []string{"email", "openid"}, true},
		{"subset", []string{"openid", "profile", "email", "read-repos"}, []string{"email"}, true},
		{"implied-by-any-consent", []string{"email"}, []string{"openid", "profile", "email"}, true},
		{"new-scope-needs-consent", []string{"openid", "profile", "email"}, []string{"email", "read-repos"}, false},
		{"nothing-consented", nil, []string{"email"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Covers(tt.consented, tt.want); got != tt.covers {
				t.Errorf("Covers(%q, %q) = %v, want %v", tt.consented, tt.want, got, tt.covers)
			}
		})
	}
}

func TestJoinScopes(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"nil", nil, ""},
		{"one", []string{"openid"}, "openid"},
		{"several", []string{"openid", "profile", "email"}, "openid profile email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JoinScopes(tt.in); got != tt.want {
				t.Errorf("JoinScopes(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if tt.want == "" {
				return
			}
			back, err := ParseScope(JoinScopes(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, back); diff != "" {
				t.Errorf("ParseScope(JoinScopes) round trip (-want +got):\n%s", diff)
			}
		})
	}
}
