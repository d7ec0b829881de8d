package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestAuthlib signs in through authlib's Starlette integration set up
// exactly as gradio's LoginButton and huggingface_hub's
// attach_huggingface_oauth set it up: OAuth().register with
// server_metadata_url, authorize_redirect, then authorize_access_token,
// which exchanges the code with client_secret_basic and validates the ID
// token (JWKS signature, iss, aud, exp, iat, nonce) into token["userinfo"].
// The Space app is mounted on its own host with gradio's callback route
// (/login/callback?_target_url=%2F); the hub's login form and consent page
// are driven with requests. The claims gradio reads are checked.
func TestAuthlib(t *testing.T) {
	needPythonModules(t, "authlib", "requests", "starlette", "httpx")
	h := startHub(t)
	origin := "https://alice-gradio-oauth.localhost"
	out := runClient(t, python, "clients/authlib_login.py", h.issuer, h.space.ClientID, h.spaceSecret, origin,
		"openid profile email", username, password)
	var got struct {
		Authlib        string            `json:"authlib"`
		Starlette      string            `json:"starlette"`
		HTTPX          string            `json:"httpx"`
		AuthorizeURL   string            `json:"authorize_url"`
		Callback       string            `json:"callback"`
		Scope          string            `json:"scope"`
		TokenType      string            `json:"token_type"`
		ExpiresIn      float64           `json:"expires_in"`
		HasExpiresAt   bool              `json:"has_expires_at"`
		HasAccessToken bool              `json:"has_access_token"`
		Profile        map[string]string `json:"profile"`
		Userinfo       map[string]any    `json:"userinfo"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("authlib output: %v\n%s", err, out)
	}
	t.Logf("drove authlib %s (starlette_client; python3-authlib) with starlette %s, httpx %s", got.Authlib, got.Starlette, got.HTTPX)

	// authorize_redirect: endpoint from server_metadata_url, nonce, state,
	// gradio's redirect URI, no PKCE.
	au, err := url.Parse(got.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	q := au.Query()
	if !strings.HasPrefix(got.AuthorizeURL, h.issuer+"/oauth/authorize?") || q.Get("client_id") != h.space.ClientID ||
		q.Get("response_type") != "code" || q.Get("scope") != "openid profile email" ||
		q.Get("redirect_uri") != origin+"/login/callback?_target_url=%2F" ||
		q.Get("state") == "" || q.Get("nonce") == "" || q.Has("code_challenge") {
		t.Errorf("authorize URL %s", got.AuthorizeURL)
	}
	cb, _ := url.Parse(got.Callback)
	if !strings.HasPrefix(got.Callback, origin+"/login/callback?_target_url=%2F&code=") || cb.Query().Get("state") != q.Get("state") {
		t.Errorf("callback %s", got.Callback)
	}
	if got.Scope != "openid profile email" || got.TokenType != "bearer" || got.ExpiresIn != 28800 || !got.HasExpiresAt || !got.HasAccessToken {
		t.Errorf("token: %+v", got)
	}
	// token["userinfo"]: the validated ID token's claims, which gradio's
	// OAuthProfile and huggingface_hub's OAuthUserInfo read.
	u := got.Userinfo
	picture, _ := u["picture"].(string)
	if u["sub"] != h.user.ID || u["preferred_username"] != username || u["name"] != "Alice Liddell" ||
		u["profile"] != h.issuer+"/alice" || !strings.HasPrefix(picture, h.issuer+"/avatars/") ||
		u["email"] != "alice@example.com" || u["email_verified"] != true || u["aud"] != h.space.ClientID ||
		u["iss"] != h.issuer || u["nonce"] != q.Get("nonce") {
		t.Errorf("ID-token claims: %v", u)
	}
	if got.Profile["preferred_username"] != username || got.Profile["name"] != "Alice Liddell" {
		t.Errorf("gradio profile: %v", got.Profile)
	}
}
