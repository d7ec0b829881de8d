package server_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/store"
)

// TestAttackTable sends hostile input to every endpoint: oversized and
// repeated parameters, NUL bytes, invalid UTF-8, CR/LF for header
// injection through state and redirect_uri, a 10,000-scope string, JSON
// bombs at the Spaces API, traversal at /avatars/ and /static/, malformed
// Basic auth. Each answer has its expected status class, never a 5xx or a
// dropped connection (a panic), never a header carrying the injected line;
// and the store is unchanged by all of them.
func TestAttackTable(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	raw, digest := store.NewSecret("hf_")
	if err := h.db.CreateToken(ctx, store.Token{Hash: digest, Kind: store.KindUser, UserID: h.alice.ID, Name: "t", Role: "write", CreatedAt: h.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	before, err := h.db.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}

	big := strings.Repeat("a", 70<<10)
	scopes := strings.TrimSpace(strings.Repeat("openid ", 10000))
	authz := func(extra string) string {
		return "/oauth/authorize?client_id=" + url.QueryEscape(h.conf.ClientID) + "&redirect_uri=" + url.QueryEscape(redirectURI) + extra
	}
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	nested := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	type attack struct {
		name, method, path, body, ctype, authorization string
		// want is the status class (4 for 4xx, 3 for a redirect, 2 for
		// 200 pages that explain); 0 means any non-5xx.
		want int
	}
	attacks := []attack{
		{name: "authorize-oversized-state", method: "GET", path: authz("&state=" + big), want: 0},
		{name: "authorize-repeated-client-id", method: "GET", path: authz("&client_id=x"), want: 4},
		{name: "authorize-nul-client-id", method: "GET", path: "/oauth/authorize?client_id=a%00b&redirect_uri=" + url.QueryEscape(redirectURI), want: 4},
		{name: "authorize-invalid-utf8", method: "GET", path: authz("&state=%ff%fe&nonce=%c3%28"), want: 0},
		{name: "authorize-crlf-state", method: "GET", path: authz("&scope=nope&state=x%0d%0aSet-Cookie:%20evil=1"), want: 3},
		{name: "authorize-crlf-redirect", method: "GET", path: "/oauth/authorize?client_id=" + h.conf.ClientID + "&redirect_uri=" + url.QueryEscape(redirectURI+"\r\nSet-Cookie: evil=1"), want: 4},
		{name: "authorize-10000-scopes", method: "GET", path: authz("&scope=" + url.QueryEscape(scopes)), want: 3},
		{name: "authorize-post-oversized-body", method: "POST", path: "/oauth/authorize", body: "a=" + big, ctype: "application/x-www-form-urlencoded", want: 4},
		{name: "token-oversized-body", method: "POST", path: "/oauth/token", body: "grant_type=" + big, ctype: "application/x-www-form-urlencoded", want: 4},
		{name: "token-repeated-grant-type", method: "POST", path: "/oauth/token", body: "grant_type=authorization_code&grant_type=refresh_token", ctype: "application/x-www-form-urlencoded", want: 4},
		{name: "token-nul-code", method: "POST", path: "/oauth/token", body: "grant_type=authorization_code&code=a%00b&redirect_uri=x", ctype: "application/x-www-form-urlencoded", authorization: basic(h.conf.ClientID + ":" + h.confSecret), want: 4},
		{name: "token-json-body", method: "POST", path: "/oauth/token", body: nested, ctype: "application/json", want: 4},
		{name: "token-basic-not-base64", method: "POST", path: "/oauth/token", body: "grant_type=refresh_token&refresh_token=x", ctype: "application/x-www-form-urlencoded", authorization: "Basic %%%", want: 4},
		{name: "token-basic-no-colon", method: "POST", path: "/oauth/token", body: "grant_type=refresh_token&refresh_token=x", ctype: "application/x-www-form-urlencoded", authorization: basic("nocolon"), want: 4},
		{name: "token-basic-bad-escape", method: "POST", path: "/oauth/token", body: "grant_type=refresh_token&refresh_token=x", ctype: "application/x-www-form-urlencoded", authorization: basic("%zz:%zz"), want: 4},
		{name: "token-10000-scopes", method: "POST", path: "/oauth/token", body: "grant_type=refresh_token&refresh_token=x&scope=" + url.QueryEscape(scopes), ctype: "application/x-www-form-urlencoded", authorization: basic(h.conf.ClientID + ":" + h.confSecret), want: 4},
		{name: "revoke-invalid-utf8", method: "POST", path: "/oauth/revoke", body: "token=%ff%fe", ctype: "application/x-www-form-urlencoded", authorization: basic(h.conf.ClientID + ":" + h.confSecret), want: 2},
		{name: "introspect-oversized", method: "POST", path: "/oauth/introspect", body: "token=" + big, ctype: "application/x-www-form-urlencoded", authorization: basic(h.conf.ClientID + ":" + h.confSecret), want: 4},
		{name: "device-repeated-client", method: "POST", path: "/oauth/device", body: "client_id=a&client_id=b", ctype: "application/x-www-form-urlencoded", want: 4},
		{name: "device-page-nul-code", method: "GET", path: "/oauth/device?user_code=AB%00CD", want: 0},
		{name: "userinfo-bearer-escaped-nul", method: "GET", path: "/oauth/userinfo", authorization: "Bearer hf_oauth_%00", want: 4},
		{name: "userinfo-bearer-huge", method: "GET", path: "/oauth/userinfo", authorization: "Bearer " + strings.Repeat("x", 60<<10), want: 4},
		{name: "whoami-basic-instead-of-bearer", method: "GET", path: "/api/whoami-v2", authorization: basic("a:b"), want: 4},
		{name: "spaces-json-bomb", method: "PUT", path: "/api/spaces/alice/bomb", body: nested, ctype: "application/json", authorization: "Bearer " + raw, want: 4},
		{name: "spaces-oversized-json", method: "PUT", path: "/api/spaces/alice/big", body: `{"readme":"` + strings.Repeat("a", 2<<20) + `"}`, ctype: "application/json", authorization: "Bearer " + raw, want: 4},
		{name: "spaces-traversal-name", method: "PUT", path: "/api/spaces/alice/..%2f..%2fetc", body: `{"readme":"---\nhf_oauth: true\n---\n"}`, ctype: "application/json", authorization: "Bearer " + raw, want: 4},
		{name: "avatars-traversal", method: "GET", path: "/avatars/..%2f..%2fetc%2fpasswd", want: 4},
		{name: "avatars-nul", method: "GET", path: "/avatars/a%00.svg", want: 4},
		{name: "static-traversal", method: "GET", path: "/static/..%2f..%2fgo.mod", want: 4},
		{name: "static-dotdot-raw", method: "GET", path: "/static/../../go.mod", want: 0},
		{name: "login-oversized", method: "POST", path: "/login", body: "username=" + big, ctype: "application/x-www-form-urlencoded", want: 4},
		{name: "login-next-crlf", method: "POST", path: "/login", body: "username=nobody&password=x&next=" + url.QueryEscape("/\r\nSet-Cookie: evil=1"), ctype: "application/x-www-form-urlencoded", want: 4},
		{name: "logout-endpoint-huge-state", method: "GET", path: "/oauth/logout?state=" + big, want: 4},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			req, err := http.NewRequest(a.method, h.ts.URL+a.path, strings.NewReader(a.body))
			if err != nil {
				// The client refuses to build it (the raw path); nothing
				// reaches the server.
				t.Skipf("the Go client refuses this request: %v", err)
			}
			if a.ctype != "" {
				req.Header.Set("Content-Type", a.ctype)
			}
			if a.authorization != "" {
				req.Header["Authorization"] = []string{a.authorization}
			}
			req.Header.Set("Origin", h.ts.URL)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				if strings.Contains(err.Error(), "invalid header field value") {
					t.Skipf("the Go client refuses this header: %v", err)
				}
				t.Fatalf("no answer (a panic or a dropped connection): %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if a.want != 0 && resp.StatusCode/100 != a.want {
				t.Errorf("status %d, want %dxx", resp.StatusCode, a.want)
			}
			for k, vs := range resp.Header {
				for _, v := range vs {
					if strings.ContainsAny(v, "\r\n") || (k == "Set-Cookie" && strings.Contains(v, "evil")) {
						t.Errorf("header %s: %q carries the injected line", k, v)
					}
				}
			}
		})
	}
	after, err := h.db.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("the attacks changed the store (-before +after):\n%s", d)
	}
}
