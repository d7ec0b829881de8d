package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

var errHelp = flag.ErrHelp

// stringList is a repeatable flag: --redirect-uri A --redirect-uri B.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// newFlags returns a flag set that reports to e.stderr, with a usage line.
func (e *env) newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Errors are reported once, by main; only --help prints the flags.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fs.SetOutput(e.stderr)
		fmt.Fprintf(e.stderr, "Usage: hubid %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags that may stand before, between or after positional
// arguments, and returns the positional ones. A usage problem becomes a
// usageError; --help becomes errHelp.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, errHelp
			}
			return nil, usageError{msg: err.Error(), cmd: fs.Name()}
		}
		rest := fs.Args()
		// The flag package swallows a "--" terminator: everything after it
		// is positional, flag-looking or not (space run's app command).
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		args = rest
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// dataDirFlag adds --data with the shared default: $HUBID_DATA, else
// $XDG_DATA_HOME/hubid, else ~/.local/share/hubid.
func (e *env) dataDirFlag(fs *flag.FlagSet) *string {
	return fs.String("data", e.defaultDataDir(), "data directory holding the database (env HUBID_DATA)")
}

func (e *env) defaultDataDir() string {
	if d := e.getenv("HUBID_DATA"); d != "" {
		return d
	}
	if d := e.getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hubid")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "hubid")
	}
	return "hubid-data"
}

// envOr returns the environment variable name, or def when it is unset.
func (e *env) envOr(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// subcommand dispatches "hubid NOUN VERB …".
func (e *env) subcommand(ctx context.Context, noun string, args []string, verbs map[string]func(context.Context, *env, []string) error, order []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(e.stderr, "Usage: hubid %s <%s> [flags]\n", noun, strings.Join(order, "|"))
		if len(args) == 0 {
			return usagef("missing subcommand; one of: %s", strings.Join(order, ", "))
		}
		return errHelp
	}
	f, ok := verbs[args[0]]
	if !ok {
		return usagef("unknown subcommand %q; one of: %s", args[0], strings.Join(order, ", "))
	}
	return f(ctx, e, args[1:])
}
