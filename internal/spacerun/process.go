package spacerun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// DefaultGrace is how long RunApp waits after SIGTERM before SIGKILL.
const DefaultGrace = 10 * time.Second

// pipeDelay bounds how long RunApp waits, once the app has exited, for
// output still coming from processes that inherited its stdout/stderr.
const pipeDelay = 2 * time.Second

// AppOptions tune how an app is run. The zero value is what RunApp uses.
type AppOptions struct {
	// Grace is the time between SIGTERM and SIGKILL when the context
	// ends; zero means DefaultGrace.
	Grace time.Duration
	// Kill, when it receives or is closed during the grace period,
	// skips the rest of it (a second Ctrl-C). Nil never fires.
	Kill <-chan struct{}
	// Signals, when set, carries the signals hubid itself received
	// (os/signal), which Run sends on, as they are, to the app's process
	// group. SIGHUP, SIGINT, SIGQUIT and SIGTERM also start the grace
	// period, after which the group gets SIGKILL; a second SIGINT or
	// SIGTERM during it kills the group at once instead of being
	// forwarded. Any other signal (SIGUSR1, SIGUSR2, …) is only
	// forwarded.
	Signals <-chan os.Signal
}

// RunApp runs the app with AppOptions{}: see AppOptions.Run.
func RunApp(ctx context.Context, cmd []string, dir string, env []string, stdout, stderr io.Writer) (exitCode int, err error) {
	return AppOptions{}.Run(ctx, cmd, dir, env, stdout, stderr)
}

// Run starts cmd in dir with env (nil means hubid's own environment) in a
// process group of its own, stdin from /dev/null, and waits for it to
// exit. It never restarts it.
//
// When ctx ends the whole group gets SIGTERM, then SIGKILL after the grace
// period; signals on o.Signals are forwarded to the group (see
// AppOptions.Signals). Once the app has exited, whatever
// is left in its group is killed, as when a Space's container stops.
//
// exitCode is the app's status as a shell reports it: the exit status, or
// 128+N when signal N killed it. err is set only when the app could not be
// run; exitCode is then 127 (not found), 126 (not executable) or -1.
func (o AppOptions) Run(ctx context.Context, cmd []string, dir string, env []string, stdout, stderr io.Writer) (exitCode int, err error) {
	if len(cmd) == 0 {
		return -1, errors.New("run app: no command")
	}
	if err := ctx.Err(); err != nil {
		return -1, fmt.Errorf("run app: %w", err)
	}
	grace := o.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	if dir != "" {
		// Checked here: the child's failing chdir would read as a
		// missing command.
		if fi, err := os.Stat(dir); err != nil {
			return -1, fmt.Errorf("run app: %w", err)
		} else if !fi.IsDir() {
			return -1, fmt.Errorf("run app: %s is not a directory", dir)
		}
	}
	c := exec.Command(cmd[0], cmd[1:]...)
	c.Dir, c.Env = dir, env
	c.Stdout, c.Stderr = stdout, stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.WaitDelay = pipeDelay
	if err := c.Start(); err != nil {
		code := -1
		switch {
		case errors.Is(err, exec.ErrNotFound), errors.Is(err, syscall.ENOENT):
			code = 127
		case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM),
			errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOEXEC), errors.Is(err, exec.ErrDot):
			code = 126
		}
		return code, fmt.Errorf("run app %q: %w", cmd[0], err)
	}
	pgid := c.Process.Pid // Setpgid: the group is named after the leader
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()

	var (
		werr      error
		ending    bool             // the grace period has begun
		graceOver <-chan time.Time // set during the grace period
		kill      <-chan struct{}  // o.Kill during the grace period
		ctxDone   = ctx.Done()     // nil once handled
		timer     *time.Timer
	)
	beginGrace := func() {
		if ending {
			return
		}
		ending = true
		timer = time.NewTimer(grace)
		graceOver, kill = timer.C, o.Kill
	}
	killNow := func() {
		syscall.Kill(-pgid, syscall.SIGKILL)
		graceOver, kill = nil, nil
	}
wait:
	for {
		select {
		case werr = <-done:
			break wait
		case <-ctxDone:
			ctxDone = nil
			syscall.Kill(-pgid, syscall.SIGTERM)
			beginGrace()
		case s := <-o.Signals:
			sig, ok := s.(syscall.Signal)
			if !ok {
				continue
			}
			terminating := sig == syscall.SIGHUP || sig == syscall.SIGINT || sig == syscall.SIGQUIT || sig == syscall.SIGTERM
			if ending && (sig == syscall.SIGINT || sig == syscall.SIGTERM) {
				killNow()
				continue
			}
			syscall.Kill(-pgid, sig)
			if terminating {
				beginGrace()
			}
		case <-graceOver:
			killNow()
		case <-kill:
			killNow()
		}
	}
	if timer != nil {
		timer.Stop()
	}
	// The leader is gone; leave no stragglers (ESRCH when there are none).
	syscall.Kill(-pgid, syscall.SIGKILL)

	if ps := c.ProcessState; ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ps.ExitCode(), nil
	}
	return -1, fmt.Errorf("run app %q: %w", cmd[0], werr)
}

// WaitForPort returns once a TCP connection to addr succeeds (the app is
// listening), polling every 100 ms to 500 ms, or with ctx's error, and
// the last dial error, when ctx ends first.
func WaitForPort(ctx context.Context, addr string) error {
	var d net.Dialer
	wait := 100 * time.Millisecond
	for {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(dctx, "tcp", addr)
		cancel()
		if err == nil {
			conn.Close()
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for %s: %w (last: %v)", addr, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(wait*3/2, 500*time.Millisecond)
	}
}
