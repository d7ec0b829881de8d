package signin_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/signin"
)

// fakeIssuer is a tiny OpenID provider for the cases the real one never
// produces: ID tokens with a wrong nonce, audience, issuer or signature,
// and token endpoint failures. Its token endpoint answers whatever the
// test's respond function says for the login in progress.
type fakeIssuer struct {
	srv  *httptest.Server
	key  *rsa.PrivateKey
	kid  string
	mu   sync.Mutex
	resp func(nonce string) (status int, body map[string]any)
	// nonce is the nonce of the authorize request the app made.
	nonce string
}

var (
	testKeyOnce sync.Once
	testKeys    [2]*rsa.PrivateKey
)

func rsaKeys(t *testing.T) [2]*rsa.PrivateKey {
	testKeyOnce.Do(func() {
		for i := range testKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			testKeys[i] = k
		}
	})
	return testKeys
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	f := &fakeIssuer{key: rsaKeys(t)[0], kid: "good"}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, 200, map[string]any{
			"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/oauth/authorize",
			"token_endpoint": f.srv.URL + "/oauth/token", "userinfo_endpoint": f.srv.URL + "/oauth/userinfo",
			"jwks_uri": f.srv.URL + "/oauth/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /oauth/jwks", func(w http.ResponseWriter, r *http.Request) {
		pub := f.key.PublicKey
		writeTestJSON(w, 200, map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": f.kid, "use": "sig", "alg": "RS256",
			"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("code_verifier") == "" || r.FormValue("code") != "the-code" {
			writeTestJSON(w, 400, map[string]any{"error": "invalid_grant"})
			return
		}
		f.mu.Lock()
		status, body := f.resp(f.nonce)
		f.mu.Unlock()
		writeTestJSON(w, status, body)
	})
	mux.HandleFunc("GET /oauth/userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer hf_oauth_fake" {
			writeTestJSON(w, 401, map[string]any{"error": "invalid_token"})
			return
		}
		writeTestJSON(w, 200, map[string]any{"sub": "user-1", "preferred_username": "carol", "isPro": true, "orgs": []any{}})
	})
	return f
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwt signs claims with key under kid (RS256), or leaves the signature
// empty for alg "none".
func jwt(t *testing.T, key *rsa.PrivateKey, kid, alg string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
	p, _ := json.Marshal(claims)
	signing := b64(h) + "." + b64(p)
	if alg == "none" {
		return signing + "."
	}
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64(sig)
}

// TestIDTokenChecks drives the callback against tokens that must be
// refused (502 page, no session) and ones that must pass.
func TestIDTokenChecks(t *testing.T) {
	f := newFakeIssuer(t)
	now := time.Now()
	other := rsaKeys(t)[1]
	good := func(nonce string) map[string]any {
		return map[string]any{
			"iss": f.srv.URL, "sub": "user-1", "aud": "client-1", "exp": now.Add(time.Hour).Unix(),
			"iat": now.Unix(), "auth_time": now.Unix(), "nonce": nonce, "preferred_username": "carol",
		}
	}
	tokenResponse := func(idToken string) map[string]any {
		return map[string]any{"access_token": "hf_oauth_fake", "token_type": "bearer", "expires_in": 3600, "scope": "openid profile", "id_token": idToken}
	}
	with := func(change func(c map[string]any)) func(nonce string) (int, map[string]any) {
		return func(nonce string) (int, map[string]any) {
			c := good(nonce)
			change(c)
			return 200, tokenResponse(jwt(t, f.key, "good", "RS256", c))
		}
	}
	tests := []struct {
		name   string
		resp   func(nonce string) (int, map[string]any)
		status int
		text   string
		cause  string // in the log
	}{
		{"valid", with(func(map[string]any) {}), http.StatusSeeOther, "", ""},
		{"expired-within-leeway", with(func(c map[string]any) { c["exp"] = now.Add(-30 * time.Second).Unix() }), http.StatusSeeOther, "", ""},
		{"audience-list", with(func(c map[string]any) { c["aud"] = []string{"client-1"} }), http.StatusSeeOther, "", ""},
		{"wrong-nonce", with(func(c map[string]any) { c["nonce"] = "someone-elses-nonce" }), http.StatusBadGateway, "could not be verified", "nonce does not match"},
		{"no-nonce", with(func(c map[string]any) { delete(c, "nonce") }), http.StatusBadGateway, "could not be verified", "nonce does not match"},
		{"wrong-audience", with(func(c map[string]any) { c["aud"] = "another-client" }), http.StatusBadGateway, "could not be verified", "expected audience"},
		{"wrong-issuer", with(func(c map[string]any) { c["iss"] = "https://evil.example" }), http.StatusBadGateway, "could not be verified", "id token issued by a different provider"},
		{"expired", with(func(c map[string]any) { c["exp"] = now.Add(-5 * time.Minute).Unix() }), http.StatusBadGateway, "could not be verified", "token is expired"},
		{"issued-in-future", with(func(c map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() }), http.StatusBadGateway, "could not be verified", "issued in the future"},
		{"bad-signature", func(nonce string) (int, map[string]any) {
			return 200, tokenResponse(jwt(t, other, "good", "RS256", good(nonce)))
		}, http.StatusBadGateway, "could not be verified", "failed to verify signature"},
		{"unknown-key", func(nonce string) (int, map[string]any) {
			return 200, tokenResponse(jwt(t, other, "rogue", "RS256", good(nonce)))
		}, http.StatusBadGateway, "could not be verified", "failed to verify signature"},
		{"alg-none", func(nonce string) (int, map[string]any) {
			return 200, tokenResponse(jwt(t, nil, "good", "none", good(nonce)))
		}, http.StatusBadGateway, "could not be verified", "malformed jwt"},
		{"tampered-payload", func(nonce string) (int, map[string]any) {
			tok := jwt(t, f.key, "good", "RS256", good(nonce))
			parts := strings.Split(tok, ".")
			c := good(nonce)
			c["sub"] = "admin"
			p, _ := json.Marshal(c)
			return 200, tokenResponse(parts[0] + "." + b64(p) + "." + parts[2])
		}, http.StatusBadGateway, "could not be verified", "failed to verify signature"},
		{"no-id-token", func(string) (int, map[string]any) {
			return 200, map[string]any{"access_token": "hf_oauth_fake", "token_type": "bearer", "expires_in": 3600}
		}, http.StatusBadGateway, "could not be verified", "no id_token"},
		{"userinfo-other-sub", with(func(c map[string]any) { c["sub"] = "user-2" }), http.StatusBadGateway, "could not be verified", "differs from the ID token"},
		{"invalid-grant", func(string) (int, map[string]any) {
			return 400, map[string]any{"error": "invalid_grant", "error_description": "code expired"}
		}, http.StatusBadRequest, "expired", "invalid_grant"},
		{"invalid-client", func(string) (int, map[string]any) {
			return 401, map[string]any{"error": "invalid_client"}
		}, http.StatusBadGateway, "OAUTH_CLIENT_SECRET", "invalid_client"},
		{"token-endpoint-500", func(string) (int, map[string]any) {
			return 500, map[string]any{"error": "server_error"}
		}, http.StatusBadGateway, "could not reach the sign-in provider", "server_error"},
	}
	var logs syncBuffer
	s, err := signin.New(context.Background(), signin.Config{
		Issuer: f.srv.URL, ClientID: "client-1", ClientSecret: "secret", Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(appHandler(s))
	t.Cleanup(app.Close)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Get(app.URL + "/login/huggingface")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			auth, _ := url.Parse(resp.Header.Get("Location"))
			f.mu.Lock()
			f.nonce, f.resp = auth.Query().Get("nonce"), tc.resp
			f.mu.Unlock()
			logs.Reset()

			cb := app.URL + "/login/callback?" + url.Values{"code": {"the-code"}, "state": {auth.Query().Get("state")}}.Encode()
			resp, err = c.Get(cb)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.text) {
				t.Fatalf("callback: %d, want %d with %q:\n%.800s", resp.StatusCode, tc.status, tc.text, body)
			}
			if log := logs.String(); !strings.Contains(log, tc.cause) {
				t.Errorf("log does not say %q:\n%s", tc.cause, log)
			}
			me, err := c.Get(app.URL + "/me")
			if err != nil {
				t.Fatal(err)
			}
			me.Body.Close()
			if signedIn := me.StatusCode == http.StatusOK; signedIn != (tc.status == http.StatusSeeOther) {
				t.Errorf("signed in = %v after a %d callback", signedIn, tc.status)
			}
		})
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIssuerMismatch: a discovery document naming another issuer is
// refused by New.
func TestIssuerMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, 200, map[string]any{"issuer": "https://huggingface.co", "authorization_endpoint": "https://huggingface.co/oauth/authorize",
			"token_endpoint": "https://huggingface.co/oauth/token", "jwks_uri": "https://huggingface.co/oauth/jwks"})
	}))
	defer srv.Close()
	_, err := signin.New(context.Background(), signin.Config{Issuer: srv.URL, ClientID: "c"})
	if err == nil || !strings.Contains(err.Error(), "did not match") {
		t.Fatalf("New: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}
