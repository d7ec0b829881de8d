package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/store"
)

// TestWhoamiTokenKinds: /api/whoami-v2 accepts user access tokens (hf_…)
// and OAuth access tokens (hf_oauth_…) and tells them apart the way
// huggingface.co does (auth.type "oauth" with expiresAt in HF's format and
// the granted scopes); an OAuth token without the email scope does not see
// the email. The whole answer of each case is pinned in
// testdata/whoami-{case}.golden.json, with ids and times as placeholders.
func TestWhoamiTokenKinds(t *testing.T) {
	cases := []struct {
		name string
		// token makes the token to present; now is the hub's clock.
		token func(h *hub) string
		// auth is the expected auth block; "{now}" and "{now+8h}" stand for
		// the times.
		auth      map[string]any
		seesEmail bool
	}{
		{
			name: "user-access-token",
			token: func(h *hub) string {
				return userToken(h, store.Token{Name: "laptop", Role: "write"})
			},
			auth:      map[string]any{"type": "access_token", "accessToken": map[string]any{"displayName": "laptop", "role": "write", "createdAt": "{now}"}},
			seesEmail: true,
		},
		{
			name: "user-access-token-with-expiry",
			token: func(h *hub) string {
				return userToken(h, store.Token{Name: "ci", Role: "read", ExpiresAt: h.clock.Now().Add(8 * time.Hour)})
			},
			auth:      map[string]any{"type": "access_token", "accessToken": map[string]any{"displayName": "ci", "role": "read", "createdAt": "{now}"}, "expiresAt": "{now+8h}"},
			seesEmail: true,
		},
		{
			name: "oauth-token-with-email-scope",
			token: func(h *hub) string {
				tok := h.issueTokens(authzParams(h, set("scope", "openid profile email")), h.conf.ClientID, h.confSecret)
				return tok["access_token"].(string)
			},
			auth:      map[string]any{"type": "oauth", "expiresAt": "{now+8h.ms}", "scopes": []any{"openid", "profile", "email"}},
			seesEmail: true,
		},
		{
			name: "oauth-token-without-email-scope",
			token: func(h *hub) string {
				tok := h.issueTokens(authzParams(h, set("scope", "openid profile")), h.conf.ClientID, h.confSecret)
				return tok["access_token"].(string)
			},
			auth: map[string]any{"type": "oauth", "expiresAt": "{now+8h.ms}", "scopes": []any{"openid", "profile"}},
		},
		{
			name: "oauth-token-public-app-without-email-scope",
			token: func(h *hub) string {
				p := authzParams(h, set("scope", "openid"))
				publicApp(h, p)
				tok := h.issueTokens(p, "", "", set("client_id", h.pub.ClientID), set("code_verifier", testVerifier))
				return tok["access_token"].(string)
			},
			auth: map[string]any{"type": "oauth", "expiresAt": "{now+8h.ms}", "scopes": []any{"openid", "profile"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t)
			token := tc.token(h)
			req, _ := http.NewRequest("GET", h.ts.URL+"/api/whoami-v2", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var got map[string]any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %v", resp.StatusCode, got)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}

			now := h.clock.Now().UTC()
			times := strings.NewReplacer("{now}", now.Format(time.RFC3339), "{now+8h}", now.Add(8*time.Hour).Format(time.RFC3339),
				"{now+8h.ms}", now.Add(8*time.Hour).Format("2006-01-02T15:04:05.000Z"))
			wantAuth := substitute(tc.auth, times)
			if diff := cmp.Diff(wantAuth, got["auth"]); diff != "" {
				t.Errorf("auth (-want +got):\n%s", diff)
			}

			if got["type"] != "user" || got["id"] != h.alice.ID || got["name"] != "alice" || got["fullname"] != "Alice Liddell" {
				t.Errorf("identity: type %v id %v name %v fullname %v", got["type"], got["id"], got["name"], got["fullname"])
			}
			if av, _ := got["avatarUrl"].(string); !strings.HasPrefix(av, "/avatars/") {
				t.Errorf("avatarUrl = %q, want relative /avatars/… as on huggingface.co", av)
			}
			pinned := strings.NewReplacer(
				h.alice.ID, "{alice.id}", h.org.ID, "{org.id}",
				now.Format(time.RFC3339), "{now}", now.Add(8*time.Hour).Format(time.RFC3339), "{now+8h}",
				now.Add(8*time.Hour).Format("2006-01-02T15:04:05.000Z"), "{now+8h.ms}",
			).Replace(string(raw))
			golden(t, "whoami-"+tc.name+".golden.json", indentJSON(t, []byte(pinned)))
			email, hasEmail := got["email"]
			if !hasEmail {
				t.Error("no email key: huggingface.js types it as string | null")
			}
			if tc.seesEmail {
				if email != "alice@example.com" || got["emailVerified"] != true {
					t.Errorf("email = %v, emailVerified = %v; want alice@example.com, true", email, got["emailVerified"])
				}
			} else {
				if email != nil {
					t.Errorf("email = %v, want null: the token has no email scope", email)
				}
				if v, ok := got["emailVerified"]; ok {
					t.Errorf("emailVerified = %v, want absent: the token has no email scope", v)
				}
			}
			orgs, _ := got["orgs"].([]any)
			if len(orgs) != 1 {
				t.Fatalf("orgs = %v, want wonderland", got["orgs"])
			}
			if o, _ := orgs[0].(map[string]any); o["name"] != "wonderland" || o["id"] != h.org.ID || o["type"] != "org" {
				t.Errorf("org = %v", o)
			}
		})
	}
}

// userToken stores a user access token for alice with t's name, role and
// expiry, and returns it.
func userToken(h *hub, t store.Token) string {
	h.t.Helper()
	raw, digest := store.NewSecret("hf_")
	t.Hash, t.Kind, t.UserID, t.CreatedAt = digest, store.KindUser, h.alice.ID, h.clock.Now()
	if err := h.db.CreateToken(context.Background(), t); err != nil {
		h.t.Fatal(err)
	}
	return raw
}

// substitute returns v (decoded JSON) with r applied to every string.
func substitute(v any, r *strings.Replacer) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal([]byte(r.Replace(string(b))), &out); err != nil {
		panic(err)
	}
	return out
}
