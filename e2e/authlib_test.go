package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestAuthlib signs in with authlib set up exactly as gradio and
// huggingface_hub set it up, on a Space app with gradio's redirect URI
// (query string included), and checks the ID-token claims gradio reads.
func TestAuthlib(t *testing.T) {
	needPythonModules(t, "authlib", "requests")
	h := startHub(t)
	redirect := "https://alice-gradio-oauth.localhost/login/callback?_target_url=%2F"
	out := runClient(t, python, "clients/authlib_login.py", h.issuer, h.space.ClientID, h.spaceSecret, redirect,
		"openid profile email", username, password)
	var got struct {
		Authlib      string         `json:"authlib"`
		Callback     string         `json:"callback"`
		Scope        string         `json:"scope"`
		TokenType    string         `json:"token_type"`
		ExpiresIn    float64        `json:"expires_in"`
		HasExpiresAt bool           `json:"has_expires_at"`
		Userinfo     map[string]any `json:"userinfo"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("authlib output: %v\n%s", err, out)
	}
	t.Logf("drove authlib %s (python3-authlib)", got.Authlib)
	cb, _ := url.Parse(got.Callback)
	if !strings.HasPrefix(got.Callback, "https://alice-gradio-oauth.localhost/login/callback?_target_url=%2F&code=") || cb.Query().Get("state") == "" {
		t.Errorf("callback %s", got.Callback)
	}
	if got.Scope != "openid profile email" || got.TokenType != "bearer" || got.ExpiresIn != 28800 || !got.HasExpiresAt {
		t.Errorf("token: %+v", got)
	}
	// What gradio's OAuthProfile and huggingface_hub's OAuthUserInfo read.
	u := got.Userinfo
	if u["sub"] != h.user.ID || u["preferred_username"] != username || u["name"] != "Alice Liddell" ||
		u["profile"] != h.issuer+"/alice" || !strings.HasPrefix(u["picture"].(string), h.issuer+"/avatars/") ||
		u["email"] != "alice@example.com" || u["email_verified"] != true || u["aud"] != h.space.ClientID || u["nonce"] == nil {
		t.Errorf("ID-token claims: %v", u)
	}
}
