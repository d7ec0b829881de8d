package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// startLive runs "hubid dev|serve args…" in-process, as a shell would start
// it, until the test ends or stop is called; it returns the base URL once
// discovery answers. Cached signing keys are reread every 50 ms, so that a
// rotation by another process shows without waiting the default TTL.
func startLive(t *testing.T, args ...string) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, keyCacheTTL: 50 * time.Millisecond}
	done := make(chan int, 1)
	go func() { done <- e.main(ctx, args) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("%s exited %d: %s", args[0], code, errb.String())
		}
	}
	t.Cleanup(stop)
	// dev prints its issuer; serve logs the address it listens on.
	devRE := regexp.MustCompile(`Issuer\s+(http://127\.0\.0\.1:\d+)`)
	serveRE := regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`)
	deadline := time.Now().Add(30 * time.Second)
	for base == "" && time.Now().Before(deadline) {
		if m := devRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if m := serveRE.FindStringSubmatch(errb.String()); m != nil {
			base = "http://" + m[1]
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if base == "" {
		t.Fatalf("%s printed no address; stdout %q stderr %q", args[0], out.String(), errb.String())
	}
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stop
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s at %s never answered discovery", args[0], base)
	return "", nil
}

// jwksKeys fetches the JWKS and returns its keys.
func jwksKeys(t *testing.T, base string) []map[string]any {
	t.Helper()
	resp, err := http.Get(base + "/oauth/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS: %d %v", resp.StatusCode, err)
	}
	return set.Keys
}

func kids(keys []map[string]any) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k["kid"].(string))
	}
	slices.Sort(out)
	return out
}

// TestCLIWhileServing: the admin CLI works on the data directory of a
// running server, and the server sees what it did: a new user's token at
// /api/whoami-v2, a rotated key in the JWKS.
func TestCLIWhileServing(t *testing.T) {
	dir := t.TempDir()
	base, _ := startLive(t, "dev", "--addr", "127.0.0.1:0", "--data", dir)
	before := kids(jwksKeys(t, base))

	if code, _, stderr := run(t, dir, "erin's long password\n", "user", "add", "erin", "--password-stdin", "--email", "erin@example.com", "--data", dir); code != exitOK {
		t.Fatalf("user add while serving: exit %d: %s", code, stderr)
	}
	code, out, stderr := run(t, dir, "", "token", "create", "--user", "erin", "--name", "live", "--json", "--data", dir)
	var tok map[string]string
	if err := json.Unmarshal([]byte(out), &tok); code != exitOK || err != nil || !strings.HasPrefix(tok["token"], "hf_") {
		t.Fatalf("token create while serving: exit %d %v: %s %s", code, err, out, stderr)
	}
	req, _ := http.NewRequest("GET", base+"/api/whoami-v2", nil)
	req.Header.Set("Authorization", "Bearer "+tok["token"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var who map[string]any
	if err := json.Unmarshal(body, &who); resp.StatusCode != http.StatusOK || err != nil || who["name"] != "erin" {
		t.Fatalf("whoami-v2 with the new token: %d %s", resp.StatusCode, body)
	}

	if code, _, stderr := run(t, dir, "", "keys", "rotate", "--alg", "RS256", "--data", dir); code != exitOK {
		t.Fatalf("keys rotate while serving: exit %d: %s", code, stderr)
	}
	_, out, _ = run(t, dir, "", "keys", "list", "--json", "--data", dir)
	var ks struct{ Keys []map[string]string }
	if err := json.Unmarshal([]byte(out), &ks); err != nil {
		t.Fatalf("keys list: %v %s", err, out)
	}
	var stored, fresh []string
	for _, k := range ks.Keys {
		stored = append(stored, k["kid"])
		if k["alg"] == "RS256" && k["state"] == "next" {
			fresh = append(fresh, k["kid"])
		}
	}
	slices.Sort(stored)
	if len(fresh) != 1 || slices.Contains(before, fresh[0]) {
		t.Fatalf("after rotate: next RS256 keys %v, published before %v; want one new key", fresh, before)
	}
	// The server rereads the keys (every 50 ms here, seconds by default):
	// wait until its JWKS is the stored set, new key and all.
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = kids(jwksKeys(t, base)); slices.Equal(got, stored) {
			break
		}
	}
	if !slices.Contains(got, fresh[0]) {
		t.Errorf("JWKS %v lacks the key %s made by keys rotate", got, fresh[0])
	}
	for _, k := range before {
		if !slices.Contains(got, k) {
			t.Errorf("JWKS %v dropped %s; a rotated-out key stays published for verification", got, k)
		}
	}
}

// TestKeysPersistAcrossRestart: the signing keys live in the data
// directory, so a restarted server publishes the same JWKS (same kids, same
// public keys): ID tokens signed before the restart still verify.
func TestKeysPersistAcrossRestart(t *testing.T) {
	for _, mode := range []string{"serve", "dev"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{mode, "--addr", "127.0.0.1:0", "--data", dir}
			if mode == "serve" {
				args = append(args, "--issuer", "https://hub.example", "--secret-key-file", testKeyFile(t))
			}
			base, stop := startLive(t, args...)
			first := jwksKeys(t, base)
			stop()
			base, stop = startLive(t, args...)
			second := jwksKeys(t, base)
			stop()
			if len(first) == 0 {
				t.Fatal("empty JWKS")
			}
			if diff := cmp.Diff(first, second); diff != "" {
				t.Errorf("JWKS changed across a restart (-before +after):\n%s", diff)
			}
		})
	}
}
