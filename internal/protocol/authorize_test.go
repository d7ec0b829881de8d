package protocol

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hubid/hubid/oidc"
)

const (
	testClientID = "00000000-0000-0000-0000-000000000000"
	testRedirect = "http://localhost:5173/auth/callback"
	// hfjsState is the shape of the state huggingface.js's oauthLoginUrl
	// sends: its own nonce, the page to come back to and the app's state,
	// as JSON.
	hfjsState = `{"nonce":"f1b5f2c4-8d0e-4c5a-9f59-3c1c0a6b2e7d","redirectUri":"http://localhost:5173/?a=b&c=d","state":"x"}`
)

// vals builds url.Values from key, value pairs, keeping repeated keys.
func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// authz is a request with a valid client_id and redirect_uri plus kv.
func authz(kv ...string) url.Values {
	return vals(append([]string{"client_id", testClientID, "redirect_uri", testRedirect}, kv...)...)
}

// parsed is the request authz parses to, changed by edit.
func parsed(edit func(*AuthorizeRequest)) *AuthorizeRequest {
	r := &AuthorizeRequest{ClientID: testClientID, RedirectURI: testRedirect, ResponseType: "code", MaxAge: -1}
	if edit != nil {
		edit(r)
	}
	return r
}

func TestParseAuthorize(t *testing.T) {
	tooMany := authz()
	for i := len(tooMany); i <= 64; i++ {
		tooMany.Set(fmt.Sprintf("p%d", i), "v")
	}
	atMost := authz()
	for i := len(atMost); i < 64; i++ {
		atMost.Set(fmt.Sprintf("p%d", i), "v")
	}
	longOrgIDs := strings.TrimSuffix(strings.Repeat("5e67bd5b1009063689407478,", 100), ",")

	tests := []struct {
		name  string
		query url.Values
		// want is compared in full when there is no error.
		want *AuthorizeRequest
		// fatal and redirect are the expected error codes; desc a
		// substring of the description.
		fatal    oidc.ErrorCode
		redirect oidc.ErrorCode
		desc     string
		// state is what a request with a redirectable error carries back.
		state string
	}{
		// Accepted requests.
		{name: "minimal", query: authz(), want: parsed(nil)},
		{name: "response-type-code", query: authz("response_type", "code"), want: parsed(nil)},
		{name: "response-type-empty-defaults-to-code", query: authz("response_type", ""), want: parsed(nil)},
		{name: "response-mode-query", query: authz("response_mode", "query"), want: parsed(nil)},
		{name: "scope-absent-is-nil", query: authz("state", "s"), want: parsed(func(r *AuthorizeRequest) { r.State = "s" })},
		{name: "scope-openid-profile", query: authz("scope", "openid profile"), want: parsed(func(r *AuthorizeRequest) { r.Scopes = []string{"openid", "profile"} })},
		{name: "scope-deduplicated", query: authz("scope", "  email openid  email profile "), want: parsed(func(r *AuthorizeRequest) { r.Scopes = []string{"email", "openid", "profile"} })},
		{name: "state-huggingface-js-json", query: authz("state", hfjsState), want: parsed(func(r *AuthorizeRequest) { r.State = hfjsState })},
		{name: "state-at-limit", query: authz("state", strings.Repeat("s", 8192)), want: parsed(func(r *AuthorizeRequest) { r.State = strings.Repeat("s", 8192) })},
		{name: "state-empty", query: authz("state", ""), want: parsed(nil)},
		{name: "nonce", query: authz("nonce", "n-0S6_WzA2Mj"), want: parsed(func(r *AuthorizeRequest) { r.Nonce = "n-0S6_WzA2Mj" })},
		{name: "nonce-at-limit", query: authz("nonce", strings.Repeat("n", 512)), want: parsed(func(r *AuthorizeRequest) { r.Nonce = strings.Repeat("n", 512) })},
		{name: "pkce-s256", query: authz("code_challenge", rfc7636Challenge, "code_challenge_method", "S256"), want: parsed(func(r *AuthorizeRequest) { r.CodeChallenge = rfc7636Challenge })},
		{name: "prompt-none", query: authz("prompt", "none"), want: parsed(func(r *AuthorizeRequest) { r.Prompt = []string{"none"} })},
		{name: "prompt-consent", query: authz("prompt", "consent"), want: parsed(func(r *AuthorizeRequest) { r.Prompt = []string{"consent"} })},
		{name: "prompt-select-account", query: authz("prompt", "select_account"), want: parsed(func(r *AuthorizeRequest) { r.Prompt = []string{"select_account"} })},
		{name: "prompt-login-consent", query: authz("prompt", "login consent"), want: parsed(func(r *AuthorizeRequest) { r.Prompt = []string{"login", "consent"} })},
		{name: "prompt-deduplicated", query: authz("prompt", " login  login consent "), want: parsed(func(r *AuthorizeRequest) { r.Prompt = []string{"login", "consent"} })},
		{name: "prompt-empty", query: authz("prompt", ""), want: parsed(nil)},
		{name: "max-age-zero", query: authz("max_age", "0"), want: parsed(func(r *AuthorizeRequest) { r.MaxAge = 0 })},
		{name: "max-age-hour", query: authz("max_age", "3600"), want: parsed(func(r *AuthorizeRequest) { r.MaxAge = 3600 })},
		{name: "max-age-empty", query: authz("max_age", ""), want: parsed(nil)},
		{name: "org-ids-one", query: authz("orgIds", "5e67bd5b1009063689407478"), want: parsed(func(r *AuthorizeRequest) { r.OrgIDs = []string{"5e67bd5b1009063689407478"} })},
		{name: "org-ids-list-trimmed-deduplicated", query: authz("orgIds", " aaa , bbb,,aaa,"), want: parsed(func(r *AuthorizeRequest) { r.OrgIDs = []string{"aaa", "bbb"} })},
		{name: "org-ids-only-commas", query: authz("orgIds", ", ,"), want: parsed(nil)},
		{name: "org-ids-at-limit", query: authz("orgIds", strings.Repeat("a", 2048)), want: parsed(func(r *AuthorizeRequest) { r.OrgIDs = []string{strings.Repeat("a", 2048)} })},
		{name: "unknown-parameters-ignored", query: authz("resource", "https://huggingface.co/mcp", "login_hint", "hub.js", "foo", "1", "foo", "2"), want: parsed(nil)},
		{name: "sixty-four-parameters", query: atMost, want: parsed(nil)},
		{name: "client-id-at-limit", query: vals("client_id", strings.Repeat("c", 512), "redirect_uri", testRedirect), want: parsed(func(r *AuthorizeRequest) { r.ClientID = strings.Repeat("c", 512) })},
		{name: "redirect-uri-at-limit", query: vals("client_id", testClientID, "redirect_uri", "https://a.example/"+strings.Repeat("p", 2048-len("https://a.example/"))), want: parsed(func(r *AuthorizeRequest) {
			r.RedirectURI = "https://a.example/" + strings.Repeat("p", 2048-len("https://a.example/"))
		})},

		// Fatal: no redirect to an unverified redirect URI.
		{name: "missing-client-id", query: vals("redirect_uri", testRedirect), fatal: oidc.CodeInvalidRequest, desc: "client_id is missing"},
		{name: "empty-client-id", query: vals("client_id", "", "redirect_uri", testRedirect), fatal: oidc.CodeInvalidRequest, desc: "client_id is missing"},
		{name: "repeated-client-id", query: vals("client_id", "a", "client_id", "b", "redirect_uri", testRedirect), fatal: oidc.CodeInvalidRequest, desc: "client_id was given 2 times"},
		{name: "repeated-client-id-same-value", query: vals("client_id", "a", "client_id", "a", "redirect_uri", testRedirect), fatal: oidc.CodeInvalidRequest, desc: "client_id was given 2 times"},
		{name: "client-id-too-long", query: vals("client_id", strings.Repeat("c", 513), "redirect_uri", testRedirect), fatal: oidc.CodeInvalidRequest, desc: "client_id is too long"},
		{name: "missing-redirect-uri", query: vals("client_id", testClientID), fatal: oidc.CodeInvalidRequest, desc: "redirect_uri is missing"},
		{name: "empty-redirect-uri", query: vals("client_id", testClientID, "redirect_uri", ""), fatal: oidc.CodeInvalidRequest, desc: "redirect_uri is missing"},
		{name: "repeated-redirect-uri", query: vals("client_id", testClientID, "redirect_uri", testRedirect, "redirect_uri", "https://evil.com/cb"), fatal: oidc.CodeInvalidRequest, desc: "redirect_uri was given 2 times"},
		{name: "redirect-uri-too-long", query: vals("client_id", testClientID, "redirect_uri", "https://a.example/"+strings.Repeat("p", 2048)), fatal: oidc.CodeInvalidRequest, desc: "redirect_uri is longer than 2048"},
		{name: "too-many-parameters", query: tooMany, fatal: oidc.CodeInvalidRequest, desc: "too many parameters (65; at most 64)"},
		{name: "missing-client-id-beats-bad-response-type", query: vals("redirect_uri", testRedirect, "response_type", "token", "state", "s"), fatal: oidc.CodeInvalidRequest, desc: "client_id is missing"},
		{name: "missing-redirect-uri-beats-bad-scope", query: vals("client_id", testClientID, "scope", "admin", "state", "s"), fatal: oidc.CodeInvalidRequest, desc: "redirect_uri is missing"},

		// Redirectable: sent back to the validated redirect URI with the state.
		{name: "response-type-token", query: authz("state", "s", "response_type", "token"), redirect: oidc.CodeUnsupportedResponseType, desc: `response_type "token" is not supported`, state: "s"},
		{name: "response-type-code-id-token", query: authz("state", "s", "response_type", "code id_token"), redirect: oidc.CodeUnsupportedResponseType, desc: `"code id_token"`, state: "s"},
		{name: "response-type-upper-case", query: authz("state", "s", "response_type", "CODE"), redirect: oidc.CodeUnsupportedResponseType, desc: `"CODE"`, state: "s"},
		{name: "response-type-truncated", query: authz("state", "s", "response_type", strings.Repeat("t", 100)), redirect: oidc.CodeUnsupportedResponseType, desc: `"` + strings.Repeat("t", 64) + `…"`, state: "s"},
		{name: "response-mode-fragment", query: authz("state", "s", "response_mode", "fragment"), redirect: oidc.CodeInvalidRequest, desc: `response_mode "fragment" is not supported`, state: "s"},
		{name: "response-mode-form-post", query: authz("state", "s", "response_mode", "form_post"), redirect: oidc.CodeInvalidRequest, desc: `"form_post"`, state: "s"},
		{name: "repeated-state-drops-state", query: authz("state", "s1", "state", "s2"), redirect: oidc.CodeInvalidRequest, desc: "state was given 2 times", state: ""},
		{name: "state-too-long-drops-state", query: authz("state", strings.Repeat("s", 8193)), redirect: oidc.CodeInvalidRequest, desc: "state is longer than 8192", state: ""},
		{name: "repeated-response-type", query: authz("state", "s", "response_type", "code", "response_type", "code"), redirect: oidc.CodeInvalidRequest, desc: "response_type was given 2 times", state: "s"},
		{name: "repeated-scope", query: authz("state", "s", "scope", "openid", "scope", "email"), redirect: oidc.CodeInvalidRequest, desc: "scope was given 2 times", state: "s"},
		{name: "repeated-nonce", query: authz("state", "s", "nonce", "a", "nonce", "b"), redirect: oidc.CodeInvalidRequest, desc: "nonce was given 2 times", state: "s"},
		{name: "repeated-code-challenge", query: authz("state", "s", "code_challenge", rfc7636Challenge, "code_challenge", rfc7636Challenge, "code_challenge_method", "S256"), redirect: oidc.CodeInvalidRequest, desc: "code_challenge was given 2 times", state: "s"},
		{name: "repeated-code-challenge-method", query: authz("state", "s", "code_challenge", rfc7636Challenge, "code_challenge_method", "S256", "code_challenge_method", "S256"), redirect: oidc.CodeInvalidRequest, desc: "code_challenge_method was given 2 times", state: "s"},
		{name: "repeated-prompt", query: authz("state", "s", "prompt", "login", "prompt", "consent"), redirect: oidc.CodeInvalidRequest, desc: "prompt was given 2 times", state: "s"},
		{name: "repeated-max-age", query: authz("state", "s", "max_age", "1", "max_age", "2"), redirect: oidc.CodeInvalidRequest, desc: "max_age was given 2 times", state: "s"},
		{name: "repeated-org-ids", query: authz("state", "s", "orgIds", "a", "orgIds", "b"), redirect: oidc.CodeInvalidRequest, desc: "orgIds was given 2 times", state: "s"},
		{name: "repeated-response-mode", query: authz("state", "s", "response_mode", "query", "response_mode", "query"), redirect: oidc.CodeInvalidRequest, desc: "response_mode was given 2 times", state: "s"},
		{name: "unknown-scope", query: authz("state", "s", "scope", "openid admin"), redirect: oidc.CodeInvalidScope, desc: `unknown scope "admin"; valid scopes are: openid profile email`, state: "s"},
		{name: "scope-too-long", query: authz("state", "s", "scope", strings.Repeat("openid ", 147)), redirect: oidc.CodeInvalidScope, desc: "longer than 1024", state: "s"},
		{name: "nonce-too-long", query: authz("state", "s", "nonce", strings.Repeat("n", 513)), redirect: oidc.CodeInvalidRequest, desc: "nonce is longer than 512", state: "s"},
		{name: "pkce-plain", query: authz("state", "s", "code_challenge", rfc7636Verifier, "code_challenge_method", "plain"), redirect: oidc.CodeInvalidRequest, desc: "PKCE method plain is not supported", state: "s"},
		{name: "pkce-challenge-without-method", query: authz("state", "s", "code_challenge", rfc7636Challenge), redirect: oidc.CodeInvalidRequest, desc: "PKCE method plain is not supported", state: "s"},
		{name: "pkce-method-without-challenge", query: authz("state", "s", "code_challenge_method", "S256"), redirect: oidc.CodeInvalidRequest, desc: "code_challenge_method was sent without code_challenge", state: "s"},
		{name: "pkce-method-lower-case", query: authz("state", "s", "code_challenge", rfc7636Challenge, "code_challenge_method", "s256"), redirect: oidc.CodeInvalidRequest, desc: `code_challenge_method "s256" is not supported`, state: "s"},
		{name: "pkce-method-unknown", query: authz("state", "s", "code_challenge", rfc7636Challenge, "code_challenge_method", "S512"), redirect: oidc.CodeInvalidRequest, desc: `"S512"`, state: "s"},
		{name: "pkce-challenge-too-short", query: authz("state", "s", "code_challenge", rfc7636Challenge[:42], "code_challenge_method", "S256"), redirect: oidc.CodeInvalidRequest, desc: "code_challenge must be 43 base64url characters", state: "s"},
		{name: "pkce-challenge-too-long", query: authz("state", "s", "code_challenge", rfc7636Challenge+"A", "code_challenge_method", "S256"), redirect: oidc.CodeInvalidRequest, desc: "code_challenge must be 43 base64url characters", state: "s"},
		{name: "pkce-challenge-padded", query: authz("state", "s", "code_challenge", rfc7636Challenge[:42]+"=", "code_challenge_method", "S256"), redirect: oidc.CodeInvalidRequest, desc: "code_challenge must be 43", state: "s"},
		{name: "pkce-challenge-standard-base64", query: authz("state", "s", "code_challenge", "+"+rfc7636Challenge[1:], "code_challenge_method", "S256"), redirect: oidc.CodeInvalidRequest, desc: "code_challenge must be 43", state: "s"},
		{name: "prompt-none-login", query: authz("state", "s", "prompt", "none login"), redirect: oidc.CodeInvalidRequest, desc: "prompt=none cannot be combined", state: "s"},
		{name: "prompt-consent-none", query: authz("state", "s", "prompt", "consent none"), redirect: oidc.CodeInvalidRequest, desc: "prompt=none cannot be combined", state: "s"},
		{name: "prompt-unknown", query: authz("state", "s", "prompt", "login create"), redirect: oidc.CodeInvalidRequest, desc: `prompt value "create" is not supported`, state: "s"},
		{name: "prompt-upper-case", query: authz("state", "s", "prompt", "LOGIN"), redirect: oidc.CodeInvalidRequest, desc: `"LOGIN"`, state: "s"},
		{name: "max-age-negative", query: authz("state", "s", "max_age", "-1"), redirect: oidc.CodeInvalidRequest, desc: "max_age must be a non-negative number", state: "s"},
		{name: "max-age-not-a-number", query: authz("state", "s", "max_age", "soon"), redirect: oidc.CodeInvalidRequest, desc: "max_age", state: "s"},
		{name: "max-age-fraction", query: authz("state", "s", "max_age", "1.5"), redirect: oidc.CodeInvalidRequest, desc: "max_age", state: "s"},
		{name: "max-age-overflow", query: authz("state", "s", "max_age", "99999999999999999999999"), redirect: oidc.CodeInvalidRequest, desc: "max_age", state: "s"},
		{name: "org-ids-too-long", query: authz("state", "s", "orgIds", longOrgIDs), redirect: oidc.CodeInvalidRequest, desc: "orgIds is longer than 2048", state: "s"},
		{name: "state-kept-with-json", query: authz("state", hfjsState, "response_type", "token"), redirect: oidc.CodeUnsupportedResponseType, desc: "token", state: hfjsState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fatal, redirectable := ParseAuthorize(tt.query)
			if fatal != nil && redirectable != nil {
				t.Fatalf("both errors: fatal %v, redirectable %v", fatal, redirectable)
			}
			checkError(t, "fatal", fatal, tt.fatal, tt.desc)
			checkError(t, "redirectable", redirectable, tt.redirect, tt.desc)
			switch {
			case tt.fatal == "" && tt.redirect == "":
				if diff := cmp.Diff(tt.want, &got); diff != "" {
					t.Errorf("ParseAuthorize mismatch (-want +got):\n%s", diff)
				}
			case tt.redirect != "":
				// The server needs the client, its redirect URI and the
				// state to send the error back.
				if got.ClientID != tt.query.Get("client_id") || got.RedirectURI != tt.query.Get("redirect_uri") {
					t.Errorf("got client %q redirect %q, want %q %q", got.ClientID, got.RedirectURI, tt.query.Get("client_id"), tt.query.Get("redirect_uri"))
				}
				if got.State != tt.state {
					t.Errorf("State = %q, want %q", got.State, tt.state)
				}
			}
		})
	}
}

// TestParseAuthorizeWire parses authorization URLs as the real clients send
// them, raw query strings included.
func TestParseAuthorizeWire(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  AuthorizeRequest
	}{
		{
			// The URL of HF's Spaces docs: no response_type.
			name:  "hf-docs-without-response-type",
			query: "redirect_uri=https%3A%2F%2Fowner-name.hf.space%2Flogin%2Fcallback&scope=openid%20profile&client_id=a1b2c3d4-0000-4000-8000-000000000001&state=STATE",
			want: AuthorizeRequest{
				ClientID:     "a1b2c3d4-0000-4000-8000-000000000001",
				RedirectURI:  "https://owner-name.hf.space/login/callback",
				ResponseType: "code",
				Scopes:       []string{"openid", "profile"},
				State:        "STATE",
				MaxAge:       -1,
			},
		},
		{
			// huggingface.js oauthLoginUrl: URLSearchParams, JSON state,
			// PKCE, no nonce parameter.
			name: "huggingface-js",
			query: "client_id=a1b2c3d4-0000-4000-8000-000000000001&scope=openid+profile&response_type=code" +
				"&redirect_uri=http%3A%2F%2Flocalhost%3A5173%2F" +
				"&state=%7B%22nonce%22%3A%22f1b5f2c4-8d0e-4c5a-9f59-3c1c0a6b2e7d%22%2C%22redirectUri%22%3A%22http%3A%2F%2Flocalhost%3A5173%2F%3Fa%3Db%26c%3Dd%22%2C%22state%22%3A%22x%22%7D" +
				"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
			want: AuthorizeRequest{
				ClientID:      "a1b2c3d4-0000-4000-8000-000000000001",
				RedirectURI:   "http://localhost:5173/",
				ResponseType:  "code",
				Scopes:        []string{"openid", "profile"},
				State:         hfjsState,
				CodeChallenge: rfc7636Challenge,
				MaxAge:        -1,
			},
		},
		{
			// authlib as gradio uses it: the redirect URI carries
			// ?_target_url=%2F, so it arrives encoded twice; nonce sent.
			name: "gradio-authlib",
			query: "response_type=code&client_id=a1b2c3d4-0000-4000-8000-000000000001" +
				"&redirect_uri=https%3A%2F%2Fowner-name.hf.space%2Flogin%2Fcallback%3F_target_url%3D%252F" +
				"&scope=openid+profile&state=Zt8bQkR2c1mVn0pLx4aYwE7uHs9gJd&nonce=Qm3vT8xZ2kLp9sWd4yRb",
			want: AuthorizeRequest{
				ClientID:     "a1b2c3d4-0000-4000-8000-000000000001",
				RedirectURI:  "https://owner-name.hf.space/login/callback?_target_url=%2F",
				ResponseType: "code",
				Scopes:       []string{"openid", "profile"},
				State:        "Zt8bQkR2c1mVn0pLx4aYwE7uHs9gJd",
				Nonce:        "Qm3vT8xZ2kLp9sWd4yRb",
				MaxAge:       -1,
			},
		},
		{
			// chat-ui through openid-client, with an RFC 8707 resource.
			name: "chat-ui-with-resource",
			query: "client_id=a1b2c3d4-0000-4000-8000-000000000001&scope=openid%20profile%20inference-api&response_type=code" +
				"&redirect_uri=https%3A%2F%2Fchat.example.org%2Flogin%2Fcallback&state=eyJkYXRhIjoiMSJ9" +
				"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256" +
				"&resource=https%3A%2F%2Fhuggingface.co%2Fmcp",
			want: AuthorizeRequest{
				ClientID:      "a1b2c3d4-0000-4000-8000-000000000001",
				RedirectURI:   "https://chat.example.org/login/callback",
				ResponseType:  "code",
				Scopes:        []string{"openid", "profile", "inference-api"},
				State:         "eyJkYXRhIjoiMSJ9",
				CodeChallenge: rfc7636Challenge,
				MaxAge:        -1,
			},
		},
		{
			name: "org-ids-and-prompt-consent",
			query: "client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&scope=openid%20read-repos" +
				"&orgIds=5e67bd5b1009063689407478&prompt=consent&max_age=600",
			want: AuthorizeRequest{
				ClientID:     "c",
				RedirectURI:  "http://127.0.0.1:8765/callback",
				ResponseType: "code",
				Scopes:       []string{"openid", "read-repos"},
				Prompt:       []string{"consent"},
				MaxAge:       600,
				OrgIDs:       []string{"5e67bd5b1009063689407478"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, fatal, redirectable := ParseAuthorize(v)
			if fatal != nil || redirectable != nil {
				t.Fatalf("ParseAuthorize: fatal %v, redirectable %v", fatal, redirectable)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseAuthorize mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHasPrompt(t *testing.T) {
	r := AuthorizeRequest{Prompt: []string{PromptLogin, PromptConsent}}
	for _, tt := range []struct {
		prompt string
		want   bool
	}{
		{PromptLogin, true},
		{PromptConsent, true},
		{PromptNone, false},
		{PromptSelectAccount, false},
		{"", false},
	} {
		if got := r.HasPrompt(tt.prompt); got != tt.want {
			t.Errorf("HasPrompt(%q) = %v, want %v", tt.prompt, got, tt.want)
		}
	}
}

func TestForcesLogin(t *testing.T) {
	for _, tt := range []struct {
		name   string
		prompt string
		want   bool
	}{
		{"absent", "", false},
		{"none", "none", false},
		{"consent", "consent", false},
		{"login", "login", true},
		{"select-account", "select_account", true},
		{"select-account-consent", "consent select_account", true},
		{"login-select-account", "login select_account", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := url.Values{"client_id": {"c"}, "redirect_uri": {"https://app.example/cb"}}
			if tt.prompt != "" {
				v.Set("prompt", tt.prompt)
			}
			r, fatal, rerr := ParseAuthorize(v)
			if fatal != nil || rerr != nil {
				t.Fatalf("ParseAuthorize: %v %v", fatal, rerr)
			}
			if got := r.ForcesLogin(); got != tt.want {
				t.Errorf("ForcesLogin() with prompt=%q = %v, want %v", tt.prompt, got, tt.want)
			}
		})
	}
}

func TestCodeRedirect(t *testing.T) {
	tests := []struct {
		name     string
		redirect string
		code     string
		state    string
		want     string
	}{
		{"https", "https://app.example.com/cb", "c0de", "xyz", "https://app.example.com/cb?code=c0de&state=xyz"},
		{"no-state", "https://app.example.com/cb", "c0de", "", "https://app.example.com/cb?code=c0de"},
		{"gradio-target-url-kept", "https://owner-name.hf.space/login/callback?_target_url=%2F", "c0de", "xyz", "https://owner-name.hf.space/login/callback?_target_url=%2F&code=c0de&state=xyz"},
		{"existing-query-kept-raw", "https://app.example.com/cb?a=1&b=%20+x", "c0de", "xyz", "https://app.example.com/cb?a=1&b=%20+x&code=c0de&state=xyz"},
		{"empty-query-marker", "https://app.example.com/cb?", "c0de", "xyz", "https://app.example.com/cb?code=c0de&state=xyz"},
		{"loopback-port", "http://127.0.0.1:8765/callback", "c0de", "xyz", "http://127.0.0.1:8765/callback?code=c0de&state=xyz"},
		{"ipv6-loopback", "http://[::1]:8765/callback", "c0de", "xyz", "http://[::1]:8765/callback?code=c0de&state=xyz"},
		{"custom-scheme", "com.example.app:/oauth2redirect", "c0de", "xyz", "com.example.app:/oauth2redirect?code=c0de&state=xyz"},
		{"state-escaped", "https://app.example.com/cb", "c0de", "a b&c=d", "https://app.example.com/cb?code=c0de&state=a+b%26c%3Dd"},
		{"huggingface-js-state", "http://localhost:5173/", "c0de", hfjsState,
			"http://localhost:5173/?code=c0de&state=%7B%22nonce%22%3A%22f1b5f2c4-8d0e-4c5a-9f59-3c1c0a6b2e7d%22%2C%22redirectUri%22%3A%22http%3A%2F%2Flocalhost%3A5173%2F%3Fa%3Db%26c%3Dd%22%2C%22state%22%3A%22x%22%7D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CodeRedirect(tt.redirect, tt.code, tt.state, "")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CodeRedirect(%q, %q, %q)\n got %s\nwant %s", tt.redirect, tt.code, tt.state, got, tt.want)
			}
		})
	}
}

// TestRedirectIss: both authorization responses carry the issuer (RFC
// 9207), after the client's own query.
func TestRedirectIss(t *testing.T) {
	got, err := CodeRedirect("https://app.example.com/cb?a=1", "c0de", "xyz", "https://hub.example")
	if want := "https://app.example.com/cb?a=1&code=c0de&iss=https%3A%2F%2Fhub.example&state=xyz"; err != nil || got != want {
		t.Errorf("CodeRedirect = %s, %v; want %s", got, err, want)
	}
	got, err = ErrorRedirect("https://app.example.com/cb", oidc.NewError(oidc.CodeAccessDenied, ""), "", "https://hub.example")
	if want := "https://app.example.com/cb?error=access_denied&iss=https%3A%2F%2Fhub.example"; err != nil || got != want {
		t.Errorf("ErrorRedirect = %s, %v; want %s", got, err, want)
	}
}

func TestErrorRedirect(t *testing.T) {
	denied := oidc.NewError(oidc.CodeAccessDenied, "The user denied the request")
	tests := []struct {
		name     string
		redirect string
		err      *oidc.Error
		state    string
		want     string
	}{
		{"access-denied", "https://app.example.com/cb", denied, "xyz", "https://app.example.com/cb?error=access_denied&error_description=The+user+denied+the+request&state=xyz"},
		{"no-state", "https://app.example.com/cb", denied, "", "https://app.example.com/cb?error=access_denied&error_description=The+user+denied+the+request"},
		{"no-description", "https://app.example.com/cb", oidc.NewError(oidc.CodeLoginRequired, ""), "xyz", "https://app.example.com/cb?error=login_required&state=xyz"},
		{"gradio-target-url-kept", "https://owner-name.hf.space/login/callback?_target_url=%2F", oidc.InvalidScope(`unknown scope "x"`), "xyz",
			"https://owner-name.hf.space/login/callback?_target_url=%2F&error=invalid_scope&error_description=unknown+scope+%22x%22&state=xyz"},
		{"cause-never-sent", "https://app.example.com/cb", oidc.ServerError(fmt.Errorf("database password is hunter2")), "",
			"https://app.example.com/cb?error=server_error&error_description=The+server+could+not+complete+the+request%3B+try+again+later."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ErrorRedirect(tt.redirect, tt.err, tt.state, "")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ErrorRedirect(%q, %v, %q)\n got %s\nwant %s", tt.redirect, tt.err, tt.state, got, tt.want)
			}
		})
	}
}

func TestRedirectUnparseable(t *testing.T) {
	for _, u := range []string{"http://[::1", "https://app.example.com/%zz", "://no-scheme"} {
		t.Run(u, func(t *testing.T) {
			if got, err := CodeRedirect(u, "c0de", "s", ""); err == nil {
				t.Errorf("CodeRedirect(%q) = %q, want an error", u, got)
			}
			if got, err := ErrorRedirect(u, oidc.InvalidRequest("x"), "s", ""); err == nil {
				t.Errorf("ErrorRedirect(%q) = %q, want an error", u, got)
			}
			if got, err := AppendQuery(u, url.Values{"a": {"b"}}); err == nil {
				t.Errorf("AppendQuery(%q) = %q, want an error", u, got)
			}
		})
	}
}

// TestStateRoundTrip checks that whatever state a client sends comes back
// byte for byte, next to the redirect URI's own query, as a client reads it
// with url.Parse(...).Query().
func TestStateRoundTrip(t *testing.T) {
	states := []struct{ name, state string }{
		{"huggingface-js-json", hfjsState},
		{"ampersand-equals", "a&b=c&state=evil"},
		{"plus-percent-space", "+ %20%2B%"},
		{"hash-question", "#frag?q=1"},
		{"unicode", "ünïcødé ✓ 名前"},
		{"control-bytes", "\x00\x01\t\n\r\x7f"},
		{"invalid-utf8", "\xff\xfe\xc3"},
		{"max-length", strings.Repeat("{\"k\":\"v&w\"}", 744) + "xxxxxxxx"},
	}
	redirects := []struct{ name, uri string }{
		{"gradio", "https://owner-name.hf.space/login/callback?_target_url=%2F"},
		{"huggingface-js", "http://localhost:5173/"},
		{"native-app", "com.example.app:/oauth2redirect"},
	}
	for _, st := range states {
		for _, rd := range redirects {
			redirect := rd.uri
			t.Run(st.name+"/"+rd.name, func(t *testing.T) {
				if len(st.state) > maxStateLen {
					t.Fatalf("state is %d bytes, more than %d", len(st.state), maxStateLen)
				}
				// From the wire to the request...
				wire := vals("client_id", testClientID, "redirect_uri", redirect, "state", st.state).Encode()
				in, err := url.ParseQuery(wire)
				if err != nil {
					t.Fatal(err)
				}
				r, fatal, redirectable := ParseAuthorize(in)
				if fatal != nil || redirectable != nil {
					t.Fatalf("ParseAuthorize: fatal %v, redirectable %v", fatal, redirectable)
				}
				if r.State != st.state {
					t.Fatalf("parsed State = %q, want %q", r.State, st.state)
				}
				before, err := url.Parse(redirect)
				if err != nil {
					t.Fatal(err)
				}
				// ...and back to the client, on success and on error.
				success, err := CodeRedirect(redirect, "c0de", r.State, "https://hub.example")
				if err != nil {
					t.Fatal(err)
				}
				failure, err := ErrorRedirect(redirect, oidc.NewError(oidc.CodeAccessDenied, "The user denied the request"), r.State, "https://hub.example")
				if err != nil {
					t.Fatal(err)
				}
				for _, back := range []string{success, failure} {
					u, err := url.Parse(back)
					if err != nil {
						t.Fatalf("url.Parse(%q): %v", back, err)
					}
					q := u.Query()
					if diff := cmp.Diff([]string{st.state}, q["state"]); diff != "" {
						t.Errorf("state in %s (-want +got):\n%s", back, diff)
					}
					for k, v := range before.Query() {
						if diff := cmp.Diff(v, q[k]); diff != "" {
							t.Errorf("redirect URI's own parameter %s in %s (-want +got):\n%s", k, back, diff)
						}
					}
					if u.Scheme != before.Scheme || u.Host != before.Host || u.EscapedPath() != before.EscapedPath() {
						t.Errorf("redirect %s does not go to %s", back, redirect)
					}
				}
			})
		}
	}
}
