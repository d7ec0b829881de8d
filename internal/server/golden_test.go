package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/server/ -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-golden +got):\n%s\nIf the change is intended, run go test ./internal/server/ -run '%s' -update and review the diff.", path, diff, t.Name())
	}
}

// indentJSON re-indents raw JSON, keeping its key order.
func indentJSON(t *testing.T, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(raw), "", "  "); err != nil {
		t.Fatalf("not JSON: %v: %s", err, raw)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// placeholders replaces the string value of each named JSON member with
// "{name}".
func placeholders(raw []byte, names ...string) []byte {
	re := regexp.MustCompile(`"(` + strings.Join(names, "|") + `)":"[^"]*"`)
	return re.ReplaceAll(raw, []byte(`"$1":"{$1}"`))
}

// getRaw fetches path and returns the response and its body.
func getRaw(t *testing.T, h *hub, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(h.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return resp, []byte(readBody(t, resp))
}

// postTokenRaw sends a token request and returns the raw answer.
func postTokenRaw(t *testing.T, h *hub, form url.Values, basicUser, basicPass string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, []byte(readBody(t, resp))
}

func TestGoldenDiscovery(t *testing.T) {
	h := newHub(t)
	resp, body := getRaw(t, h, "/.well-known/openid-configuration")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	body = bytes.ReplaceAll(body, []byte(h.ts.URL), []byte("{issuer}"))
	golden(t, "discovery.golden.json", indentJSON(t, body))
}

func TestGoldenJWKS(t *testing.T) {
	h := newHub(t)
	resp, body := getRaw(t, h, "/oauth/jwks")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// What the placeholders hide is checked here: every key has a distinct
	// kid and its key material.
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	kids := map[any]bool{}
	for _, k := range set.Keys {
		if k["kid"] == "" || kids[k["kid"]] {
			t.Errorf("kid %v is empty or repeated", k["kid"])
		}
		kids[k["kid"]] = true
		if _, ok := k["d"]; ok {
			t.Fatalf("the JWKS publishes a private key: %v", k["kid"])
		}
		switch k["kty"] {
		case "RSA":
			if n, _ := k["n"].(string); len(n) < 342 { // 2048 bits in base64url
				t.Errorf("RSA modulus too short: %d characters", len(n))
			}
		case "EC":
			if k["x"] == "" || k["y"] == "" {
				t.Errorf("EC key without coordinates: %v", k)
			}
		}
	}
	golden(t, "jwks.golden.json", indentJSON(t, placeholders(body, "kid", "n", "e", "x", "y")))
}

func TestGoldenTokenResponse(t *testing.T) {
	h := newHub(t)
	code := h.issueCode(authzParams(h, set("scope", "openid profile email"), set("nonce", "n-0S6_WzA2Mj")))
	resp, body := postTokenRaw(t, h, tokenForm(h, code), h.conf.ClientID, h.confSecret)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var tok map[string]any
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	if at, _ := tok["access_token"].(string); !strings.HasPrefix(at, "hf_oauth_") || len(at) < 40 {
		t.Errorf("access_token %q is not a long hf_oauth_ token", at)
	}
	if idt, _ := tok["id_token"].(string); strings.Count(idt, ".") != 2 {
		t.Errorf("id_token is not a compact JWS")
	}
	golden(t, "token-response.golden.json", indentJSON(t, placeholders(body, "access_token", "id_token", "refresh_token")))
}

func TestGoldenIDTokenClaims(t *testing.T) {
	h := newHub(t)
	code := h.issueCode(authzParams(h, set("scope", "openid profile email"), set("nonce", "n-0S6_WzA2Mj")))
	status, tok, _ := h.postToken(tokenForm(h, code), h.conf.ClientID, h.confSecret)
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	parts := strings.Split(tok["id_token"].(string), ".")
	if len(parts) != 3 {
		t.Fatalf("id_token has %d parts", len(parts))
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	// The times are checked here and replaced: iat is now, exp an hour
	// later, auth_time the session's sign-in (also now: the clock stood still).
	var c struct {
		IssuedAt int64 `json:"iat"`
		Expiry   int64 `json:"exp"`
		AuthTime int64 `json:"auth_time"`
	}
	if err := json.Unmarshal(claims, &c); err != nil {
		t.Fatal(err)
	}
	now := h.clock.Now().Unix()
	if c.IssuedAt != now || c.Expiry != now+3600 || c.AuthTime != now {
		t.Errorf("iat %d exp %d auth_time %d, want %d, %d, %d", c.IssuedAt, c.Expiry, c.AuthTime, now, now+3600, now)
	}
	r := strings.NewReplacer(
		h.ts.URL, "{issuer}",
		h.alice.ID, "{alice.id}",
		h.conf.ClientID, "{client_id}",
		`"iat":`+strconv.FormatInt(now, 10), `"iat":"{now}"`,
		`"exp":`+strconv.FormatInt(now+3600, 10), `"exp":"{now+3600}"`,
		`"auth_time":`+strconv.FormatInt(now, 10), `"auth_time":"{now}"`,
	)
	doc := fmt.Sprintf(`{"header":%s,"claims":%s}`, placeholders(header, "kid"), r.Replace(string(claims)))
	golden(t, "id-token.golden.json", indentJSON(t, []byte(doc)))
}

// TestGoldenTokenErrors pins two token-endpoint errors with the headers
// that matter to clients.
func TestGoldenTokenErrors(t *testing.T) {
	cases := []struct {
		name  string
		file  string
		form  func(h *hub, code string) url.Values
		basic func(h *hub) (string, string)
	}{
		{"invalid-grant", "token-error-invalid-grant.golden", func(h *hub, code string) url.Values {
			return tokenForm(h, code, set("code", "no-such-code"))
		}, func(h *hub) (string, string) { return h.conf.ClientID, h.confSecret }},
		{"invalid-client", "token-error-invalid-client.golden", func(h *hub, code string) url.Values {
			return tokenForm(h, code)
		}, func(h *hub) (string, string) { return h.conf.ClientID, "wrong secret" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHub(t)
			code := h.issueCode(authzParams(h))
			id, secret := tc.basic(h)
			resp, body := postTokenRaw(t, h, tc.form(h, code), id, secret)
			var out bytes.Buffer
			fmt.Fprintf(&out, "HTTP %d\n", resp.StatusCode)
			for _, k := range []string{"Access-Control-Allow-Origin", "Cache-Control", "Content-Type", "Pragma", "WWW-Authenticate"} {
				if v := resp.Header.Get(k); v != "" {
					fmt.Fprintf(&out, "%s: %s\n", k, v)
				}
			}
			out.WriteString("\n")
			out.Write(body)
			golden(t, tc.file, out.Bytes())
		})
	}
}
