package e2e

import (
	"encoding/json"
	"testing"
)

// TestOpenIDClient drives openid-client 6, an OpenID-certified relying
// party, through discovery, PKCE, the code grant with ID-token validation,
// userinfo and a refresh.
func TestOpenIDClient(t *testing.T) {
	needNodeModules(t, "openid-client")
	h := startHub(t)
	out := runClient(t, "node", "clients/openid_client.mjs", h.issuer, h.conf.ClientID, h.confSecret, confRedirect, username, password)
	var got struct {
		OpenIDClient string         `json:"openidClient"`
		Scope        string         `json:"scope"`
		ExpiresIn    float64        `json:"expiresIn"`
		Claims       map[string]any `json:"claims"`
		Userinfo     map[string]any `json:"userinfo"`
		Refreshed    struct {
			NewAccessToken  bool   `json:"newAccessToken"`
			NewRefreshToken bool   `json:"newRefreshToken"`
			Sub             string `json:"sub"`
		} `json:"refreshed"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("openid-client output: %v\n%s", err, out)
	}
	t.Logf("drove openid-client %s (npm)", got.OpenIDClient)
	if got.Scope != "openid profile email" || got.ExpiresIn != 28800 {
		t.Errorf("token: scope %q expires_in %v", got.Scope, got.ExpiresIn)
	}
	if got.Claims["sub"] != h.user.ID || got.Claims["preferred_username"] != username || got.Claims["iss"] != h.issuer {
		t.Errorf("claims: %v", got.Claims)
	}
	if got.Userinfo["sub"] != h.user.ID || got.Userinfo["email"] != "alice@example.com" || got.Userinfo["isPro"] != false {
		t.Errorf("userinfo: %v", got.Userinfo)
	}
	if orgs, _ := got.Userinfo["orgs"].([]any); len(orgs) != 1 {
		t.Errorf("userinfo orgs: %v", got.Userinfo["orgs"])
	}
	if !got.Refreshed.NewAccessToken || !got.Refreshed.NewRefreshToken || got.Refreshed.Sub != h.user.ID {
		t.Errorf("refresh: %+v", got.Refreshed)
	}
}
