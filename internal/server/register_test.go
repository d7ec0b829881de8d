package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store"
)

func registrationHub(t *testing.T, p protocol.RegistrationPolicy) *hub {
	return newHubWith(t, func(c *provider.Config) { c.Registration = p })
}

// register posts body to /oauth/register and decodes the JSON answer.
func register(t *testing.T, h *hub, contentType, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+"/oauth/register", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, decodeJSON(t, resp)
}

// TestGoldenDiscoveryRegistration: with registration on, discovery is the
// golden document plus registration_endpoint, nothing else.
func TestGoldenDiscoveryRegistration(t *testing.T) {
	h := registrationHub(t, protocol.RegistrationPublic)
	_, body := getRaw(t, h, "/.well-known/openid-configuration")
	var got, want map[string]any
	if err := json.Unmarshal(bytes.ReplaceAll(body, []byte(h.ts.URL), []byte("{issuer}")), &got); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "discovery.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(golden, &want); err != nil {
		t.Fatal(err)
	}
	want["registration_endpoint"] = "{issuer}/oauth/register"
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("discovery with registration on differs from the golden one by more than registration_endpoint (-want +got):\n%s", d)
	}
}

// TestGoldenAuthorizationServer: the RFC 8414 document, which agrees with
// OpenID discovery on every member they share.
func TestGoldenAuthorizationServer(t *testing.T) {
	for _, tc := range []struct {
		policy protocol.RegistrationPolicy
		file   string
	}{{protocol.RegistrationPublic, "authorization-server.golden.json"}, {protocol.RegistrationOff, ""}} {
		h := registrationHub(t, tc.policy)
		resp, body := getRaw(t, h, "/.well-known/oauth-authorization-server")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("status %d, Content-Type %q, CORS %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Access-Control-Allow-Origin"))
		}
		var as, disc map[string]any
		json.Unmarshal(body, &as)
		_, db := getRaw(t, h, "/.well-known/openid-configuration")
		json.Unmarshal(db, &disc)
		for k, v := range as {
			if !cmp.Equal(v, disc[k]) {
				t.Errorf("%s: RFC 8414 has %v, discovery %v", k, v, disc[k])
			}
		}
		if _, ok := as["registration_endpoint"]; ok != (tc.policy != protocol.RegistrationOff) {
			t.Errorf("registration %v: registration_endpoint advertised = %v", tc.policy, ok)
		}
		if tc.file != "" {
			golden(t, tc.file, indentJSON(t, bytes.ReplaceAll(body, []byte(h.ts.URL), []byte("{issuer}"))))
		}
	}
}

// TestRegisterPublicClientCodeFlow: an MCP-style client registers itself,
// then signs alice in with PKCE; the consent page says it registered
// itself.
func TestRegisterPublicClientCodeFlow(t *testing.T) {
	h := registrationHub(t, protocol.RegistrationPublic)
	resp, reg := register(t, h, "application/json", `{"redirect_uris":["`+redirectURI+`"],"token_endpoint_auth_method":"none",`+
		`"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"client_name":"Agent Smith","scope":"openid profile email",`+
		`"logo_uri":"https://agent.example/logo.png"}`)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q: %v", resp.StatusCode, resp.Header.Get("Cache-Control"), reg)
	}
	clientID, _ := reg["client_id"].(string)
	want := map[string]any{"client_id": clientID, "client_id_issued_at": float64(h.clock.Now().Unix()),
		"redirect_uris": []any{redirectURI}, "token_endpoint_auth_method": "none",
		"grant_types": []any{"authorization_code", "refresh_token"}, "response_types": []any{"code"},
		"client_name": "Agent Smith", "scope": "openid profile email"}
	if d := cmp.Diff(want, reg); d != "" || clientID == "" {
		t.Fatalf("registration response (-want +got):\n%s", d)
	}
	app, err := h.db.App(context.Background(), clientID)
	if err != nil {
		t.Fatal(err)
	}
	if !app.Registered || !app.Public || app.OwnerID != "" || !app.RefreshTokens || app.SecretHash != (store.Digest{}) {
		t.Errorf("stored app: registered %v public %v owner %q refresh %v", app.Registered, app.Public, app.OwnerID, app.RefreshTokens)
	}

	verifier := "a-verifier-of-enough-length-for-rfc-7636-0123456789"
	params := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"st"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	b := h.browser()
	b.login("alice", alicePassword)
	resp, body := b.get("/oauth/authorize?" + params.Encode())
	if resp.StatusCode != 200 || !strings.Contains(body, "registered by the app itself") || !strings.Contains(body, "hubid has not verified who runs it") {
		t.Fatalf("consent page (%d) does not mark the app as registered:\n%.2000s", resp.StatusCode, body)
	}
	f := formFields(body)
	f.Set("consent", "allow")
	resp, body = b.postForm("/oauth/authorize", f)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" {
		t.Fatalf("after consent: %d %s %.300s", resp.StatusCode, loc, body)
	}
	status, tok, _ := h.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {redirectURI}, "client_id": {clientID}, "code_verifier": {verifier}}, "", "")
	if status != 200 || tok["access_token"] == nil || tok["id_token"] == nil || tok["refresh_token"] == nil || tok["scope"] != "openid profile email" {
		t.Fatalf("token: %d %v", status, tok)
	}

	// Without PKCE the registered public client is refused at authorize.
	params.Del("code_challenge")
	params.Del("code_challenge_method")
	resp, _ = b.get("/oauth/authorize?" + params.Encode())
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "invalid_request" || !strings.Contains(loc.Query().Get("error_description"), "PKCE") {
		t.Errorf("authorize without PKCE: %d %s", resp.StatusCode, loc)
	}
}

// TestRegisterConfidential: under open, a confidential client gets its
// secret once, with client_secret_expires_at 0.
func TestRegisterConfidential(t *testing.T) {
	h := registrationHub(t, protocol.RegistrationOpen)
	resp, reg := register(t, h, "application/json; charset=utf-8", `{"redirect_uris":["https://web.example/cb"],"token_endpoint_auth_method":"client_secret_post","client_name":"Web"}`)
	secret, _ := reg["client_secret"].(string)
	if resp.StatusCode != http.StatusCreated || secret == "" || reg["client_secret_expires_at"] != float64(0) || reg["token_endpoint_auth_method"] != "client_secret_post" {
		t.Fatalf("%d %v", resp.StatusCode, reg)
	}
	app, err := h.db.App(context.Background(), reg["client_id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if app.Public || !app.Registered || app.SecretHash != store.Hash(secret) {
		t.Errorf("stored app: public %v registered %v, secret digest matches %v", app.Public, app.Registered, app.SecretHash == store.Hash(secret))
	}
	// The same request under public is refused.
	h = registrationHub(t, protocol.RegistrationPublic)
	resp, reg = register(t, h, "application/json", `{"redirect_uris":["https://web.example/cb"],"token_endpoint_auth_method":"client_secret_post"}`)
	if resp.StatusCode != 400 || reg["error"] != "invalid_client_metadata" {
		t.Errorf("confidential under public: %d %v", resp.StatusCode, reg)
	}
}

// TestRegisterErrors: RFC 7591 errors over HTTP, with their descriptions.
func TestRegisterErrors(t *testing.T) {
	h := registrationHub(t, protocol.RegistrationPublic)
	for _, tc := range []struct{ name, ctype, body, code, desc string }{
		{"form body", "application/x-www-form-urlencoded", "redirect_uris=x", "invalid_client_metadata", "Content-Type: application/json"},
		{"bad json", "application/json", `{"redirect_uris":`, "invalid_client_metadata", "not a JSON object"},
		{"http redirect", "application/json", `{"redirect_uris":["http://evil.example/cb"]}`, "invalid_redirect_uri", "not loopback"},
		{"no redirect", "application/json", `{"client_name":"x"}`, "invalid_redirect_uri", "redirect_uris is required"},
		{"unknown scope", "application/json", `{"redirect_uris":["` + redirectURI + `"],"scope":"admin"}`, "invalid_client_metadata", "unknown scope"},
		{"too big", "application/json", `{"client_name":"` + strings.Repeat("a", 70<<10) + `"}`, "invalid_client_metadata", "64 KiB"},
	} {
		resp, got := register(t, h, tc.ctype, tc.body)
		if resp.StatusCode != 400 || got["error"] != tc.code || !strings.Contains(got["error_description"].(string), tc.desc) {
			t.Errorf("%s: %d %v, want 400 %s with %q", tc.name, resp.StatusCode, got, tc.code, tc.desc)
		}
	}
	apps, _ := h.db.ListApps(context.Background())
	for _, a := range apps {
		if a.Registered {
			t.Errorf("a refused request registered %s", a.Name)
		}
	}
}

// TestRegisterOff: with registration off (serve's default) the endpoint
// answers 403 access_denied saying how to turn it on.
func TestRegisterOff(t *testing.T) {
	h := newHub(t)
	resp, got := register(t, h, "application/json", `{"redirect_uris":["`+redirectURI+`"]}`)
	if resp.StatusCode != http.StatusForbidden || got["error"] != "access_denied" || !strings.Contains(got["error_description"].(string), "--registration public") {
		t.Errorf("%d %v", resp.StatusCode, got)
	}
}

// TestRegisterRateLimit: registrations per IP are limited; beyond the
// limit the answer is 429 with Retry-After.
func TestRegisterRateLimit(t *testing.T) {
	cfg := limits.Config{Limits: map[limits.Kind]limits.Limit{limits.Register: {N: 2, Per: 3600e9}}}
	h := newHubWith(t, func(c *provider.Config) { c.Limits = &cfg; c.Registration = protocol.RegistrationPublic })
	body := `{"redirect_uris":["` + redirectURI + `"]}`
	for i := range 2 {
		if resp, got := register(t, h, "application/json", body); resp.StatusCode != http.StatusCreated {
			t.Fatalf("registration %d: %d %v", i+1, resp.StatusCode, got)
		}
	}
	resp, got := register(t, h, "application/json", body)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || got["error"] != "temporarily_unavailable" {
		t.Errorf("third registration: %d Retry-After %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), got)
	}
}

// TestRegisteredAppOwnedByFirstConsent: a registered app is owned by
// nobody until alice allows it; then it is hers, and bob allowing it
// later changes nothing. Bob's consent page does not present alice as
// the app's owner: she does not vouch for it.
func TestRegisteredAppOwnedByFirstConsent(t *testing.T) {
	h := registrationHub(t, protocol.RegistrationPublic)
	resp, reg := register(t, h, "application/json", `{"redirect_uris":["`+redirectURI+`"],"token_endpoint_auth_method":"none","client_name":"Agent Smith"}`)
	clientID, _ := reg["client_id"].(string)
	if resp.StatusCode != http.StatusCreated || clientID == "" {
		t.Fatalf("register: %d %v", resp.StatusCode, reg)
	}
	owner := func() string {
		t.Helper()
		app, err := h.db.App(context.Background(), clientID)
		if err != nil {
			t.Fatal(err)
		}
		return app.OwnerID
	}
	if o := owner(); o != "" {
		t.Fatalf("owner after registration = %q, want none", o)
	}
	params := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"st"}, "code_challenge": {s256("a-verifier-of-enough-length-for-rfc-7636-0123456789")},
		"code_challenge_method": {"S256"}}

	// Alice opens the consent page: looking is not allowing.
	alice := h.browser()
	alice.login("alice", alicePassword)
	if resp, body := alice.get("/oauth/authorize?" + params.Encode()); resp.StatusCode != 200 || !strings.Contains(body, `name="consent_token"`) {
		t.Fatalf("alice's consent page: %d %.300s", resp.StatusCode, body)
	}
	if o := owner(); o != "" {
		t.Fatalf("owner after showing the consent page = %q, want none", o)
	}
	if loc := alice.authorize(params, "alice", alicePassword); loc.Query().Get("code") == "" {
		t.Fatalf("alice's authorize: %s", loc)
	}
	if o := owner(); o != h.alice.ID {
		t.Fatalf("owner after alice allowed = %q, want alice %q", o, h.alice.ID)
	}

	bob := h.browser()
	bob.login("bob", bobPassword)
	resp, body := bob.get("/oauth/authorize?" + params.Encode())
	if resp.StatusCode != 200 || !strings.Contains(body, "registered by the app itself") || strings.Contains(body, ">alice</a>") {
		t.Errorf("bob's consent page (%d) presents alice as the owner, or not the app as registered:\n%.2000s", resp.StatusCode, body)
	}
	if loc := bob.authorize(params, "bob", bobPassword); loc.Query().Get("code") == "" {
		t.Fatalf("bob's authorize: %s", loc)
	}
	if o := owner(); o != h.alice.ID {
		t.Errorf("owner after bob allowed = %q, want still alice %q", o, h.alice.ID)
	}
}
