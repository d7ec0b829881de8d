package main

import (
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/limits"
)

// TestServeLimitFlags: serve and dev take the defaults, HUBID_LIMIT_* and
// HUBID_TRUSTED_PROXIES, and flags over both; bad values are usage errors
// that name the flag or variable.
func TestServeLimitFlags(t *testing.T) {
	parse := func(envv map[string]string, args ...string) (serveConfig, error) {
		e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return envv[k] }}
		return e.parseServe(append([]string{"--data", t.TempDir()}, args...), true)
	}
	cfg, err := parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range limits.Kinds() {
		if got, want := cfg.Limits.Limits[k], limits.Default().Limits[k]; got != want || got.Off() {
			t.Errorf("default %s = %v, want %v", k, got, want)
		}
	}
	cfg, err = parse(map[string]string{"HUBID_LIMIT_TOKEN": "off", "HUBID_LIMIT_LOGIN": "3/1m", "HUBID_TRUSTED_PROXIES": "10.0.0.0/8"},
		"--limit-login", "5/10m", "--limit-authorize", "off")
	if err != nil {
		t.Fatal(err)
	}
	ls := cfg.Limits.Limits
	if !ls[limits.Token].Off() || !ls[limits.Authorize].Off() || ls[limits.LoginUserIP] != (limits.Limit{N: 5, Per: 10 * time.Minute}) {
		t.Errorf("limits %v", ls)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}; len(cfg.Limits.TrustedProxies) != 1 || cfg.Limits.TrustedProxies[0] != want[0] {
		t.Errorf("trusted proxies %v", cfg.Limits.TrustedProxies)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--limit-token", "lots"}, "limit-token"},
		{nil, []string{"--trusted-proxies", "10.0.0.0/99"}, "--trusted-proxies"},
		{map[string]string{"HUBID_TRUSTED_PROXIES": "proxy.example"}, nil, "--trusted-proxies"},
		{map[string]string{"HUBID_LIMIT_DEVICE": "1/forever"}, nil, "HUBID_LIMIT_DEVICE"},
	} {
		if _, err := parse(tc.env, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v args %v: err %v, want one naming %s", tc.env, tc.args, err, tc.want)
		}
	}
}
