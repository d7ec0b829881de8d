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
	// The flag package prints the usage on every error; only --help
	// should, so that an error is one line that starts with the problem.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				usage()
				return nil, errHelp
			}
			return nil, usageError{msg: flagErrorMessage(fs, err), cmd: fs.Name()}
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

// flagErrorMessage words a flag parsing error with the flag first: an
// unknown flag as "unknown flag --dat; did you mean --data?", the flag
// package's other errors as they are.
func flagErrorMessage(fs *flag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return err.Error()
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	msg := "unknown flag --" + name
	if s := closest(name, names); s != "" {
		msg += "; did you mean --" + s + "?"
	}
	return msg
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

// verb is one subcommand of a group: "hubid NOUN VERB".
type verb struct {
	name    string
	summary string // one line for the group's --help
	run     func(context.Context, *env, []string) error
}

// subcommand dispatches "hubid NOUN VERB …". The group's --help (and a
// missing verb) lists each verb with what it does.
func (e *env) subcommand(ctx context.Context, noun string, args []string, verbs []verb) error {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stderr, "Usage: hubid %s <subcommand> [flags]\n\nSubcommands:\n", noun)
		for _, v := range verbs {
			fmt.Fprintf(e.stderr, "  %-14s %s\n", v.name, v.summary)
		}
		fmt.Fprintf(e.stderr, "\nRun 'hubid %s <subcommand> --help' for its flags.\n", noun)
		if len(args) == 0 {
			return usagef("missing subcommand; one of: %s", strings.Join(names, ", "))
		}
		return errHelp
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.run(ctx, e, args[1:])
		}
	}
	msg := fmt.Sprintf("unknown subcommand %q; one of: %s", args[0], strings.Join(names, ", "))
	if s := closest(args[0], names); s != "" {
		msg = fmt.Sprintf("unknown subcommand %q; did you mean %q? (one of: %s)", args[0], s, strings.Join(names, ", "))
	}
	return usageError{msg: msg}
}

// closest is the candidate nearest to s (edit distance, ignoring case),
// or "" when none is near enough to be a likely typo: at most a third of
// the longer name's length, and at least one, apart; or s a prefix of a
// single candidate.
func closest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" && bestD <= max(1, max(len(s), len(best))/3) {
		return best
	}
	var prefixed []string
	for _, c := range candidates {
		if s != "" && strings.HasPrefix(c, s) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// editDistance is the number of single-byte insertions, deletions,
// substitutions and swaps of neighbours that turn a into b (the optimal
// string alignment distance: "jsno" is one swap from "json").
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
