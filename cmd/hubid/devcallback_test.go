package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
)

// TestDevCallbackPage is the README's login by hand: the demo app's
// authorize URL with redirect_uri ISSUER/dev/callback ends on the hub's own
// callback page, whose curl (the demo app's client id, the secret from
// $OAUTH_CLIENT_SECRET) redeems the code. A data directory seeded before
// the page existed gets the redirect URI on the next start; serve has no
// such page.
func TestDevCallbackPage(t *testing.T) {
	data := t.TempDir()
	issuer, stop := startLive(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	creds := readDevCredentials(t, data)
	callback := issuer + "/dev/callback"
	if !slices.Contains(creds.RedirectURIs, callback) {
		t.Fatalf("demo redirect URIs %v lack %s", creds.RedirectURIs, callback)
	}
	authorize := func(issuer string) string {
		return issuer + "/oauth/authorize?" + url.Values{
			"client_id": {creds.ClientID}, "redirect_uri": {issuer + "/dev/callback"}, "response_type": {"code"},
			"scope": {"openid profile email"}, "state": {"xyz"},
		}.Encode()
	}
	resp, body := signIn(t, issuer, authorize(issuer), creds.Username, creds.Password)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/dev/callback" {
		t.Fatalf("after consent: %d %s\n%.500s", resp.StatusCode, resp.Request.URL, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if strings.Contains(body, creds.ClientSecret) {
		t.Fatal("the page shows the client secret")
	}
	m := regexp.MustCompile(`(?s)<pre class="cmd"><code>(curl -s -u .*?)</code></pre>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no curl on the page:\n%s", body)
	}
	curl := htmlUnescape(m[1])
	code := resp.Request.URL.Query().Get("code")
	if !strings.Contains(curl, `"`+creds.ClientID+`:$OAUTH_CLIENT_SECRET"`) || !strings.Contains(curl, code) ||
		!strings.Contains(curl, "redirect_uri="+callback) || !strings.Contains(body, ">xyz<") {
		t.Errorf("curl or state:\n%s\n%s", curl, body)
	}
	// The page's command, as someone pastes it, where curl exists.
	if _, err := exec.LookPath("curl"); err == nil {
		cmd := exec.Command("sh", "-c", curl)
		cmd.Env = append(cmd.Environ(), "OAUTH_CLIENT_SECRET="+creds.ClientSecret)
		out, err := cmd.Output()
		var tok map[string]any
		if err != nil || json.Unmarshal(out, &tok) != nil || !strings.HasPrefix(tok["access_token"].(string), "hf_oauth_") {
			t.Fatalf("the page's curl: %v %s", err, out)
		}
	} else {
		code, tok := hfDevicePost(t, issuer+"/oauth/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback},
			"client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret},
		})
		if code != http.StatusOK || tok["access_token"] == nil {
			t.Fatalf("token: %d %v", code, tok)
		}
	}
	stop()

	// A data directory from before the page: neither the app nor the
	// credentials file has the redirect URI; the next start adds it.
	ctx := context.Background()
	db, err := sqlite.Open(data + "/" + dbFile)
	if err != nil {
		t.Fatal(err)
	}
	var old []string
	for _, u := range creds.RedirectURIs {
		if !strings.HasSuffix(u, "/dev/callback") {
			old = append(old, u)
		}
	}
	err = db.UpdateApp(ctx, creds.ClientID, func(a *store.App) error { a.RedirectURIs = old; return nil })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	creds.RedirectURIs = old
	if err := writeCredentials(data+"/"+credentialsFile, creds); err != nil {
		t.Fatal(err)
	}
	issuer, stop = startLive(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	defer stop()
	if got := readDevCredentials(t, data).RedirectURIs; !slices.Contains(got, issuer+"/dev/callback") {
		t.Errorf("after restart, redirect URIs %v", got)
	}
	resp2, _ := signIn(t, issuer, authorize(issuer), creds.Username, creds.Password)
	if resp2.StatusCode != http.StatusOK || resp2.Request.URL.Path != "/dev/callback" {
		t.Errorf("after restart, the login ends at %d %s", resp2.StatusCode, resp2.Request.URL)
	}

	// serve: no callback page.
	sdata := t.TempDir()
	if code, _, stderr := run(t, sdata, "", "migrate", "--data", sdata); code != exitOK {
		t.Fatal(stderr)
	}
	sissuer, sstop := startLive(t, "serve", "--addr", "127.0.0.1:0", "--issuer", "http://127.0.0.1:1", "--data", sdata, "--secret-key-file", testKeyFile(t))
	defer sstop()
	r, err := http.Get(sissuer + "/dev/callback?code=abc&state=xyz")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("serve /dev/callback: %d, want 404", r.StatusCode)
	}
}
