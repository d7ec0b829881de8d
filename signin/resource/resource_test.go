package resource_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/signin/resource"
	"github.com/hubid/hubid/signintest"
)

// accessToken signs the seeded user in at the provider and redeems the
// code, as an app would, returning the access token.
func accessToken(t *testing.T, p *signintest.Provider, scope string) string {
	t.Helper()
	at, _ := tokens(t, p, scope)
	return at
}

// tokens is accessToken that also returns the refresh token.
func tokens(t *testing.T, p *signintest.Provider, scope string) (access, refresh string) {
	t.Helper()
	return tokensWith(t, p, scope, nil)
}

// tokensWith is tokens with extra authorization parameters.
func tokensWith(t *testing.T, p *signintest.Provider, scope string, params url.Values) (access, refresh string) {
	t.Helper()
	q := url.Values{"client_id": {p.ClientID}, "redirect_uri": {"http://127.0.0.1/login/callback"}, "scope": {scope}, "state": {"s"}}
	for k, v := range params {
		q[k] = v
	}
	cb, _ := url.Parse(p.Browser(t).Authorize(p.URL + "/oauth/authorize?" + q.Encode()))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "redirect_uri": {"http://127.0.0.1/login/callback"}}
	req, _ := http.NewRequest("POST", p.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(p.ClientID, p.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if body.AccessToken == "" {
		t.Fatalf("token exchange: %s", resp.Status)
	}
	return body.AccessToken, body.RefreshToken
}

func TestRequireScope(t *testing.T) {
	clock := signintest.NewClock(time.Now())
	p := signintest.NewProvider(t, signintest.WithClock(clock.Now))
	rs, err := resource.New(context.Background(), resource.Config{
		Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, CacheTTL: 30 * time.Second, Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(rs.RequireScope("read-repos")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+resource.TokenInfoFrom(r.Context()).Username)
	})))
	defer api.Close()
	call := func(token string) (int, string, string) {
		req, _ := http.NewRequest("GET", api.URL, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("WWW-Authenticate")
	}

	withScope := accessToken(t, p, "openid read-repos")
	if status, body, _ := call(withScope); status != 200 || body != "hello alice" {
		t.Fatalf("token with read-repos: %d %s", status, body)
	}
	if status, _, www := call(accessToken(t, p, "openid")); status != 403 || !strings.Contains(www, `error="insufficient_scope"`) {
		t.Errorf("token without read-repos: %d %s", status, www)
	}
	if info := resource.TokenInfoFrom(context.Background()); info != nil {
		t.Errorf("TokenInfoFrom outside RequireScope: %+v", info)
	}
	if status, _, www := call(""); status != 401 || !strings.Contains(www, `error="invalid_token"`) {
		t.Errorf("no token: %d %s", status, www)
	}
	if status, _, _ := call("hf_oauth_garbage"); status != 401 {
		t.Errorf("garbage token: %d", status)
	}
	// A live refresh token is active at introspection, but it is not a
	// bearer credential: refused as invalid_token, whatever its scopes.
	_, refresh := tokens(t, p, "openid read-repos")
	if refresh == "" {
		t.Fatal("the provider issued no refresh token")
	}
	if info, err := rs.Introspect(context.Background(), refresh); err != nil || !info.Active || info.IsAccessToken() {
		t.Errorf("introspect a refresh token: %+v %v", info, err)
	}
	if info, err := rs.Introspect(context.Background(), withScope); err != nil || info.TokenType != "bearer" || !info.IsAccessToken() {
		t.Errorf("introspect an access token: %+v %v", info, err)
	}
	if status, _, www := call(refresh); status != 401 || !strings.Contains(www, `error="invalid_token"`) {
		t.Errorf("refresh token as a bearer token: %d %s", status, www)
	}

	// A revocation shows within the cache TTL, never later.
	p.RevokeTokens(t)
	if status, _, _ := call(withScope); status != 200 {
		t.Errorf("inside the cache TTL the cached answer is used: %d", status)
	}
	clock.Advance(31 * time.Second)
	if status, _, _ := call(withScope); status != 401 {
		t.Errorf("after the cache TTL a revoked token must be refused: %d", status)
	}

	// A hub that cannot be reached is a 503, not a 401.
	down, err := resource.New(context.Background(), resource.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+withScope)
	down.RequireScope("read-repos")(http.NotFoundHandler()).ServeHTTP(rec, req)
	if rec.Code != 503 {
		t.Errorf("hub down: %d", rec.Code)
	}
}

// TestRequireOrgAccess: a token without the org in its grant gets 403
// insufficient_scope; once the app asks for the org with orgIds and the
// user allows it, the token gets through and TokenInfo lists the org.
func TestRequireOrgAccess(t *testing.T) {
	p := signintest.NewProvider(t)
	rs, err := resource.New(context.Background(), resource.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(rs.RequireScope("read-repos")(rs.RequireOrgAccess(signintest.OrgName)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "org repos of "+resource.TokenInfoFrom(r.Context()).Orgs[0].Name)
	}))))
	defer api.Close()
	token := func(params url.Values) string {
		access, _ := tokensWith(t, p, "openid read-repos", params)
		return access
	}
	call := func(tok string) (int, string) {
		req, _ := http.NewRequest("GET", api.URL, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := call(token(nil)); status != 403 || !strings.Contains(body, "did not grant this app the organization") {
		t.Errorf("token without the org: %d %s", status, body)
	}
	// Asking for the org asks the user again; the org comes pre-ticked.
	if status, body := call(token(url.Values{"orgIds": {p.OrgID}})); status != 200 || body != "org repos of "+signintest.OrgName {
		t.Errorf("token granted the org: %d %s", status, body)
	}
}
