package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestUserUpdate: an admin sets canPay, isPro, the full name and the email
// with "hubid user update", and whoami-v2 answers them; flags not given
// stay as they are.
func TestUserUpdate(t *testing.T) {
	dir := t.TempDir()
	base, _ := startLive(t, "dev", "--addr", "127.0.0.1:0", "--data", dir)
	if code, _, stderr := run(t, dir, "", "user", "add", "erin", "--email", "erin@example.com", "--data", dir); code != exitOK {
		t.Fatal(stderr)
	}
	code, out, stderr := run(t, dir, "", "user", "update", "erin", "--can-pay=true", "--is-pro", "--full-name", "Erin E", "--json", "--data", dir)
	var u userJSON
	if err := json.Unmarshal([]byte(out), &u); code != exitOK || err != nil || !u.CanPay || !u.IsPro || u.FullName != "Erin E" || u.Email != "erin@example.com" {
		t.Fatalf("user update: %d %v %s %s", code, err, out, stderr)
	}
	code, out, stderr = run(t, dir, "", "token", "create", "--user", "erin", "--data", dir)
	if code != exitOK {
		t.Fatal(stderr)
	}
	whoami := func() map[string]any {
		req, _ := http.NewRequest("GET", base+"/api/whoami-v2", nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var w map[string]any
		if err := json.Unmarshal(b, &w); err != nil || resp.StatusCode != 200 {
			t.Fatalf("whoami-v2: %d %s", resp.StatusCode, b)
		}
		return w
	}
	if w := whoami(); w["canPay"] != true || w["isPro"] != true || w["fullname"] != "Erin E" {
		t.Errorf("whoami-v2 after update: %v", w)
	}
	if code, _, stderr := run(t, dir, "", "user", "update", "erin", "--can-pay=false", "--data", dir); code != exitOK {
		t.Fatal(stderr)
	}
	if w := whoami(); w["canPay"] != false || w["isPro"] != true {
		t.Errorf("whoami-v2 after --can-pay=false: %v", w)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing", []string{"user", "update", "erin"}, exitUsage, "nothing to update"},
		{"no-user", []string{"user", "update", "nobody", "--is-pro"}, exitFailure, `user "nobody" not found`},
		{"bad-bool", []string{"user", "update", "erin", "--can-pay=maybe"}, exitUsage, "can-pay"},
	} {
		code, _, stderr := run(t, dir, "", append(tc.args, "--data", dir)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d %q; want %d with %q", tc.name, code, stderr, tc.code, tc.want)
		}
	}
}
