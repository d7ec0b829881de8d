package spacerun

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// recorderScript is a tiny app that records, one line each, the signals
// it gets, and exits 9 on SIGTERM; other signals it survives.
const recorderScript = `for s in HUP INT QUIT USR1 USR2; do trap "echo got $s" $s; done
trap 'echo got TERM; exit 9' TERM
echo ready
while :; do sleep 1 & wait $!; done`

// waitOutput waits (up to a generous deadline, no timing asserted) until
// the app's output holds want.
func waitOutput(t *testing.T, out *lineWatch, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(out.String(), want) {
			return
		}
	}
	t.Fatalf("the app never printed %q; output %q", want, out.String())
}

func runWithSignals(o AppOptions, script string) (*lineWatch, chan int) {
	out := newLineWatch("ready")
	codes := make(chan int, 1)
	go func() {
		code, _ := o.Run(context.Background(), []string{"sh", "-c", script}, "", nil, out, out)
		codes <- code
	}()
	return out, codes
}

func waitCode(t *testing.T, codes chan int) int {
	t.Helper()
	select {
	case c := <-codes:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not exit")
		return 0
	}
}

// TestRunAppForwardsSignals: every signal hubid gets reaches the app as it
// is, and Run waits for the app and returns its status.
func TestRunAppForwardsSignals(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	out, codes := runWithSignals(AppOptions{Grace: time.Hour, Signals: sigs}, recorderScript)
	out.wait(t)
	for _, s := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGUSR1, "USR1"}, {syscall.SIGUSR2, "USR2"}, {syscall.SIGHUP, "HUP"}, {syscall.SIGQUIT, "QUIT"}} {
		sigs <- s.sig
		waitOutput(t, out, "got "+s.name+"\n")
	}
	select {
	case c := <-codes:
		t.Fatalf("the app ended (%d) though it survives these signals: %q", c, out.String())
	default:
	}
	sigs <- syscall.SIGUSR1 // forwarded, not a second Ctrl-C: the grace period goes on
	sigs <- syscall.SIGTERM // the grace period began at HUP, but TERM kills only as a second INT/TERM
	if code := waitCode(t, codes); code != 137 {
		t.Errorf("status %d, want 137: a SIGTERM after SIGHUP is a second request to stop; output %q", code, out.String())
	}
}

// TestRunAppSignalExitStatus: the app's own exit code after a forwarded
// signal, 128+N when the signal ended it.
func TestRunAppSignalExitStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		sig    syscall.Signal
		want   int
	}{
		{"term-handled", recorderScript, syscall.SIGTERM, 9},
		{"hup-default", "echo ready; sleep 30 & wait", syscall.SIGHUP, 128 + 1},
		{"quit-default", "echo ready; sleep 30 & wait", syscall.SIGQUIT, 128 + 3},
		{"int-default", "echo ready; exec sleep 30", syscall.SIGINT, 128 + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs := make(chan os.Signal, 1)
			out, codes := runWithSignals(AppOptions{Grace: time.Hour, Signals: sigs}, tc.script)
			out.wait(t)
			sigs <- tc.sig
			if code := waitCode(t, codes); code != tc.want {
				t.Errorf("status %d, want %d; output %q", code, tc.want, out.String())
			}
		})
	}
}

// TestRunAppSecondInterruptKills: a second Ctrl-C during the grace period
// kills the app at once rather than waiting for the period to end.
func TestRunAppSecondInterruptKills(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	out, codes := runWithSignals(AppOptions{Grace: time.Hour, Signals: sigs}, recorderScript)
	out.wait(t)
	sigs <- syscall.SIGINT
	waitOutput(t, out, "got INT\n")
	sigs <- syscall.SIGINT
	if code := waitCode(t, codes); code != 137 {
		t.Errorf("status %d, want 137 (killed); output %q", code, out.String())
	}
	if strings.Count(out.String(), "got INT") != 1 {
		t.Errorf("the second Ctrl-C was forwarded instead of killing: %q", out.String())
	}
}
