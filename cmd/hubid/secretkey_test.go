package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/secretbox"
)

// testKeyFile writes a new secret key into a file of its own, apart from
// any data directory, and returns its path.
func testKeyFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret-key")
	if err := os.WriteFile(path, secretbox.GenerateKey(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDevSecretKeyFile: dev's key file is created with mode 0600 on first
// use and reused after, never replaced.
func TestDevSecretKeyFile(t *testing.T) {
	dir := t.TempDir()
	k1, err := devSecretKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, devKeyFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("dev made no key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	before, _ := os.ReadFile(path)
	k2, err := devSecretKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if k1.ID() != k2.ID() || string(before) != string(after) {
		t.Errorf("second start: key %s (file %q), want the first one %s (file %q)", k2.ID(), after, k1.ID(), before)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestDevSealsWithItsKeyFile: a dev hub's database is sealed with the key
// in its data directory, which the commands on that directory use by
// themselves; without it the database is refused, naming the key.
func TestDevSealsWithItsKeyFile(t *testing.T) {
	dir := t.TempDir()
	_, stop := startLive(t, "dev", "--addr", "127.0.0.1:0", "--data", dir)
	stop()
	key, err := readKeyFile(filepath.Join(dir, devKeyFile))
	if err != nil {
		t.Fatalf("dev left no key file: %v", err)
	}
	if code, _, stderr := run(t, dir, "", "keys", "list", "--data", dir); code != exitOK {
		t.Errorf("keys list on dev's directory: exit %d: %s", code, stderr)
	}
	if err := os.Rename(filepath.Join(dir, devKeyFile), filepath.Join(t.TempDir(), "moved")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, dir, "", "keys", "list", "--data", dir)
	if code == exitOK || !strings.Contains(stderr, "sealed (key id "+key.ID()+")") {
		t.Errorf("keys list without the key file: exit %d: %s; want an error naming key %s", code, stderr, key.ID())
	}
}

// TestServeNeedsSecretKey: serve refuses to start without a secret key,
// saying how to make one.
func TestServeNeedsSecretKey(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := run(t, dir, "", "serve", "--issuer", "https://hub.example", "--addr", "127.0.0.1:0", "--data", dir)
	if code != exitUsage || !strings.Contains(stderr, "--secret-key-file (or HUBID_SECRET_KEY) is required") ||
		!strings.Contains(stderr, "hubid secret-key generate") {
		t.Errorf("serve without a key: exit %d: %s", code, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	code, _, stderr = run(t, dir, "", "serve", "--issuer", "https://hub.example", "--data", dir, "--secret-key-file", bad)
	if code != exitUsage || !strings.Contains(stderr, "neither base64 nor hex") {
		t.Errorf("serve with a malformed key: exit %d: %s", code, stderr)
	}
}

// TestSecretKeyRotate: generate writes a 0600 key file; after rotate the
// database opens with the new key (same signing keys) and not the old.
func TestSecretKeyRotate(t *testing.T) {
	dir, keys := t.TempDir(), t.TempDir()
	a, b := filepath.Join(keys, "a"), filepath.Join(keys, "b")
	for _, f := range []string{a, b} {
		if code, _, stderr := run(t, dir, "", "secret-key", "generate", "--out", f); code != exitOK {
			t.Fatalf("secret-key generate: exit %d: %s", code, stderr)
		}
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("generated key file: %v %v; want mode 0600", fi, err)
		}
	}
	if code, _, _ := run(t, dir, "", "secret-key", "generate", "--out", a); code == exitOK {
		t.Error("secret-key generate replaced an existing file")
	}
	if code, _, stderr := run(t, dir, "", "migrate", "--data", dir); code != exitOK {
		t.Fatal(stderr)
	}
	kids := func(keyFile string) (string, string) {
		t.Helper()
		code, out, stderr := run(t, dir, "", "keys", "list", "--json", "--data", dir, "--secret-key-file", keyFile)
		if code != exitOK {
			return "", stderr
		}
		var v struct{ Keys []struct{ KID string } }
		if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Keys) == 0 {
			t.Fatalf("keys list: %v %s", err, out)
		}
		var ids []string
		for _, k := range v.Keys {
			ids = append(ids, k.KID)
		}
		return strings.Join(ids, ","), ""
	}
	before, errA := kids(a) // creates the keys, sealed with a
	if before == "" {
		t.Fatalf("keys list with key a: %s", errA)
	}
	keyA, _ := readKeyFile(a)
	keyB, _ := readKeyFile(b)
	if code, out, stderr := run(t, dir, "", "secret-key", "rotate", "--old-key-file", a, "--new-key-file", b, "--data", dir); code != exitOK || !strings.Contains(out, "re-sealed 4 signing keys") {
		t.Fatalf("secret-key rotate: exit %d: %s%s", code, out, stderr)
	}
	if after, stderr := kids(b); after != before {
		t.Errorf("keys with the new key: %q (%s), want %q", after, stderr, before)
	}
	if _, stderr := kids(a); !strings.Contains(stderr, "sealed with another key (id "+keyB.ID()) {
		t.Errorf("keys list with the old key after rotation: %s; want an error naming %s", stderr, keyB.ID())
	}
	// Rotating from a key the database is not sealed with changes nothing.
	code, _, stderr := run(t, dir, "", "secret-key", "rotate", "--old-key-file", a, "--new-key-file", testKeyFile(t), "--data", dir)
	if code == exitOK || !strings.Contains(stderr, "sealed with another key (id "+keyB.ID()+", not "+keyA.ID()) {
		t.Errorf("rotate from the wrong key: exit %d: %s", code, stderr)
	}
	if after, stderr := kids(b); after != before {
		t.Errorf("keys after a refused rotation: %q (%s), want %q", after, stderr, before)
	}
}
