package main

import (
	"io"
	"strings"
	"testing"

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
