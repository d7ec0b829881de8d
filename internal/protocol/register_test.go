package protocol

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/oidc"
)

func TestParseRegistrationPolicy(t *testing.T) {
	for s, want := range map[string]RegistrationPolicy{"off": RegistrationOff, "public": RegistrationPublic, "open": RegistrationOpen} {
		got, err := ParseRegistrationPolicy(s)
		if err != nil || got != want || got.String() != s {
			t.Errorf("ParseRegistrationPolicy(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseRegistrationPolicy("on"); err == nil || !strings.Contains(err.Error(), "off, public") {
		t.Errorf("ParseRegistrationPolicy(on) = %v, want an error naming the choices", err)
	}
}

func TestParseRegistration(t *testing.T) {
	const loop = `"redirect_uris":["http://127.0.0.1:33418/callback"]`
	mcp := Registration{Name: "MCP Inspector", RedirectURIs: []string{"http://127.0.0.1:33418/callback"},
		AuthMethod: oidc.AuthNone, Public: true, GrantTypes: []string{oidc.GrantAuthorizationCode, oidc.GrantRefreshToken},
		ResponseTypes: []string{"code"}, Scopes: []string{"openid", "profile", "email"}, ClientURI: "https://inspector.example/"}
	tests := []struct {
		name   string
		policy RegistrationPolicy
		body   string
		want   *Registration // nil: an error
		code   oidc.ErrorCode
		desc   string // in the description
	}{
		{name: "mcp client", policy: RegistrationPublic,
			body: `{` + loop + `,"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],` +
				`"response_types":["code"],"client_name":" MCP Inspector ","scope":"openid email","client_uri":"https://inspector.example/","software_id":"x","jwks":{}}`,
			want: &mcp},
		{name: "defaults under public", policy: RegistrationPublic, body: `{"redirect_uris":["https://app.example/cb","https://app.example/cb"]}`,
			want: &Registration{Name: DefaultRegisteredName, RedirectURIs: []string{"https://app.example/cb"}, AuthMethod: oidc.AuthNone, Public: true,
				GrantTypes: []string{oidc.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: []string{"openid", "profile"}}},
		{name: "defaults under open are confidential", policy: RegistrationOpen, body: `{` + loop + `,"client_name":"Web"}`,
			want: &Registration{Name: "Web", RedirectURIs: []string{"http://127.0.0.1:33418/callback"}, AuthMethod: oidc.AuthClientSecretBasic,
				GrantTypes: []string{oidc.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: []string{"openid", "profile"}}},
		{name: "client_secret_post under open", policy: RegistrationOpen, body: `{` + loop + `,"token_endpoint_auth_method":"client_secret_post","client_name":"W"}`,
			want: &Registration{Name: "W", RedirectURIs: []string{"http://127.0.0.1:33418/callback"}, AuthMethod: oidc.AuthClientSecretPost,
				GrantTypes: []string{oidc.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: []string{"openid", "profile"}}},
		{name: "device only, no redirect", policy: RegistrationPublic, body: `{"grant_types":["` + oidc.GrantDeviceCode + `"],"client_name":"cli","redirect_uris":null}`,
			want: &Registration{Name: "cli", AuthMethod: oidc.AuthNone, Public: true, GrantTypes: []string{oidc.GrantDeviceCode}, Scopes: []string{"openid", "profile"}}},

		{name: "not json", body: `redirect_uris=x`, code: oidc.CodeInvalidClientMetadata, desc: "not a JSON object"},
		{name: "json array", body: `[]`, code: oidc.CodeInvalidClientMetadata, desc: "not a JSON object"},
		{name: "json null", body: `null`, code: oidc.CodeInvalidClientMetadata, desc: "not a JSON object"},
		{name: "redirect_uris a string", body: `{"redirect_uris":"https://a.example/cb"}`, code: oidc.CodeInvalidClientMetadata, desc: "redirect_uris must be an array"},
		{name: "client_name a number", body: `{` + loop + `,"client_name":3}`, code: oidc.CodeInvalidClientMetadata, desc: "client_name must be a string"},
		{name: "no redirect_uris", body: `{"client_name":"x"}`, code: oidc.CodeInvalidRedirectURI, desc: "redirect_uris is required"},
		{name: "empty redirect_uris", body: `{"redirect_uris":[]}`, code: oidc.CodeInvalidRedirectURI, desc: "redirect_uris is required"},
		{name: "http not loopback", body: `{"redirect_uris":["http://app.example/cb"]}`, code: oidc.CodeInvalidRedirectURI, desc: "not loopback"},
		{name: "fragment", body: `{"redirect_uris":["https://app.example/cb#x"]}`, code: oidc.CodeInvalidRedirectURI, desc: "fragment"},
		{name: "relative", body: `{"redirect_uris":["/cb"]}`, code: oidc.CodeInvalidRedirectURI, desc: "not absolute"},
		{name: "private-use scheme", body: `{"redirect_uris":["com.example.app:/cb"]}`, code: oidc.CodeInvalidRedirectURI, desc: "https, or http on a loopback host, only"},
		{name: "javascript scheme", body: `{"redirect_uris":["javascript:alert(1)"]}`, code: oidc.CodeInvalidRedirectURI, desc: "scheme"},
		{name: "too many redirects", body: `{"redirect_uris":["https://a/1","https://a/2","https://a/3","https://a/4","https://a/5","https://a/6","https://a/7","https://a/8","https://a/9","https://a/10","https://a/11"]}`,
			code: oidc.CodeInvalidRedirectURI, desc: "too many"},
		{name: "confidential under public", policy: RegistrationPublic, body: `{` + loop + `,"token_endpoint_auth_method":"client_secret_basic"}`,
			code: oidc.CodeInvalidClientMetadata, desc: "public clients only"},
		{name: "private_key_jwt", policy: RegistrationOpen, body: `{` + loop + `,"token_endpoint_auth_method":"private_key_jwt"}`,
			code: oidc.CodeInvalidClientMetadata, desc: "client_secret_basic or client_secret_post"},
		{name: "implicit grant", body: `{` + loop + `,"grant_types":["implicit"]}`, code: oidc.CodeInvalidClientMetadata, desc: `grant type "implicit" is not supported`},
		{name: "client credentials", policy: RegistrationOpen, body: `{` + loop + `,"grant_types":["client_credentials"]}`, code: oidc.CodeInvalidClientMetadata, desc: "not supported"},
		{name: "device for confidential", policy: RegistrationOpen, body: `{` + loop + `,"grant_types":["authorization_code","` + oidc.GrantDeviceCode + `"]}`,
			code: oidc.CodeInvalidClientMetadata, desc: "public clients only"},
		{name: "refresh alone", body: `{` + loop + `,"grant_types":["refresh_token"]}`, code: oidc.CodeInvalidClientMetadata, desc: "needs authorization_code"},
		{name: "token response type", body: `{` + loop + `,"response_types":["code","token"]}`, code: oidc.CodeInvalidClientMetadata, desc: `response type "token"`},
		{name: "code without its grant", body: `{` + loop + `,"grant_types":["` + oidc.GrantDeviceCode + `"],"response_types":["code"]}`,
			code: oidc.CodeInvalidClientMetadata, desc: "go together"},
		{name: "unknown scope", body: `{` + loop + `,"scope":"openid admin"}`, code: oidc.CodeInvalidClientMetadata, desc: `unknown scope "admin"`},
		{name: "long name", body: `{` + loop + `,"client_name":"` + strings.Repeat("a", 101) + `"}`, code: oidc.CodeInvalidClientMetadata, desc: "longer than 100"},
		{name: "control in name", body: `{` + loop + `,"client_name":"a\u0007b"}`, code: oidc.CodeInvalidClientMetadata, desc: "control"},
		{name: "newline in name", body: `{` + loop + `,"client_name":"a\nb"}`, code: oidc.CodeInvalidClientMetadata, desc: "control"},
		{name: "bidi override in name", body: `{` + loop + `,"client_name":"Good\u202eliame"}`, code: oidc.CodeInvalidClientMetadata, desc: "bidirectional"},
		{name: "bidi isolate in name", body: `{` + loop + `,"client_name":"a\u2067b"}`, code: oidc.CodeInvalidClientMetadata, desc: "bidirectional"},
		{name: "invalid utf-8 name", body: "{" + loop + ",\"client_name\":\"a\xffb\"}", code: oidc.CodeInvalidClientMetadata, desc: "UTF-8"},
		{name: "http logo", body: `{` + loop + `,"logo_uri":"http://app.example/logo.png"}`, code: oidc.CodeInvalidClientMetadata, desc: "logo_uri must be an absolute https URL"},
		{name: "relative client_uri", body: `{` + loop + `,"client_uri":"/home"}`, code: oidc.CodeInvalidClientMetadata, desc: "client_uri must be an absolute https URL"},
		{name: "logo with user info", body: `{` + loop + `,"logo_uri":"https://u:p@app.example/l.png"}`, code: oidc.CodeInvalidClientMetadata, desc: "logo_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := tt.policy
			if policy == RegistrationOff {
				policy = RegistrationPublic
			}
			got, err := ParseRegistration([]byte(tt.body), policy)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				if d := cmp.Diff(*tt.want, got); d != "" {
					t.Errorf("registration (-want +got):\n%s", d)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %s", tt.code)
			}
			if err.Code != tt.code || !strings.Contains(err.Description, tt.desc) {
				t.Errorf("error %s %q, want %s containing %q", err.Code, err.Description, tt.code, tt.desc)
			}
			if err.HTTPStatus() != 400 {
				t.Errorf("status %d, want 400", err.HTTPStatus())
			}
		})
	}
}
