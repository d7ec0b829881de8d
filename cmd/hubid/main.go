// Command hubid is a self-hosted identity layer for a model hub and its
// Spaces: an OpenID provider speaking Hugging Face's "Sign in with HF"
// dialect, and the admin commands that manage it.
//
// This package only parses flags and environment, wires the parts together
// and runs them; everything else lives in internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	ctx, sigs, stop := newSignalContext(context.Background())
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, takeSignals: sigs.take}
	code := e.main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Exit statuses: 0 success, 1 failure (one-line reason on stderr; one line
// per problem for a list of problems such as a README's metadata), 2 usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a mistake in how a command was called (exit status 2).
type usageError struct {
	msg string
	cmd string // the subcommand whose --help to point at, "" for the top one
}

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{msg: fmt.Sprintf(format, a...)} }

// env is what a command sees of the world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// keyCacheTTL is how long serve and dev use cached signing keys before
	// rereading the store (keys.DefaultCacheTTL when zero); tests shorten it
	// to see a rotation by another process without waiting.
	keyCacheTTL time.Duration
	// takeSignals, when set, hands the given signals to the caller until
	// it calls release (see signalHub.take); space run forwards them to
	// the app. Nil (tests, Main): the command only sees ctx end.
	takeSignals func(sig ...os.Signal) (c <-chan os.Signal, release func())
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"dev", "run a provider for local development on embedded defaults, with a demo user and app", runDev},
		{"serve", "run the provider in production (needs --issuer)", runServe},
		{"user", "manage users: add, list, passwd, update, delete", runUser},
		{"org", "manage organizations: add, list, member", runOrg},
		{"app", "manage OAuth apps: create, list, show, rotate-secret, delete", runApp},
		{"token", "manage user access tokens (hf_…): create, list", runToken},
		{"keys", "manage ID-token signing keys: list, rotate", runKeys},
		{"secret-key", "the key that seals the database's secrets: generate, rotate", runSecretKey},
		{"space", "Spaces: sync a README's hf_oauth into an OAuth app, print its env, run it", runSpace},
		{"login", "log in to a hub with the device flow and keep the token; --status shows who you are", runLogin},
		{"migrate", "create or upgrade the database and exit", runMigrate},
	}
}

// Main runs hubid with args (without the program name) and returns the exit
// status. It is main without os.Exit, so tests can call it.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return e.main(ctx, args)
}

func (e *env) main(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		e.usage()
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ue usageError
		var es exitStatus
		switch {
		case err == nil:
			return exitOK
		case errors.As(err, &es):
			return int(es)
		case errors.Is(err, errHelp):
			return exitOK
		case errors.As(err, &ue):
			cmd := ue.cmd
			if cmd == "" {
				cmd = c.name
			}
			fmt.Fprintf(e.stderr, "hubid %s: %s\nRun 'hubid %s --help' for usage.\n", cmd, ue.msg, cmd)
			return exitUsage
		default:
			// One line per failure; an error that is a list of
			// problems (a README's metadata) gets one line per problem.
			var ml interface{ Lines() []string }
			if errors.As(err, &ml) {
				for _, l := range ml.Lines() {
					fmt.Fprintf(e.stderr, "hubid %s: %s\n", c.name, oneLine(l))
				}
				return exitFailure
			}
			fmt.Fprintf(e.stderr, "hubid %s: %s\n", c.name, oneLine(err.Error()))
			return exitFailure
		}
	}
	names := make([]string, 0, len(commands()))
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if s := closest(args[0], names); s != "" {
		fmt.Fprintf(e.stderr, "hubid: unknown command %q; did you mean %q?\n", args[0], s)
	} else {
		fmt.Fprintf(e.stderr, "hubid: unknown command %q\n", args[0])
	}
	e.usage()
	return exitUsage
}

func (e *env) usage() {
	fmt.Fprintln(e.stderr, "Usage: hubid <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(e.stderr, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(e.stderr, "\nRun 'hubid <command> --help' for a command's flags.")
}

func oneLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
