package signin

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOrigin is the redirect URI rule, case by case.
func TestOrigin(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		host      string
		tls       bool
		proto     string // X-Forwarded-Proto
		want      string // callback URL, "" for an error
		wantPrime string // break-out origin
	}{
		{"space https", Config{Hosts: []string{"owner-app.hf.space"}}, "owner-app.hf.space", false, "", "https://owner-app.hf.space/login/callback", "https://owner-app.hf.space"},
		{"space host case", Config{Hosts: []string{"owner-app.hf.space"}}, "Owner-App.hf.space", false, "", "https://owner-app.hf.space/login/callback", "https://owner-app.hf.space"},
		{"forwarded http ignored off loopback", Config{Hosts: []string{"owner-app.hf.space"}, TrustForwardedProto: true}, "owner-app.hf.space", false, "http", "https://owner-app.hf.space/login/callback", "https://owner-app.hf.space"},
		{"custom domain listed", Config{Hosts: []string{"owner-app.hf.space", "app.example.com"}}, "app.example.com", false, "", "https://app.example.com/login/callback", "https://owner-app.hf.space"},
		{"unlisted host uses primary", Config{Hosts: []string{"owner-app.hf.space"}}, "10.0.0.5:7860", false, "", "https://owner-app.hf.space/login/callback", "https://owner-app.hf.space"},
		{"space run plain http", Config{Hosts: []string{"demo-app.localhost:4000", "127.0.0.1:4000"}, TrustForwardedProto: true}, "127.0.0.1:4000", false, "http", "http://127.0.0.1:4000/login/callback", "http://demo-app.localhost:4000"},
		{"space run https via proxy", Config{Hosts: []string{"demo-app.localhost:4000", "127.0.0.1:4000"}, TrustForwardedProto: true}, "demo-app.localhost:4000", false, "https", "https://demo-app.localhost:4000/login/callback", "https://demo-app.localhost:4000"},
		{"forwarded proto untrusted", Config{Hosts: []string{"demo-app.localhost:4000"}}, "demo-app.localhost:4000", false, "https", "http://demo-app.localhost:4000/login/callback", "http://demo-app.localhost:4000"},
		{"forwarded proto list", Config{Hosts: []string{"127.0.0.1:4000"}, TrustForwardedProto: true}, "127.0.0.1:4000", false, "https, http", "https://127.0.0.1:4000/login/callback", "https://127.0.0.1:4000"},
		{"loopback over tls", Config{Hosts: []string{"localhost:8443"}}, "localhost:8443", true, "", "https://localhost:8443/login/callback", "https://localhost:8443"},
		{"no hosts loopback", Config{}, "127.0.0.1:8000", false, "", "http://127.0.0.1:8000/login/callback", "http://127.0.0.1:8000"},
		{"no hosts ipv6 loopback", Config{}, "[::1]:8000", false, "", "http://[::1]:8000/login/callback", "http://[::1]:8000"},
		{"no hosts elsewhere", Config{}, "evil.example", false, "", "", ""},
		{"prefix", Config{Hosts: []string{"a.hf.space"}, Prefix: "/app"}, "a.hf.space", false, "", "https://a.hf.space/app/login/callback", "https://a.hf.space"},
		{"callback path", Config{Hosts: []string{"a.hf.space"}, CallbackPath: "/auth/callback"}, "a.hf.space", false, "", "https://a.hf.space/auth/callback", "https://a.hf.space"},
		{"fixed redirect", Config{Hosts: []string{"a.hf.space"}, RedirectURL: "https://App.example.com/oauth/cb"}, "a.hf.space", false, "", "https://app.example.com/oauth/cb", "https://app.example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Issuer, tc.cfg.ClientID = "https://huggingface.co", "c"
			if err := tc.cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			s := testSignIn(tc.cfg)
			r := httptest.NewRequest("GET", "/login/huggingface", nil)
			r.Host = tc.host
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			o, err := s.originFor(r)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("origin %+v, want an error", o)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := o.url(s.cfg.CallbackPath); got != tc.want {
				t.Errorf("callback %q, want %q", got, tc.want)
			}
			po, err := s.primaryOrigin(r)
			if err != nil || po.url("") != tc.wantPrime {
				t.Errorf("primary %q (%v), want %q", po.url(""), err, tc.wantPrime)
			}
		})
	}
}

func testSignIn(cfg Config) *SignIn {
	cfg = cfg.withDefaults()
	s := &SignIn{cfg: cfg, log: cfg.Logger}
	if cfg.RedirectURL != "" {
		u, _ := url.Parse(cfg.RedirectURL)
		s.fixed = &origin{scheme: u.Scheme, host: strings.ToLower(u.Host)}
	}
	return s
}

// TestSafeReturn: only same-origin paths survive as return targets.
func TestSafeReturn(t *testing.T) {
	tests := map[string]string{
		"/":                             "/",
		"/me":                           "/me",
		"/me?tab=a&x=%2F":               "/me?tab=a&x=%2F",
		"/a/b#frag":                     "/a/b#frag",
		"":                              "",
		"me":                            "",
		"//evil.example/x":              "",
		"/\\evil.example":               "",
		"https://evil.example/":         "",
		"javascript:alert(1)":           "",
		"/\t/evil.example":              "",
		"/x\r\nSet-Cookie: a=b":         "",
		"/%0d%0aSet-Cookie":             "/%0d%0aSet-Cookie",
		"/" + strings.Repeat("a", 3000): "",
	}
	for in, want := range tests {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
	s := testSignIn(Config{Issuer: "https://huggingface.co", ClientID: "c", Prefix: "/app"})
	for in, want := range map[string]string{
		"/app/page":                     "/app/page",
		"/app/login/huggingface?x=1":    "/app/",
		"/app/login/callback":           "/app/",
		"/app/logout":                   "/app/",
		"https://evil.example/app/page": "/app/",
		"":                              "/app/",
	} {
		if got := s.returnTarget(in); got != want {
			t.Errorf("returnTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRequestKinds: which requests get JSON and which are framed.
func TestRequestKinds(t *testing.T) {
	tests := []struct {
		header        http.Header
		json, isFrame bool
	}{
		{http.Header{}, false, false},
		{http.Header{"Accept": {"text/html,*/*"}}, false, false},
		{http.Header{"Accept": {"application/json"}}, true, false},
		{http.Header{"Accept": {"application/json, text/html"}}, false, false},
		{http.Header{"X-Requested-With": {"XMLHttpRequest"}}, true, false},
		{http.Header{"Sec-Fetch-Mode": {"cors"}, "Accept": {"*/*"}}, true, false},
		{http.Header{"Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"iframe"}, "Accept": {"application/json"}}, false, true},
		{http.Header{"Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}, false, false},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header = tc.header
		if got := wantsJSON(r); got != tc.json {
			t.Errorf("wantsJSON(%v) = %v", tc.header, got)
		}
		if got := framed(r); got != tc.isFrame {
			t.Errorf("framed(%v) = %v", tc.header, got)
		}
	}
}

// TestCookieAttributes: https gets None; Secure; Partitioned and the
// __Host- prefix; http gets Lax, and a configured None is ignored there.
func TestCookieAttributes(t *testing.T) {
	s := testSignIn(Config{Issuer: "https://huggingface.co", ClientID: "c"})
	https := s.newCookie(origin{"https", "a.hf.space"}, "hf_signin", "v", 3600e9)
	if https.Name != "__Host-hf_signin" || !https.Secure || https.SameSite != http.SameSiteNoneMode || !https.Partitioned || https.MaxAge != 3600 || !https.HttpOnly {
		t.Errorf("https cookie %+v", https)
	}
	plain := s.newCookie(origin{"http", "127.0.0.1:8000"}, "hf_signin", "v", 0)
	if plain.Name != "hf_signin" || plain.Secure || plain.SameSite != http.SameSiteLaxMode || plain.Partitioned || plain.MaxAge != -1 {
		t.Errorf("http cookie %+v", plain)
	}
	s = testSignIn(Config{Issuer: "https://huggingface.co", ClientID: "c", Cookie: CookieOptions{SameSite: http.SameSiteNoneMode, Unpartitioned: true}})
	if c := s.newCookie(origin{"http", "localhost:1"}, "n", "v", 1e9); c.SameSite != http.SameSiteLaxMode {
		t.Errorf("SameSite=None over http: %+v", c)
	}
	if c := s.newCookie(origin{"https", "a.hf.space"}, "n", "v", 1e9); c.Partitioned {
		t.Errorf("Unpartitioned ignored: %+v", c)
	}
}

// TestValidate lists every problem at once.
func TestValidate(t *testing.T) {
	err := Config{
		Issuer: "http://hub.example.com", Hosts: []string{"https://x.hf.space"}, Prefix: "/app/",
		RedirectURL: "http://app.example.com/cb", AuthParams: url.Values{"state": {"x"}, "orgIds": {"1"}},
		AfterLogout: "//evil", Leeway: -1, Cookie: CookieOptions{Name: "bad name"},
	}.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"uses http on a host that is not loopback", "ClientID is empty", `host "https://x.hf.space"`,
		`Prefix "/app/"`, `RedirectURL "http://app.example.com/cb"`, `sets "state"`, "AfterLogout", "Leeway", "Cookie.Name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "orgIds") {
		t.Errorf("orgIds refused: %v", err)
	}
	if err := (Config{Issuer: "http://127.0.0.1:8080", ClientID: "c", Hosts: []string{"demo.localhost:4000", "[::1]:80"}}).Validate(); err != nil {
		t.Errorf("local config: %v", err)
	}
}

// TestFromEnv reads the Space variables and names the missing ones.
func TestFromEnv(t *testing.T) {
	for _, k := range []string{"OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_SCOPES", "OPENID_PROVIDER_URL", "SPACE_HOST", "SYSTEM"} {
		t.Setenv(k, "")
	}
	t.Setenv("OAUTH_CLIENT_ID", "id")
	t.Setenv("SPACE_HOST", "x.hf.space")
	_, err := FromEnv()
	var envErr *EnvError
	if !errors.As(err, &envErr) {
		t.Fatalf("FromEnv: %v", err)
	}
	if d := cmp.Diff([]string{"OAUTH_CLIENT_SECRET", "OAUTH_SCOPES", "OPENID_PROVIDER_URL"}, envErr.Missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if !strings.Contains(err.Error(), "hf_oauth: true") || strings.Contains(err.Error(), "SPACE_HOST is set by") {
		t.Errorf("message: %v", err)
	}

	t.Setenv("OAUTH_CLIENT_SECRET", "secret")
	t.Setenv("OAUTH_SCOPES", "openid profile email read-repos")
	t.Setenv("OPENID_PROVIDER_URL", "https://huggingface.co/")
	t.Setenv("SPACE_HOST", "owner-app.hf.space, App.Example.com")
	t.Setenv("SYSTEM", "spaces")
	cfg, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Issuer: "https://huggingface.co", ClientID: "id", ClientSecret: "secret",
		Scopes: []string{"openid", "profile", "email", "read-repos"}, Hosts: []string{"owner-app.hf.space", "app.example.com"},
		TrustForwardedProto: true,
	}
	if d := cmp.Diff(want, cfg, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Now" }, cmp.Ignore())); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}

	t.Setenv("SPACE_HOST", "")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "SPACE_HOST=localhost:8000") || strings.Contains(err.Error(), "hf_oauth") {
		t.Errorf("missing SPACE_HOST: %v", err)
	}
}
