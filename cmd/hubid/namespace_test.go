package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUserOrgNamespace: users and orgs share one namespace, ignoring case,
// whichever is created first; the refusal is one line with exit status 1
// and creates nothing.
func TestUserOrgNamespace(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"org", "add", "acme"}, {"user", "add", "alice"}} {
		if code, _, stderr := run(t, dir, "", args...); code != exitOK {
			t.Fatalf("%v: exit %d %q", args, code, stderr)
		}
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"user", "add", "acme"}, `hubid user: "acme" is already an org name; users and orgs share one namespace`},
		{[]string{"user", "add", "ACME"}, `hubid user: "ACME" is already an org name; users and orgs share one namespace`},
		{[]string{"org", "add", "alice"}, `hubid org: "alice" is already a username; users and orgs share one namespace`},
		{[]string{"org", "add", "Alice"}, `hubid org: "Alice" is already a username; users and orgs share one namespace`},
	} {
		code, out, stderr := run(t, dir, "", tc.args...)
		if code != exitFailure || stderr != tc.msg+"\n" || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and stderr %q", tc.args, code, out, stderr, exitFailure, tc.msg+"\n")
		}
	}
	_, out, _ := run(t, dir, "", "user", "list", "--json")
	var users struct{ Users []struct{ Username string } }
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users.Users) != 1 || users.Users[0].Username != "alice" {
		t.Errorf("user list after the refusals: %v %s", err, out)
	}
	_, out, _ = run(t, dir, "", "org", "list", "--json")
	if strings.Count(out, `"name"`) != 1 || !strings.Contains(out, `"name": "acme"`) {
		t.Errorf("org list after the refusals: %s", out)
	}
}
