package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubid/hubid/oidc"
)

// TestUserDelete: "hubid user delete" while the hub runs takes the user's
// tokens with it: the OAuth access token is refused at /oauth/userinfo,
// the refresh token at /oauth/token, the user access token at whoami.
func TestUserDelete(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	issuer := startDev(t, data)
	creds := readDevCredentials(t, data)

	post := func(path string, form url.Values) (int, map[string]any) {
		t.Helper()
		resp, err := http.PostForm(issuer+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	get := func(path, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", issuer+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// The demo user logs in with the hubid CLI app (device flow): an
	// access token and a refresh token.
	status, da := post("/oauth/device", url.Values{"client_id": {creds.CLIClientID}})
	if status != 200 {
		t.Fatalf("device authorization: %d %v", status, da)
	}
	approveDevice(t, issuer, da["verification_uri_complete"].(string), creds.Username, creds.Password)
	status, tok := post("/oauth/token", url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {da["device_code"].(string)}, "client_id": {creds.CLIClientID}})
	if status != 200 || tok["refresh_token"] == nil {
		t.Fatalf("device token: %d %v", status, tok)
	}
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
	code, out, stderr := run(t, data, "", "token", "create", "--user", creds.Username, "--name", "ci", "--json")
	var ut map[string]string
	if err := json.Unmarshal([]byte(out), &ut); code != exitOK || err != nil {
		t.Fatalf("token create: %d %v %s", code, err, stderr)
	}
	if get("/oauth/userinfo", access) != 200 || get("/api/whoami-v2", ut["token"]) != 200 {
		t.Fatal("the tokens do not work before the deletion")
	}

	code, out, stderr = run(t, data, "", "user", "delete", creds.Username, "--json")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); code != exitOK || err != nil || res["deleted"] != true || res["username"] != creds.Username {
		t.Fatalf("user delete: %d %v %q %q", code, err, out, stderr)
	}

	if s := get("/oauth/userinfo", access); s != 401 {
		t.Errorf("userinfo with the deleted user's access token: %d", s)
	}
	if s, body := post("/oauth/token", url.Values{"grant_type": {oidc.GrantRefreshToken}, "refresh_token": {refresh}, "client_id": {creds.CLIClientID}}); s != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh with the deleted user's refresh token: %d %v", s, body)
	}
	if s := get("/api/whoami-v2", ut["token"]); s != 401 {
		t.Errorf("whoami with the deleted user's hf_ token: %d", s)
	}
	_, out, _ = run(t, data, "", "user", "list", "--json")
	if strings.Contains(out, `"`+creds.Username+`"`) {
		t.Errorf("the user is still listed: %s", out)
	}

	// The CLI conventions: a second delete fails in one line (exit 1); no
	// or two names are usage errors (exit 2).
	for _, tc := range []struct {
		args []string
		want int
		msg  string
	}{
		{[]string{"user", "delete", creds.Username}, exitFailure, `user "` + creds.Username + `" not found`},
		{[]string{"user", "delete"}, exitUsage, "give exactly one USERNAME"},
		{[]string{"user", "delete", "a", "b"}, exitUsage, "give exactly one USERNAME"},
	} {
		code, _, stderr := run(t, data, "", tc.args...)
		if code != tc.want || !strings.Contains(stderr, tc.msg) || (tc.want == exitFailure && strings.Count(strings.TrimSpace(stderr), "\n") > 0) {
			t.Errorf("%v: exit %d %q; want %d and %q on one line", tc.args, code, stderr, tc.want, tc.msg)
		}
	}
	code, out, _ = run(t, data, "long enough password\n", "user", "add", "erin", "--password-stdin")
	if code != exitOK {
		t.Fatal(out)
	}
	if code, out, _ := run(t, data, "", "user", "delete", "erin"); code != exitOK || !strings.HasPrefix(out, "deleted user erin (id ") {
		t.Errorf("user delete erin: %d %q", code, out)
	}
}
