package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeSpace writes README.md into a new directory named name and returns
// the directory.
func writeSpace(t *testing.T, name, readme string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSpaceMetadataErrorsAllShown: every problem of a README is printed, one
// line each with key, line, value and allowed values, and the file is named
// once per line.
func TestSpaceMetadataErrorsAllShown(t *testing.T) {
	dir := writeSpace(t, "sp-bad", "---\ntitle: bad\nsdk: docker\nhf_oauth: \"yes please\"\nhf_oauth_expiration_minutes: 50000\n---\n")
	readme := filepath.Join(dir, "README.md")
	for _, verb := range []string{"sync", "env", "run"} {
		code, _, stderr := run(t, t.TempDir(), "", "space", verb, dir, "--space", "demo/bad")
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != exitFailure || len(lines) != 2 {
			t.Fatalf("space %s: exit %d, stderr %q; want 2 lines", verb, code, stderr)
		}
		for i, want := range []string{
			"hubid space: " + readme + ` line 4: hf_oauth: "yes please" `,
			"hubid space: " + readme + " line 5: hf_oauth_expiration_minutes: 50000 ",
		} {
			if !strings.HasPrefix(lines[i], want) || !strings.Contains(lines[i], "allowed: ") {
				t.Errorf("space %s, line %d: %q; want it to start with %q and say what is allowed", verb, i+1, lines[i], want)
			}
			if strings.Count(lines[i], "README.md") != 1 {
				t.Errorf("space %s: the file is named twice: %q", verb, lines[i])
			}
		}
	}
}

// TestSpaceRunForwardsSignals: space run hands the signals hubid gets
// (SIGHUP here, which used to end hubid and orphan the app) to the app,
// waits for it, and exits with its status.
func TestSpaceRunForwardsSignals(t *testing.T) {
	data := t.TempDir()
	if code, _, stderr := run(t, data, "alice's long password\n", "user", "add", "alice", "--password-stdin"); code != exitOK {
		t.Fatal(stderr)
	}
	dir := writeSpace(t, "sp-signals", "---\nsdk: docker\n---\n")
	rec := filepath.Join(t.TempDir(), "signals")
	script := `trap 'echo HUP >> "$REC"; exit 5' HUP; trap 'echo USR1 >> "$REC"' USR1; echo ready >> "$REC"; while :; do sleep 1 & wait $!; done`

	sigs := make(chan os.Signal, 1)
	released := make(chan struct{})
	var errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &errb, stderr: &errb, getenv: func(k string) string {
		if k == "REC" {
			return rec
		}
		return ""
	}, takeSignals: func(sig ...os.Signal) (<-chan os.Signal, func()) {
		for _, want := range []os.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT, syscall.SIGTERM} {
			if !slices.Contains(sig, want) {
				t.Errorf("space run does not take %v", want)
			}
		}
		return sigs, func() { close(released) }
	}}
	t.Setenv("REC", rec)
	done := make(chan int, 1)
	go func() {
		done <- e.main(context.Background(), []string{"space", "run", dir, "--space", "alice/signals", "--data", data, "--", "sh", "-c", script})
	}()
	waitFile := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if b, _ := os.ReadFile(rec); strings.Contains(string(b), want) {
				return
			}
			select {
			case code := <-done:
				t.Fatalf("space run exited %d before the app recorded %q: %s", code, want, errb.String())
			default:
			}
		}
		b, _ := os.ReadFile(rec)
		t.Fatalf("the app never recorded %q (got %q): %s", want, b, errb.String())
	}
	waitFile("ready\n")
	sigs <- syscall.SIGUSR1
	waitFile("USR1\n")
	sigs <- syscall.SIGHUP
	waitFile("HUP\n")
	select {
	case code := <-done:
		if code != 5 {
			t.Errorf("space run exited %d, want the app's 5: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("space run did not end after the app did")
	}
	select {
	case <-released:
	default:
		t.Error("space run did not give the signals back")
	}
}
