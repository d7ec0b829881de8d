package spacerun

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineWatch is a stdout that signals when a line equal to want appears.
type lineWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func newLineWatch(want string) *lineWatch {
	return &lineWatch{want: want, seen: make(chan struct{})}
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, l := range strings.Split(w.buf.String(), "\n") {
		if l == w.want {
			w.once.Do(func() { close(w.seen) })
		}
	}
	return len(p), nil
}

func (w *lineWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *lineWatch) wait(t *testing.T) {
	t.Helper()
	select {
	case <-w.seen:
	case <-time.After(10 * time.Second):
		t.Fatalf("the app never printed %q; output so far %q", w.want, w.String())
	}
}

func TestRunAppExitStatus(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"kill -TERM $$", 128 + 15},
		{"kill -KILL $$", 128 + 9},
	} {
		code, err := RunApp(context.Background(), []string{"sh", "-c", tc.script}, "", nil, nil, nil)
		if err != nil || code != tc.want {
			t.Errorf("%s: (%d, %v), want (%d, nil)", tc.script, code, err, tc.want)
		}
	}
}

func TestRunAppDirEnvAndOutput(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	env := []string{"PATH=" + os.Getenv("PATH"), "GREETING=hello", "PORT=1", "PORT=7861"}
	code, err := RunApp(context.Background(), []string{"sh", "-c", `echo "$GREETING $PORT $(pwd -P)"; echo oops >&2; read x || echo "stdin closed"`}, dir, env, &stdout, &stderr)
	if err != nil || code != 0 {
		t.Fatalf("(%d, %v)", code, err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), "hello 7861 "+real+"\nstdin closed\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got := stderr.String(); got != "oops\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestRunAppForwardsSIGTERMOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := newLineWatch("ready")
	done := make(chan struct{})
	var code int
	var err error
	start := time.Now()
	go func() {
		defer close(done)
		code, err = RunApp(ctx, []string{"sh", "-c", `trap "exit 7" TERM; echo ready; sleep 30 & wait`}, "", nil, out, out)
	}()
	out.wait(t)
	cancel()
	select {
	case <-done:
	case <-time.After(8 * time.Second):
		t.Fatal("the app did not stop on SIGTERM")
	}
	if err != nil || code != 7 {
		t.Errorf("(%d, %v), want (7, nil)", code, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v: the background sleep kept the app alive", d)
	}
}

func TestRunAppKillsAfterGrace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := newLineWatch("ready")
	done := make(chan struct{})
	var code int
	var err error
	go func() {
		defer close(done)
		code, err = AppOptions{Grace: 300 * time.Millisecond}.Run(ctx, []string{"sh", "-c", `trap "" TERM; echo ready; sleep 30; exit 1`}, "", nil, out, out)
	}()
	out.wait(t)
	cancel()
	start := time.Now()
	select {
	case <-done:
	case <-time.After(8 * time.Second):
		t.Fatal("the app was not killed")
	}
	if err != nil || code != 128+9 {
		t.Errorf("(%d, %v), want (137, nil)", code, err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("killed after %v, before the grace period", d)
	}
}

func TestRunAppKillChannelSkipsGrace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	kill := make(chan struct{})
	out := newLineWatch("ready")
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code, _ = AppOptions{Grace: time.Hour, Kill: kill}.Run(ctx, []string{"sh", "-c", `trap "" TERM; echo ready; sleep 30`}, "", nil, out, out)
	}()
	out.wait(t)
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(kill)
	select {
	case <-done:
	case <-time.After(8 * time.Second):
		t.Fatal("Kill did not kill")
	}
	if code != 137 {
		t.Errorf("code %d, want 137", code)
	}
}

func TestRunAppKillsStragglers(t *testing.T) {
	var stdout bytes.Buffer
	code, err := RunApp(context.Background(), []string{"sh", "-c", `sleep 30 >/dev/null 2>&1 & echo $!`}, "", nil, &stdout, nil)
	if err != nil || code != 0 {
		t.Fatalf("(%d, %v)", code, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(stdout.String()))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("background process %d outlived the app", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processAlive reports whether pid runs (a zombie waiting for its new
// parent to reap it counts as gone).
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestRunAppStartErrors(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cmd  []string
		dir  string
		want int
	}{
		{[]string{"hubid-no-such-command"}, "", 127},
		{[]string{"/nonexistent/server"}, "", 127},
		{[]string{"/"}, "", 126},
		{[]string{"sh", "-c", "exit 0"}, "/nonexistent-dir", -1},
		{[]string{"sh", "-c", "exit 0"}, file, -1},
		{nil, "", -1},
	} {
		code, err := RunApp(ctx, tc.cmd, tc.dir, nil, nil, nil)
		if err == nil || code != tc.want {
			t.Errorf("%q in %q: (%d, %v), want (%d, an error)", tc.cmd, tc.dir, code, err, tc.want)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	marker := t.TempDir() + "/ran"
	if _, err := RunApp(canceled, []string{"touch", marker}, "", nil, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: err %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the app ran although the context was already canceled")
	}
}

func TestRunAppWaitForPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	// Nobody listens: ends with the context.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := WaitForPort(ctx, addr); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("no listener: err %v, want DeadlineExceeded", err)
	}

	// The app starts listening a little later.
	go func() {
		time.Sleep(300 * time.Millisecond)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { l.Close() })
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := WaitForPort(ctx2, addr); err != nil {
		t.Errorf("listener started late: %v", err)
	}
}
