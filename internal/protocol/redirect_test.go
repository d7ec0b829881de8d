package protocol

import (
	"strings"
	"testing"
)

func TestMatchRedirectURI(t *testing.T) {
	tests := []struct {
		name       string
		registered []string
		requested  string
		want       bool
	}{
		// Exact matches.
		{"exact-https", []string{"https://app.example.com/oauth/callback"}, "https://app.example.com/oauth/callback", true},
		{"exact-second-of-several", []string{"https://a.example.com/cb", "https://b.example.com/cb"}, "https://b.example.com/cb", true},
		{"exact-with-query", []string{"https://app.example.com/cb?x=1"}, "https://app.example.com/cb?x=1", true},
		{"exact-https-with-port", []string{"https://app.example.com:8443/cb"}, "https://app.example.com:8443/cb", true},
		{"exact-loopback-with-port", []string{"http://localhost:3000/cb"}, "http://localhost:3000/cb", true},
		{"nothing-registered", nil, "https://app.example.com/cb", false},
		{"empty-request", []string{"https://app.example.com/cb"}, "", false},
		{"empty-request-empty-registered", []string{""}, "", false},
		{"trailing-slash-differs", []string{"https://app.example.com/cb"}, "https://app.example.com/cb/", false},
		{"path-prefix-is-not-a-match", []string{"https://app.example.com/cb"}, "https://app.example.com/cb/more", false},
		{"host-case-is-exact", []string{"https://app.example.com/cb"}, "https://APP.example.com/cb", false},
		{"path-case-is-exact", []string{"https://app.example.com/cb"}, "https://app.example.com/CB", false},
		{"extra-query-refused", []string{"https://app.example.com/cb"}, "https://app.example.com/cb?next=/admin", false},
		{"query-on-registered-needed", []string{"https://app.example.com/cb?x=1"}, "https://app.example.com/cb", false},
		{"too-long", []string{"https://app.example.com/" + strings.Repeat("a", 2100)}, "https://app.example.com/" + strings.Repeat("a", 2100), false},

		// http on a loopback host: any port (RFC 8252 §7.3).
		{"localhost-any-port", []string{"http://localhost/cb"}, "http://localhost:51234/cb", true},
		{"localhost-other-port-than-registered", []string{"http://localhost:8080/cb"}, "http://localhost:9090/cb", true},
		{"localhost-port-dropped", []string{"http://localhost:8080/cb"}, "http://localhost/cb", true},
		{"ipv4-loopback-any-port", []string{"http://127.0.0.1/callback"}, "http://127.0.0.1:8000/callback", true},
		{"ipv6-loopback-any-port", []string{"http://[::1]/callback"}, "http://[::1]:8000/callback", true},
		{"ipv6-loopback-registered-with-port", []string{"http://[::1]:1/callback"}, "http://[::1]:65535/callback", true},
		{"loopback-query-kept", []string{"http://localhost/cb?a=b"}, "http://localhost:7860/cb?a=b", true},
		{"loopback-empty-path", []string{"http://127.0.0.1"}, "http://127.0.0.1:4000", true},
		{"loopback-userinfo-equal", []string{"http://u@localhost/cb"}, "http://u@localhost:1234/cb", true},

		// Loopback hosts are not aliases of one another.
		{"localhost-is-not-127.0.0.1", []string{"http://localhost/cb"}, "http://127.0.0.1:8000/cb", false},
		{"127.0.0.1-is-not-localhost", []string{"http://127.0.0.1/cb"}, "http://localhost:8000/cb", false},
		{"localhost-is-not-ipv6", []string{"http://localhost/cb"}, "http://[::1]:8000/cb", false},
		{"ipv6-long-form-is-not-::1", []string{"http://[::1]/cb"}, "http://[0:0:0:0:0:0:0:1]:8000/cb", false},
		{"other-127-address-not-any-port", []string{"http://127.0.0.2/cb"}, "http://127.0.0.2:8000/cb", false},
		{"dot-localhost-not-any-port", []string{"http://app.localhost/cb"}, "http://app.localhost:8000/cb", false},

		// Every other part of a loopback URI must match.
		{"loopback-path-differs", []string{"http://localhost/cb"}, "http://localhost:8000/other", false},
		{"loopback-path-escaped-differently", []string{"http://localhost/cb"}, "http://localhost:8000/%63b", false},
		{"loopback-query-differs", []string{"http://localhost/cb?a=b"}, "http://localhost:8000/cb?a=c", false},
		{"loopback-query-added", []string{"http://localhost/cb"}, "http://localhost:8000/cb?a=b", false},
		{"loopback-query-dropped", []string{"http://localhost/cb?a=b"}, "http://localhost:8000/cb", false},
		{"loopback-empty-query-added", []string{"http://localhost/cb"}, "http://localhost:8000/cb?", false},
		{"loopback-userinfo-added", []string{"http://localhost/cb"}, "http://evil@localhost:8000/cb", false},
		{"loopback-userinfo-dropped", []string{"http://u@localhost/cb"}, "http://localhost:8000/cb", false},
		{"loopback-userinfo-differs", []string{"http://u:p@localhost/cb"}, "http://u:q@localhost:8000/cb", false},
		{"loopback-https-needs-exact-port", []string{"https://localhost/cb"}, "https://localhost:8443/cb", false},
		{"loopback-scheme-differs", []string{"https://localhost/cb"}, "http://localhost:8000/cb", false},
		{"loopback-non-numeric-port", []string{"http://localhost/cb"}, "http://localhost:abc/cb", false},

		// https needs the exact port.
		{"https-other-port", []string{"https://app.example.com/cb"}, "https://app.example.com:8443/cb", false},
		{"https-explicit-default-port", []string{"https://app.example.com/cb"}, "https://app.example.com:443/cb", false},
		{"https-port-dropped", []string{"https://app.example.com:8443/cb"}, "https://app.example.com/cb", false},
		{"http-non-loopback-other-port", []string{"http://intranet.example/cb"}, "http://intranet.example:81/cb", false},

		// Fragments are refused, even if registered.
		{"fragment-on-request", []string{"https://app.example.com/cb"}, "https://app.example.com/cb#x", false},
		{"fragment-on-both", []string{"https://app.example.com/cb#x"}, "https://app.example.com/cb#x", false},
		{"empty-fragment", []string{"https://app.example.com/cb"}, "https://app.example.com/cb#", false},
		{"fragment-on-loopback", []string{"http://localhost/cb"}, "http://localhost:8000/cb#frag", false},
		{"empty-fragment-on-loopback", []string{"http://localhost/cb"}, "http://localhost:8000/cb#", false},

		// Custom schemes (RFC 8252 §7.1) need an exact match.
		{"custom-scheme-exact", []string{"com.example.app:/oauth2redirect"}, "com.example.app:/oauth2redirect", true},
		{"custom-scheme-path-differs", []string{"com.example.app:/oauth2redirect"}, "com.example.app:/other", false},
		{"custom-scheme-other-scheme", []string{"com.example.app:/oauth2redirect"}, "com.evil.app:/oauth2redirect", false},
		{"custom-scheme-query-added", []string{"com.example.app:/cb"}, "com.example.app:/cb?x=1", false},
		{"custom-scheme-with-localhost-host", []string{"com.example.app://localhost/cb"}, "com.example.app://localhost:8000/cb", false},

		// Hostile shapes.
		{"userinfo-trick", []string{"https://app.example.com/cb"}, "https://app.example.com@evil.com/cb", false},
		{"suffix-trick", []string{"https://app.example.com/cb"}, "https://app.example.com.evil.com/cb", false},
		{"unparseable", []string{"http://localhost/cb"}, "http://[::1/cb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchRedirectURI(tt.registered, tt.requested); got != tt.want {
				t.Errorf("MatchRedirectURI(%q, %q) = %v, want %v", tt.registered, tt.requested, got, tt.want)
			}
		})
	}
}

func TestMatchSpaceRedirect(t *testing.T) {
	space := []string{"owner-name.hf.space"}
	local := []string{"owner-name.hf.space", "localhost:7860", "127.0.0.1:7860", "[::1]:7860", "owner-name.localhost:7860"}
	tests := []struct {
		name      string
		hosts     []string
		requested string
		want      bool
	}{
		{"https-login-callback", space, "https://owner-name.hf.space/login/callback", true},
		{"gradio-target-url", space, "https://owner-name.hf.space/login/callback?_target_url=%2F", true},
		{"gradio-target-url-deep", space, "https://owner-name.hf.space/login/callback?_target_url=%2F%3F__theme%3Ddark", true},
		{"huggingface-js-root", space, "https://owner-name.hf.space/", true},
		{"no-path", space, "https://owner-name.hf.space", true},
		{"any-path", space, "https://owner-name.hf.space/auth/callback/deeper/still", true},
		{"any-query", space, "https://owner-name.hf.space/cb?a=b&c=d", true},
		{"host-case-insensitive", space, "https://Owner-Name.HF.space/login/callback", true},
		{"scheme-case-insensitive", space, "HTTPS://owner-name.hf.space/login/callback", true},
		{"registered-host-upper-case", []string{"OWNER-NAME.HF.SPACE"}, "https://owner-name.hf.space/cb", true},
		{"second-host", []string{"owner-name.hf.space", "models.example.org"}, "https://models.example.org/cb", true},
		{"empty-hosts", nil, "https://owner-name.hf.space/cb", false},
		{"empty-host-entry", []string{""}, "https:///cb", false},
		{"empty-request", space, "", false},

		// Ports: the host entry carries the port.
		{"https-host-with-port", []string{"spaces.example.org:8443"}, "https://spaces.example.org:8443/cb", true},
		{"https-port-missing", []string{"spaces.example.org:8443"}, "https://spaces.example.org/cb", false},
		{"https-port-added", space, "https://owner-name.hf.space:8443/cb", false},
		{"https-explicit-default-port", space, "https://owner-name.hf.space:443/cb", false},
		{"http-localhost-with-port", local, "http://localhost:7860/login/callback?_target_url=%2F", true},
		{"http-localhost-other-port", local, "http://localhost:7861/login/callback", false},
		{"http-127.0.0.1", local, "http://127.0.0.1:7860/cb", true},
		{"http-ipv6-loopback", local, "http://[::1]:7860/cb", true},
		{"http-dot-localhost", local, "http://owner-name.localhost:7860/cb", true},
		{"http-localhost-upper-case", local, "http://LOCALHOST:7860/cb", true},
		{"https-localhost", local, "https://localhost:7860/cb", true},

		// http only on loopback hosts.
		{"http-on-space-host", space, "http://owner-name.hf.space/login/callback", false},
		{"http-on-non-loopback-even-if-listed", []string{"intranet.example:8080"}, "http://intranet.example:8080/cb", false},
		{"http-dot-localhost-not-listed", local, "http://other.localhost:7860/cb", false},

		// Other hosts, schemes and shapes.
		{"other-host", space, "https://evil.com/login/callback", false},
		{"other-space", space, "https://owner-other.hf.space/login/callback", false},
		{"parent-domain", space, "https://hf.space/login/callback", false},
		{"subdomain-of-space", space, "https://x.owner-name.hf.space/cb", false},
		{"space-host-in-path", space, "https://evil.com/owner-name.hf.space", false},
		{"space-host-in-query", space, "https://evil.com/?owner-name.hf.space", false},
		{"space-host-as-prefix", space, "https://owner-name.hf.space.evil.com", false},
		{"space-host-as-prefix-with-path", space, "https://owner-name.hf.space.evil.com/login/callback", false},
		{"trailing-dot", space, "https://owner-name.hf.space./cb", false},
		{"userinfo-evil", space, "https://evil.com@owner-name.hf.space", false},
		{"userinfo-empty", space, "https://@owner-name.hf.space/cb", false},
		{"userinfo-space-host", space, "https://owner-name.hf.space@evil.com", false},
		{"backslash-userinfo", space, `https://owner-name.hf.space\@evil.com`, false},
		{"backslash-path", space, `https://owner-name.hf.space\evil.com`, false},
		{"fragment", space, "https://owner-name.hf.space/cb#x", false},
		{"empty-fragment", space, "https://owner-name.hf.space/cb#", false},
		{"fragment-hides-host", space, "https://evil.com#@owner-name.hf.space", false},
		{"opaque", space, "https:owner-name.hf.space/cb", false},
		{"scheme-relative", space, "//owner-name.hf.space/cb", false},
		{"relative", space, "/login/callback", false},
		{"javascript", space, "javascript://owner-name.hf.space/%0aalert(1)", false},
		{"custom-scheme", space, "com.example.app://owner-name.hf.space/cb", false},
		{"ftp", space, "ftp://owner-name.hf.space/cb", false},
		{"too-long", space, "https://owner-name.hf.space/" + strings.Repeat("a", 2100), false},
		{"unparseable", space, "https://owner-name.hf.space/%zz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchSpaceRedirect(tt.hosts, tt.requested); got != tt.want {
				t.Errorf("MatchSpaceRedirect(%q, %q) = %v, want %v", tt.hosts, tt.requested, got, tt.want)
			}
		})
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		name string
		host string
		want bool
	}{
		{"localhost", "localhost", true},
		{"localhost-upper-case", "LocalHost", true},
		{"localhost-trailing-dot", "localhost.", true},
		{"dot-localhost", "app.localhost", true},
		{"deep-dot-localhost", "a.b.localhost", true},
		{"ipv4-loopback", "127.0.0.1", true},
		{"ipv4-loopback-range", "127.8.9.10", true},
		{"ipv6-loopback", "::1", true},
		{"ipv6-loopback-long", "0:0:0:0:0:0:0:1", true},
		{"empty", "", false},
		{"localhost-suffix-trick", "localhost.evil.com", false},
		{"localhost-without-dot", "evillocalhost", false},
		{"bracketed-ipv6", "[::1]", false},
		{"with-port", "localhost:8080", false},
		{"public-ip", "8.8.8.8", false},
		{"unspecified", "0.0.0.0", false},
		{"public-host", "example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsLoopbackHost(tt.host); got != tt.want {
				t.Errorf("IsLoopbackHost(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestValidateRedirectURI(t *testing.T) {
	tests := []struct {
		name    string
		uri     string
		wantErr string // substring of the error; "" for valid
	}{
		{"https", "https://app.example.com/oauth/callback", ""},
		{"https-with-port-and-query", "https://app.example.com:8443/cb?x=1", ""},
		{"space-gradio", "https://owner-name.hf.space/login/callback", ""},
		{"http-localhost", "http://localhost/cb", ""},
		{"http-localhost-port", "http://localhost:3000/cb", ""},
		{"http-127.0.0.1", "http://127.0.0.1:8000/callback", ""},
		{"http-ipv6-loopback", "http://[::1]:8000/callback", ""},
		{"http-dot-localhost", "http://app.localhost:7860/cb", ""},
		{"custom-scheme", "com.example.app:/oauth2redirect", ""},
		{"custom-scheme-with-host", "com.example.app://callback", ""},

		{"empty", "", "empty"},
		{"too-long", "https://app.example.com/" + strings.Repeat("a", 2100), "longer than 2048"},
		{"unparseable", "https://app.example.com/%zz", "not a URL"},
		{"fragment", "https://app.example.com/cb#frag", "fragment"},
		{"empty-fragment", "https://app.example.com/cb#", "fragment"},
		{"http-public-host", "http://app.example.com/cb", "not loopback"},
		{"http-localhost-suffix-trick", "http://localhost.evil.com/cb", "not loopback"},
		{"https-no-host", "https:///cb", "no host"},
		{"https-opaque", "https:app.example.com", "no host"},
		{"http-no-host", "http:///cb", "no host"},
		{"relative-path", "/login/callback", "not absolute"},
		{"scheme-relative", "//app.example.com/cb", "not absolute"},
		{"javascript", "javascript:alert(1)", `scheme "javascript"`},
		{"data", "data:text/html,hi", `scheme "data"`},
		{"ftp", "ftp://app.example.com/cb", `scheme "ftp"`},
		{"custom-scheme-not-reverse-domain", "myapp:/cb", `scheme "myapp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateRedirectURI(tt.uri)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateRedirectURI(%q) = %v, want nil", tt.uri, err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("ValidateRedirectURI(%q) = nil, want an error containing %q", tt.uri, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("ValidateRedirectURI(%q) = %q, want it to contain %q", tt.uri, err, tt.wantErr)
			}
		})
	}
}

// Every URI that registration accepts must match itself, else an app could
// register a URI it can never use.
func TestValidatedRedirectURIMatchesItself(t *testing.T) {
	for _, uri := range []string{
		"https://app.example.com/oauth/callback",
		"https://app.example.com:8443/cb?x=1",
		"http://localhost/cb",
		"http://[::1]:8000/callback",
		"http://app.localhost:7860/cb",
		"com.example.app:/oauth2redirect",
	} {
		t.Run(uri, func(t *testing.T) {
			if err := ValidateRedirectURI(uri); err != nil {
				t.Fatalf("ValidateRedirectURI(%q) = %v", uri, err)
			}
			if !MatchRedirectURI([]string{uri}, uri) {
				t.Errorf("MatchRedirectURI([%q], %q) = false, want true", uri, uri)
			}
		})
	}
}
