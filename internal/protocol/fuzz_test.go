package protocol

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hubid/hubid/oidc"
)

// Fuzz targets for every parser of untrusted input. Run one with
//
//	go test -run='^$' -fuzz=FuzzParseAuthorize -fuzztime=15s ./internal/protocol

func FuzzParseAuthorize(f *testing.F) {
	for _, seed := range []string{
		"",
		"client_id=c&redirect_uri=http%3A%2F%2Flocalhost%2Fcb",
		"redirect_uri=https%3A%2F%2Fowner-name.hf.space%2Flogin%2Fcallback&scope=openid%20profile&client_id=a1b2c3d4&state=STATE",
		"client_id=a1b2c3d4&scope=openid+profile&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A5173%2F" +
			"&state=%7B%22nonce%22%3A%22n%22%2C%22redirectUri%22%3A%22http%3A%2F%2Flocalhost%3A5173%2F%3Fa%3Db%26c%3Dd%22%2C%22state%22%3A%22x%22%7D" +
			"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
		"response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fowner-name.hf.space%2Flogin%2Fcallback%3F_target_url%3D%252F&scope=openid+profile&state=s&nonce=n",
		"client_id=c&redirect_uri=x&response_type=token&state=s",
		"client_id=c&client_id=d&redirect_uri=x",
		"client_id=c&redirect_uri=x&redirect_uri=y",
		"client_id=c&redirect_uri=x&state=a&state=b",
		"client_id=c&redirect_uri=x&scope=openid%20admin",
		"client_id=c&redirect_uri=x&code_challenge=abc&code_challenge_method=plain",
		"client_id=c&redirect_uri=x&code_challenge_method=S256",
		"client_id=c&redirect_uri=x&prompt=none%20login&max_age=-1",
		"client_id=c&redirect_uri=x&prompt=login+consent+select_account&max_age=0&orgIds=a,b,,a",
		"client_id=c&redirect_uri=x&response_mode=fragment",
		"client_id=c;redirect_uri=x&%zz=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// ParseQuery returns what it could read even on error; the server
		// sees the same, so parse that too.
		v, _ := url.ParseQuery(raw)
		r, fatal, redirectable := ParseAuthorize(v)
		if fatal != nil && redirectable != nil {
			t.Fatalf("both errors: fatal %v, redirectable %v", fatal, redirectable)
		}
		for _, e := range []*oidc.Error{fatal, redirectable} {
			if e != nil && (e.Code == "" || e.Description == "") {
				t.Fatalf("error without code or description: %#v", e)
			}
		}
		if fatal != nil {
			if fatal.Code != oidc.CodeInvalidRequest {
				t.Fatalf("fatal error code %s, want invalid_request", fatal.Code)
			}
			return
		}
		if r.ClientID == "" || r.RedirectURI == "" {
			t.Fatalf("no fatal error but client_id %q, redirect_uri %q", r.ClientID, r.RedirectURI)
		}
		if r.ClientID != v.Get("client_id") || r.RedirectURI != v.Get("redirect_uri") {
			t.Fatalf("client %q redirect %q differ from the query's %q %q", r.ClientID, r.RedirectURI, v.Get("client_id"), v.Get("redirect_uri"))
		}
		if len(v["client_id"]) != 1 || len(v["redirect_uri"]) != 1 {
			t.Fatalf("client_id or redirect_uri repeated without a fatal error: %q", v)
		}
		if r.State != "" && (r.State != v.Get("state") || len(r.State) > maxStateLen) {
			t.Fatalf("state %q is not the query's, or too long", r.State)
		}
		if redirectable != nil {
			return
		}
		if r.ResponseType != oidc.ResponseTypeCode {
			t.Fatalf("ResponseType = %q, want code", r.ResponseType)
		}
		if r.State != v.Get("state") {
			t.Fatalf("State = %q, want %q", r.State, v.Get("state"))
		}
		if _, ok := v["scope"]; !ok && r.Scopes != nil {
			t.Fatalf("no scope parameter but Scopes = %q", r.Scopes)
		}
		checkScopeList(t, r.Scopes)
		if r.CodeChallenge != "" && !ValidCodeChallenge(r.CodeChallenge) {
			t.Fatalf("invalid CodeChallenge %q accepted", r.CodeChallenge)
		}
		if r.CodeChallenge != "" && v.Get("code_challenge_method") != oidc.PKCEMethodS256 {
			t.Fatalf("challenge accepted with method %q", v.Get("code_challenge_method"))
		}
		if r.MaxAge < -1 {
			t.Fatalf("MaxAge = %d", r.MaxAge)
		}
		if len(r.Nonce) > maxNonceLen {
			t.Fatalf("nonce of %d bytes accepted", len(r.Nonce))
		}
		if r.HasPrompt(PromptNone) && len(r.Prompt) > 1 {
			t.Fatalf("prompt none combined: %q", r.Prompt)
		}
		for i, p := range r.Prompt {
			if !slices.Contains([]string{PromptNone, PromptLogin, PromptConsent, PromptSelectAccount}, p) || slices.Contains(r.Prompt[:i], p) {
				t.Fatalf("bad prompt list %q", r.Prompt)
			}
		}
		for i, id := range r.OrgIDs {
			if id == "" || id != strings.TrimSpace(id) || strings.Contains(id, ",") || slices.Contains(r.OrgIDs[:i], id) {
				t.Fatalf("bad org id list %q", r.OrgIDs)
			}
		}
	})
}

// checkScopeList fails unless scopes are known and distinct.
func checkScopeList(t *testing.T, scopes []string) {
	t.Helper()
	for i, s := range scopes {
		if !oidc.KnownScope(s) {
			t.Fatalf("unknown scope %q in %q", s, scopes)
		}
		if slices.Contains(scopes[:i], s) {
			t.Fatalf("duplicate scope %q in %q", s, scopes)
		}
	}
}

func FuzzParseScope(f *testing.F) {
	for _, seed := range []string{
		"",
		" ",
		"openid",
		"openid profile",
		"  openid   profile  email ",
		"openid openid profile",
		"openid admin",
		"openid\tprofile",
		"OpenID",
		strings.Join(oidc.ScopeNames(), " "),
		strings.Repeat("openid ", 200),
		"read-mcp read-network-security write-network-security",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseScope(s)
		if err != nil {
			if got != nil {
				t.Fatalf("error %v with scopes %q", err, got)
			}
			if err.Code != oidc.CodeInvalidScope {
				t.Fatalf("error code %s, want invalid_scope", err.Code)
			}
			return
		}
		checkScopeList(t, got)
		fields := strings.Split(s, " ")
		for _, name := range got {
			if !slices.Contains(fields, name) {
				t.Fatalf("scope %q is not in %q", name, s)
			}
		}
		for _, name := range fields {
			if name != "" && !slices.Contains(got, name) {
				t.Fatalf("scope %q of %q was dropped: %q", name, s, got)
			}
		}
		again, err := ParseScope(JoinScopes(got))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("ParseScope(JoinScopes(%q)) = %q, %v", got, again, err)
		}
	})
}

func FuzzMatchRedirectURI(f *testing.F) {
	for _, seed := range [][3]string{
		{"https://app.example.com/cb", "", "https://app.example.com/cb"},
		{"https://app.example.com/cb", "", "https://app.example.com:8443/cb"},
		{"http://localhost/cb", "http://127.0.0.1/cb", "http://localhost:51234/cb"},
		{"http://localhost/cb", "", "http://127.0.0.1:8000/cb"},
		{"http://[::1]/cb?a=b", "", "http://[::1]:8000/cb?a=b"},
		{"http://u@localhost/cb", "", "http://localhost:8000/cb"},
		{"http://localhost/cb", "", "http://localhost:8000/cb#x"},
		{"https://app.example.com/cb#x", "", "https://app.example.com/cb#x"},
		{"com.example.app:/oauth2redirect", "", "com.example.app:/oauth2redirect"},
		{"https://app.example.com/cb", "", "https://app.example.com@evil.com/cb"},
		{"http://localhost/%63b", "", "http://localhost:1/cb"},
		{"%zz", "", "%zz"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, reg1, reg2, requested string) {
		registered := []string{reg1, reg2}
		// Registered strings are matched exactly, whatever they are...
		for _, r := range registered {
			if r != "" && len(r) <= maxRedirectURILen && !strings.Contains(r, "#") && !MatchRedirectURI(registered, r) {
				t.Fatalf("registered %q does not match itself", r)
			}
		}
		// ...but only URIs registration accepts get into the store, so the
		// other invariants hold for those.
		var valid []string
		for _, r := range registered {
			if ValidateRedirectURI(r) == nil {
				valid = append(valid, r)
			}
		}
		if !MatchRedirectURI(valid, requested) {
			return
		}
		if strings.Contains(requested, "#") {
			t.Fatalf("%q with a fragment matched %q", requested, valid)
		}
		req, err := url.Parse(requested)
		if err != nil {
			t.Fatalf("%q matched %q but does not parse: %v", requested, valid, err)
		}
		exact := slices.Contains(valid, requested)
		if !exact && (req.Scheme != "http" || !IsLoopbackHost(req.Hostname())) {
			t.Fatalf("%q matched %q without being equal, and is not http on loopback", requested, valid)
		}
		for _, r := range valid {
			reg, err := url.Parse(r)
			if err == nil && reg.Scheme == req.Scheme && reg.Hostname() == req.Hostname() &&
				reg.RawQuery == req.RawQuery && reg.EscapedPath() == req.EscapedPath() {
				return
			}
		}
		t.Fatalf("%q matched %q but has another scheme, host, path or query than all of them", requested, valid)
	})
}

func FuzzMatchSpaceRedirect(f *testing.F) {
	for _, seed := range [][3]string{
		{"owner-name.hf.space", "", "https://owner-name.hf.space/login/callback?_target_url=%2F"},
		{"owner-name.hf.space", "", "https://Owner-Name.HF.space/"},
		{"owner-name.hf.space", "localhost:7860", "http://localhost:7860/login/callback"},
		{"owner-name.hf.space", "app.localhost:7860", "http://app.localhost:7860/cb"},
		{"owner-name.hf.space", "[::1]:7860", "http://[::1]:7860/cb"},
		{"owner-name.hf.space", "", "http://owner-name.hf.space/cb"},
		{"owner-name.hf.space", "", "https://owner-name.hf.space.evil.com"},
		{"owner-name.hf.space", "", "https://evil.com@owner-name.hf.space"},
		{"owner-name.hf.space", "", `https://owner-name.hf.space\@evil.com`},
		{"owner-name.hf.space", "", "https://evil.com/owner-name.hf.space"},
		{"owner-name.hf.space", "", "https://owner-name.hf.space/cb#x"},
		{"", "", "https:///cb"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, host1, host2, requested string) {
		hosts := []string{host1, host2}
		if !MatchSpaceRedirect(hosts, requested) {
			return
		}
		u, err := url.Parse(requested)
		if err != nil {
			t.Fatalf("%q matched %q but does not parse: %v", requested, hosts, err)
		}
		if !slices.ContainsFunc(hosts, func(h string) bool { return strings.EqualFold(h, u.Host) }) {
			t.Fatalf("%q matched %q but its host is %q", requested, hosts, u.Host)
		}
		if u.Host == "" {
			t.Fatalf("%q matched %q without a host", requested, hosts)
		}
		if u.Scheme != "https" && (u.Scheme != "http" || !IsLoopbackHost(u.Hostname())) {
			t.Fatalf("%q matched %q with scheme %q on host %q", requested, hosts, u.Scheme, u.Hostname())
		}
		if u.User != nil || strings.Contains(requested, "#") {
			t.Fatalf("%q matched %q with user info or a fragment", requested, hosts)
		}
	})
}

func FuzzRegistrationRequest(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"redirect_uris":"x"}`,
		`{"redirect_uris":["http://127.0.0.1:33418/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"client_name":"MCP Inspector"}`,
		`{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_post","scope":"openid email read-repos","logo_uri":"https://app.example/l.png"}`,
		`{"grant_types":["urn:ietf:params:oauth:grant-type:device_code"],"client_name":"cli"}`,
		`{"redirect_uris":["com.example.app:/cb","http://localhost/cb#f"],"client_name":"a\u202eb"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, policy := range []RegistrationPolicy{RegistrationPublic, RegistrationOpen} {
			reg, err := ParseRegistration(body, policy)
			if err != nil {
				if err.Code != oidc.CodeInvalidClientMetadata && err.Code != oidc.CodeInvalidRedirectURI {
					t.Fatalf("error code %s, want an RFC 7591 one", err.Code)
				}
				continue
			}
			if reg.Public != (reg.AuthMethod == oidc.AuthNone) {
				t.Fatalf("public %v with auth method %q", reg.Public, reg.AuthMethod)
			}
			if policy == RegistrationPublic && !reg.Public {
				t.Fatalf("the public policy registered a confidential client")
			}
			if reg.Name == "" || len(reg.Name) > maxClientNameLen || strings.ContainsFunc(reg.Name, badNameRune) {
				t.Fatalf("name %q passed", reg.Name)
			}
			if slices.Contains(reg.GrantTypes, oidc.GrantAuthorizationCode) && len(reg.RedirectURIs) == 0 {
				t.Fatalf("a code-flow client without redirect URIs")
			}
			for _, u := range reg.RedirectURIs {
				pu, perr := url.Parse(u)
				if ValidateRedirectURI(u) != nil || perr != nil || (pu.Scheme != "https" && pu.Scheme != "http") {
					t.Fatalf("redirect URI %q passed", u)
				}
			}
			for _, s := range reg.Scopes {
				if !oidc.KnownScope(s) {
					t.Fatalf("unknown scope %q passed", s)
				}
			}
		}
	})
}
