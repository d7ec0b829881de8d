package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// hfDevicePost posts form to the hub as huggingface_hub does in its
// device login: a plain form, no client authentication.
func hfDevicePost(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("POST %s: %d %s", u, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// TestHFCLIApp replays huggingface_hub's "hf auth login" (a device
// request with only HF's own CLI client id, then device_code polls with
// that id) against hubid dev, which registers the app, and against serve,
// where it is opt-in (--hf-cli-app).
func TestHFCLIApp(t *testing.T) {
	login := func(t *testing.T, issuer string, approve func(complete string)) {
		t.Helper()
		code, dev := hfDevicePost(t, issuer+"/oauth/device", url.Values{"client_id": {hfCLIClientID}})
		if code != http.StatusOK || dev["device_code"] == nil || dev["verification_uri"] != issuer+"/oauth/device" {
			t.Fatalf("device request with HF's client id: %d %v", code, dev)
		}
		poll := url.Values{
			"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
			"device_code": {dev["device_code"].(string)},
			"client_id":   {hfCLIClientID},
		}
		if code, out := hfDevicePost(t, issuer+"/oauth/token", poll); code != http.StatusBadRequest || out["error"] != "authorization_pending" {
			t.Fatalf("first poll: %d %v", code, out)
		}
		approve(dev["verification_uri_complete"].(string))
		code, tok := hfDevicePost(t, issuer+"/oauth/token", poll)
		if code != http.StatusOK || !strings.HasPrefix(tok["access_token"].(string), "hf_oauth_") || tok["refresh_token"] == nil || tok["expires_in"] != float64(30*24*3600) {
			t.Fatalf("tokens: %d %v", code, tok)
		}
	}

	t.Run("dev", func(t *testing.T) {
		data := t.TempDir()
		issuer, _ := startLive(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
		creds := readDevCredentials(t, data)
		login(t, issuer, func(complete string) {
			approveDeviceFor(t, issuer, complete, creds.Username, creds.Password, hfCLIAppName)
		})
	})

	t.Run("serve", func(t *testing.T) {
		data, keyFile := t.TempDir(), testKeyFile(t)
		if code, _, stderr := run(t, data, "", "migrate", "--data", data); code != exitOK {
			t.Fatal(stderr)
		}
		// Without --hf-cli-app the id is unknown.
		issuer, stop := startLive(t, "serve", "--addr", "127.0.0.1:0", "--issuer", "http://127.0.0.1:1", "--data", data, "--secret-key-file", keyFile)
		if code, out := hfDevicePost(t, issuer+"/oauth/device", url.Values{"client_id": {hfCLIClientID}}); code == http.StatusOK {
			t.Errorf("serve without --hf-cli-app answered the HF CLI id: %v", out)
		}
		stop()
		// With it, twice: the second start finds the app and keeps it.
		for range 2 {
			issuer, stop = startLive(t, "serve", "--addr", "127.0.0.1:0", "--issuer", "http://127.0.0.1:1", "--data", data, "--secret-key-file", keyFile, "--hf-cli-app")
			if code, out := hfDevicePost(t, issuer+"/oauth/device", url.Values{"client_id": {hfCLIClientID}}); code != http.StatusOK || out["user_code"] == nil {
				t.Errorf("serve --hf-cli-app: %d %v", code, out)
			}
			stop()
		}
	})
}

// TestHFCLIAppSlidingWindow: the Hugging Face CLI app keeps an active login
// alive: a 90-day idle window and no absolute limit on its refresh family.
func TestHFCLIAppSlidingWindow(t *testing.T) {
	st, err := openStore(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := ensureHFCLIApp(ctx, st, time.Now()); err != nil {
		t.Fatal(err)
	}
	app, err := st.App(ctx, hfCLIClientID)
	if err != nil {
		t.Fatal(err)
	}
	if app.RefreshIdle != 90*24*time.Hour || app.RefreshAbsolute != store.NoRefreshLimit {
		t.Errorf("HF CLI app refresh windows: idle %v, absolute %v; want 2160h and none", app.RefreshIdle, app.RefreshAbsolute)
	}
}
