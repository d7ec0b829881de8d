package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hubid/hubid/internal/spacerun"
	"github.com/hubid/hubid/internal/spaces"
)

// exitStatus makes Main return the app's exit status.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("the app exited with status %d", int(e)) }

// staticVars are the variables a static Space's pages see, as on Spaces:
// never the secret.
var staticVars = []string{"OAUTH_CLIENT_ID", "OAUTH_SCOPES", "OPENID_PROVIDER_URL", "SPACE_ID", "SPACE_HOST"}

func spaceRun(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("space run", "space run DIR --space owner/name [--addr 127.0.0.1:0] [--hub URL --token-stdin] [-- CMD ARGS…]"+runSignalsHelp)
	t := e.spaceFlags(fs)
	addr := fs.String("addr", "127.0.0.1:0", "where the Space host listens (http and https on one port); port 0 picks a free one")
	appPortFlag := fs.Int("app-port", -1, "the port the app listens on (its PORT) on 127.0.0.1; default: the README's app_port for docker and other sdks (Spaces route to it), else a free port; 0 picks a free one")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		return usagef("give the Space's directory (the one holding README.md), then optionally -- CMD ARGS…")
	}
	dir, cmd := pos[0], pos[1:]
	_, md, err := readReadme(dir)
	if err != nil {
		return err
	}
	owner, name, err := t.check(e)
	if err != nil {
		return err
	}
	if len(cmd) == 0 {
		if cmd, err = spacerun.DefaultCommand(md.SDK, md.AppFile, exec.LookPath); err != nil {
			return usageError{msg: err.Error()}
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen for the Space host: %w", err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	hosts := []string{
		net.JoinHostPort(spaces.DefaultHost(owner, name, t.spacesDomain), strconv.Itoa(port)),
		net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
	}
	out, err := e.syncSpace(ctx, t, dir, hosts)
	if err != nil {
		return err
	}
	if !md.HFOAuth {
		fmt.Fprintf(e.stderr, "note: %s has no hf_oauth in its README; it runs without Sign in with HF\n", out.SpaceID)
	}
	// The proxy's and listener's own errors go to stderr as warnings.
	runLog := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ca, err := spacerun.LoadOrCreateCA(filepath.Join(t.data, "space-ca"), time.Now())
	if err != nil {
		return err
	}
	leaf, err := ca.Leaf(hosts, time.Now())
	if err != nil {
		return err
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}

	var handler http.Handler
	var appPort int
	if cmd == nil {
		public := map[string]string{}
		for _, k := range staticVars {
			if v := out.Env.Get(k); v != "" {
				public[k] = v
			}
		}
		if handler, err = spacerun.NewStaticAppHandler(dir, md.AppFile, public); err != nil {
			return err
		}
	} else {
		if appPort, err = chooseAppPort(*appPortFlag, md); err != nil {
			return err
		}
		target, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(appPort))
		handler = spacerun.NewProxy(target, runLog)
	}
	srv := spacerun.ServeDual(ln, tlsCfg, handler, runLog)
	defer srv.Close()

	printSpaceRunBanner(e.stderr, out, hosts, ca.CertPath())
	if cmd == nil {
		fmt.Fprintf(e.stderr, "  serving the static files of %s; Ctrl-C stops\n", dir)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
	env := append(os.Environ(), out.Env.List()...)
	env = append(env, spacerun.AppEnv(md.SDK, appPort)...)
	fmt.Fprintf(e.stderr, "  running %q on port %d\n", cmd, appPort)
	opt := spacerun.AppOptions{}
	if e.takeSignals != nil {
		// Every signal that would end hubid goes to the app instead,
		// and hubid waits for it: no orphan keeps running.
		sigs, release := e.takeSignals(forwardedSignals...)
		defer release()
		opt.Signals = sigs
	}
	code, err := opt.Run(ctx, cmd, dir, env, e.stdout, e.stderr)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if err != nil {
		return err
	}
	if code != 0 {
		return exitStatus(code)
	}
	return nil
}

// runSignalsHelp is the part of space run's usage about signals and the
// exit status.
const runSignalsHelp = `

The app runs in a process group of its own. SIGHUP, SIGINT (Ctrl-C), SIGQUIT
and SIGTERM are passed on to it and hubid waits for it to exit; after 10s, or
at a second Ctrl-C or SIGTERM, it is killed. SIGUSR1 and SIGUSR2 are passed on.
hubid exits with the app's status: its exit code, or 128+N when signal N ended
it (129 SIGHUP, 130 SIGINT, 131 SIGQUIT, 143 SIGTERM, 137 when it was killed).`

// forwardedSignals are the signals space run passes on to the app's
// process group (see spacerun.AppOptions.Signals): HUP, INT, QUIT and TERM
// end it (a second INT or TERM kills it at once), USR1 and USR2 are the
// app's business.
var forwardedSignals = []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2}

// printSpaceRunBanner says where the Space is: first the http URLs, which
// open without a warning (browsers treat .localhost and 127.0.0.1 as
// secure contexts), then the https one with the exact commands to trust
// the local CA that signs it.
func printSpaceRunBanner(w io.Writer, out syncOutcome, hosts []string, caPath string) {
	fmt.Fprintf(w, `Space %[1]s
  Open  http://%[2]s/   (or http://%[3]s/)
  OAuth: %[4]s, scopes %[5]q, provider %[6]s
  https://%[2]s/ answers too, signed by a local CA that browsers do not
  trust until you add it (%[7]s):
    Debian/Ubuntu: sudo cp %[7]s /usr/local/share/ca-certificates/hubid-space-ca.crt && sudo update-ca-certificates
    macOS:         sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain %[7]s
    Chrome/Chromium on Linux read their own store: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n hubid-space-ca -i %[7]s
    Firefox: Settings, Privacy & Security, View Certificates, Authorities, Import
`, out.SpaceID, hosts[0], hosts[1], orNone(out.Env.Get("OAUTH_CLIENT_ID")), out.Env.Get("OAUTH_SCOPES"), out.issuer, caPath)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// chooseAppPort is the port the app gets in PORT: --app-port when given
// (0: a free one); else, for docker and other sdks whose README has
// app_port, that port, since Spaces route to it and such apps often
// listen on it whatever PORT says; else a free one. A port that is not
// free on 127.0.0.1 is an error naming it and saying how to change it.
func chooseAppPort(flagPort int, md spaces.Metadata) (int, error) {
	port, from := flagPort, "--app-port"
	if port < 0 {
		port = 0
		switch strings.ToLower(strings.TrimSpace(md.SDK)) {
		case "gradio", "streamlit", "static":
		default:
			port, from = md.AppPort, "the README's app_port"
		}
	}
	if port == 0 {
		return freePort()
	}
	if port > 65535 {
		return 0, usagef("--app-port %d is not a port (1 to 65535, or 0 for a free one)", port)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("the app's port %d (%s) is not free on 127.0.0.1 (%v): stop what listens there, or run with --app-port N (0 picks a free port, which the app must read from PORT)", port, from, err)
	}
	l.Close()
	return port, nil
}

// freePort asks the kernel for a free loopback port for the app.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
