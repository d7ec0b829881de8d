package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// TestTokenRevokeRotate: create gets the default expiry, list shows ids,
// rotate prints a new secret and revokes the old token, revoke revokes.
func TestTokenRevokeRotate(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "long enough password\n", "user", "add", "dana", "--password-stdin"); code != exitOK {
		t.Fatalf("user add: %s", stderr)
	}
	code, out, stderr := run(t, dir, "", "token", "create", "--user", "dana", "--name", "laptop", "--json")
	var created map[string]string
	if err := json.Unmarshal([]byte(out), &created); code != exitOK || err != nil {
		t.Fatalf("token create: %d %v %s %s", code, err, out, stderr)
	}
	exp, err := time.Parse(time.RFC3339, created["expires_at"])
	if err != nil || exp.Sub(time.Now()) < 89*24*time.Hour || exp.Sub(time.Now()) > 91*24*time.Hour {
		t.Errorf("a token created without --expires expires at %q, want in 90 days", created["expires_at"])
	}
	if _, out, _ := run(t, dir, "", "token", "create", "--user", "dana", "--name", "forever", "--expires", "0", "--json"); strings.Contains(out, "expires_at") {
		t.Errorf("--expires 0 gave an expiry: %s", out)
	}

	code, out, stderr = run(t, dir, "", "token", "rotate", "--user", "dana", created["id"], "--json")
	var rotated map[string]string
	if err := json.Unmarshal([]byte(out), &rotated); code != exitOK || err != nil {
		t.Fatalf("token rotate: %d %v %s %s", code, err, out, stderr)
	}
	if !strings.HasPrefix(rotated["token"], "hf_") || rotated["token"] == created["token"] || rotated["name"] != "laptop" || rotated["replaces"] != created["id"] {
		t.Errorf("rotate: %v", rotated)
	}

	code, out, _ = run(t, dir, "", "token", "list", "--user", "dana", "--json")
	var list struct{ Tokens []tokenJSON }
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil {
		t.Fatalf("token list: %v %s", err, out)
	}
	status := map[string]string{}
	for _, tk := range list.Tokens {
		status[tk.ID] = tk.Status
	}
	if len(list.Tokens) != 3 || status[created["id"]] != "revoked" || status[rotated["id"]] != "active" {
		t.Errorf("after rotate: %+v", list.Tokens)
	}

	if code, out, stderr := run(t, dir, "", "token", "revoke", "--user", "dana", rotated["id"]); code != exitOK || !strings.Contains(out, "revoked token \"laptop\"") {
		t.Errorf("token revoke: %d %s %s", code, out, stderr)
	}
	_, out, _ = run(t, dir, "", "token", "list", "--user", "dana")
	if !strings.Contains(out, rotated["id"]) || strings.Count(out, "revoked") != 2 {
		t.Errorf("token list after revoke:\n%s", out)
	}
	// A revoked token is not rotated; an unknown id is not found.
	if code, _, stderr := run(t, dir, "", "token", "rotate", "--user", "dana", rotated["id"]); code == exitOK || !strings.Contains(stderr, "revoked") {
		t.Errorf("rotating a revoked token: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, dir, "", "token", "revoke", "--user", "dana", "0000000000000000"); code == exitOK || !strings.Contains(stderr, "not found") {
		t.Errorf("revoking an unknown id: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, dir, "", "token", "revoke", "--user", "dana"); code != exitUsage || !strings.Contains(stderr, "give the id") {
		t.Errorf("revoke without id: %d %s", code, stderr)
	}
}

// TestTokenDefaultExpiryFlag: 90 days unless --token-default-expiry or
// HUBID_TOKEN_DEFAULT_EXPIRY says otherwise (0 = never); negative or
// unreadable values are usage errors naming the flag or variable.
func TestTokenDefaultExpiryFlag(t *testing.T) {
	parse := func(envv map[string]string, args ...string) (serveConfig, error) {
		e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return envv[k] }}
		return e.parseServe(append([]string{"--data", t.TempDir()}, args...), true)
	}
	tests := []struct {
		env  map[string]string
		args []string
		want time.Duration
		err  string
	}{
		{want: 90 * 24 * time.Hour},
		{args: []string{"--token-default-expiry", "0"}, want: 0},
		{env: map[string]string{"HUBID_TOKEN_DEFAULT_EXPIRY": "720h"}, want: 720 * time.Hour},
		{env: map[string]string{"HUBID_TOKEN_DEFAULT_EXPIRY": "720h"}, args: []string{"--token-default-expiry", "48h"}, want: 48 * time.Hour},
		{args: []string{"--token-default-expiry", "-1h"}, err: "--token-default-expiry -1h0m0s is negative"},
		{env: map[string]string{"HUBID_TOKEN_DEFAULT_EXPIRY": "soon"}, err: `HUBID_TOKEN_DEFAULT_EXPIRY "soon" is not a duration`},
	}
	for _, tc := range tests {
		cfg, err := parse(tc.env, tc.args...)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v %v: error %v, want %q", tc.env, tc.args, err, tc.err)
		case tc.err == "" && (err != nil || cfg.TokenDefaultExpiry != tc.want):
			t.Errorf("%v %v: %v, %v; want %v", tc.env, tc.args, cfg.TokenDefaultExpiry, err, tc.want)
		}
	}
}
