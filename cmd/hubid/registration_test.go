package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/protocol"
)

// TestServeRegistrationFlag: dev registers public clients by default,
// serve nothing; HUBID_REGISTRATION and --registration change it, and a
// bad value is a usage error naming the flag.
func TestServeRegistrationFlag(t *testing.T) {
	parse := func(dev bool, envv map[string]string, args ...string) (serveConfig, error) {
		e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return envv[k] }}
		return e.parseServe(append([]string{"--data", t.TempDir()}, args...), dev)
	}
	if cfg, err := parse(true, nil); err != nil || cfg.Registration != protocol.RegistrationPublic {
		t.Errorf("dev default: %v, %v; want public", cfg.Registration, err)
	}
	// serve fails on the missing issuer and key, but parses the flag.
	if cfg, _ := parse(false, nil); cfg.Registration != protocol.RegistrationOff {
		t.Errorf("serve default: %v, want off", cfg.Registration)
	}
	if cfg, err := parse(true, map[string]string{"HUBID_REGISTRATION": "open"}); err != nil || cfg.Registration != protocol.RegistrationOpen {
		t.Errorf("HUBID_REGISTRATION=open: %v, %v", cfg.Registration, err)
	}
	if cfg, err := parse(true, map[string]string{"HUBID_REGISTRATION": "open"}, "--registration", "off"); err != nil || cfg.Registration != protocol.RegistrationOff {
		t.Errorf("--registration off over the env: %v, %v", cfg.Registration, err)
	}
	if _, err := parse(true, nil, "--registration", "yes"); err == nil || !strings.Contains(err.Error(), "--registration") {
		t.Errorf("--registration yes: %v, want an error naming the flag", err)
	}
}

// TestServeRegistrationTTLFlag: 30 days unless --registration-ttl or
// HUBID_REGISTRATION_TTL says otherwise (0 = keep); negative or unreadable
// values are usage errors naming the flag or variable.
func TestServeRegistrationTTLFlag(t *testing.T) {
	parse := func(envv map[string]string, args ...string) (serveConfig, error) {
		e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return envv[k] }}
		return e.parseServe(append([]string{"--data", t.TempDir()}, args...), true)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want time.Duration
		err  string
	}{
		{want: 30 * 24 * time.Hour},
		{args: []string{"--registration-ttl", "0"}, want: 0},
		{env: map[string]string{"HUBID_REGISTRATION_TTL": "168h"}, want: 168 * time.Hour},
		{env: map[string]string{"HUBID_REGISTRATION_TTL": "168h"}, args: []string{"--registration-ttl", "48h"}, want: 48 * time.Hour},
		{args: []string{"--registration-ttl", "-1h"}, err: "--registration-ttl -1h0m0s is negative"},
		{env: map[string]string{"HUBID_REGISTRATION_TTL": "soon"}, err: `HUBID_REGISTRATION_TTL "soon" is not a duration`},
	} {
		cfg, err := parse(tc.env, tc.args...)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v %v: error %v, want %q", tc.env, tc.args, err, tc.err)
		case tc.err == "" && (err != nil || cfg.RegistrationTTL != tc.want):
			t.Errorf("%v %v: %v, %v; want %v", tc.env, tc.args, cfg.RegistrationTTL, err, tc.want)
		}
	}
}
