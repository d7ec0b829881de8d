package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/spaces"
)

// TestAttachHuggingFaceOAuth signs in through huggingface_hub's
// attach_huggingface_oauth routes (/oauth/huggingface/login, callback,
// logout) on a FastAPI app behind the Space proxy: the redirect URI is
// built from the request URL, whose scheme comes from the proxy's
// X-Forwarded-Proto through uvicorn's ProxyHeadersMiddleware. The Space's
// host is not a loopback one, so the hub accepts only the https callback
// the proxy headers give; without them the app asks for an http callback
// and the hub refuses it on a page, without redirecting.
func TestAttachHuggingFaceOAuth(t *testing.T) {
	needPythonModules(t, "authlib", "requests", "starlette", "httpx", "fastapi", "uvicorn", "itsdangerous")
	h := startHub(t)
	const host = "alice-fastapi-oauth.spaces.example"
	md, err := spaces.ParseReadme([]byte("---\ntitle: FastAPI Space\nsdk: docker\nhf_oauth: true\nhf_oauth_scopes: [email]\n---\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := spaces.Sync(context.Background(), h.db, spaces.Space{Owner: username, Name: "fastapi-oauth", Hosts: []string{host}}, md,
		spaces.SyncOptions{CreatorID: h.user.ID}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	login := func(proto string) map[string]any {
		out := runClient(t, python, "clients/hfhub_oauth_login.py", h.issuer, res.App.ClientID, res.Secret, host,
			"openid profile email", username, password, proto)
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output: %v\n%s", err, out)
		}
		return got
	}

	got := login("https")
	t.Logf("drove huggingface_hub's attach_huggingface_oauth routes (replayed) on fastapi %v, starlette %v, uvicorn %v ProxyHeadersMiddleware, authlib %v",
		got["fastapi"], got["starlette"], got["uvicorn"], got["authlib"])
	au, err := url.Parse(got["authorize_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	q := au.Query()
	wantRedirect := "https://" + host + "/oauth/huggingface/callback?_target_url=%2F%3Ftheme%3Ddark"
	if q.Get("redirect_uri") != wantRedirect || q.Get("client_id") != res.App.ClientID || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Errorf("authorize URL %s, want redirect_uri %s", au, wantRedirect)
	}
	if cb, _ := got["callback"].(string); !strings.HasPrefix(cb, wantRedirect+"&code=") {
		t.Errorf("callback %q", cb)
	}
	if got["after_callback"] != "/?theme=dark" || got["after_logout"] != "/bye" || got["me_after_logout"] != nil {
		t.Errorf("redirects after callback %v and logout %v, session after logout %v", got["after_callback"], got["after_logout"], got["me_after_logout"])
	}
	me, _ := got["me"].(map[string]any)
	ui, _ := me["user_info"].(map[string]any)
	if me["access_token"] != true || me["scope"] != "openid profile email" || me["expires_at"] == nil ||
		ui["sub"] != h.user.ID || ui["preferred_username"] != username || ui["name"] != "Alice Liddell" ||
		ui["email"] != "alice@example.com" || ui["profile"] != h.issuer+"/alice" {
		t.Errorf("parse_huggingface_oauth would see %v", me)
	}

	// No proxy headers: the app builds an http callback on a host that is
	// not loopback, which the hub refuses without redirecting to it.
	got = login("")
	au, _ = url.Parse(got["authorize_url"].(string))
	if r := au.Query().Get("redirect_uri"); !strings.HasPrefix(r, "http://"+host+"/oauth/huggingface/callback") {
		t.Errorf("without proxy headers, redirect_uri %q", r)
	}
	refused, _ := got["refused"].(map[string]any)
	if refused == nil || refused["status"] != float64(400) || got["callback"] != nil {
		t.Errorf("the hub accepted an http callback on %s: %v", host, got)
	}
}
