package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hubid/hubid/internal/store"
)

// The helpers the admin commands share: reading a secret, printing, reporting
// a missing row or a broken account rule, running a one-argument command.

// readSecretLine reads one line from stdin: passwords never come from
// arguments, where other users of the machine could see them.
func (e *env) readSecretLine(what string) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read %s from stdin: nothing was given (pipe it in, e.g. printf '%%s\\n' \"$PW\" | hubid …)", what)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// flagError is the usage error for a broken rule of internal/accounts:
// a rule named like its flag (kind: "role …" from --role, "plan …" from
// --plan) speaks of the flag; any other (a name) is quoted as it is.
func flagError(err, kind error) error {
	if errors.Is(err, kind) {
		return usageError{msg: "--" + err.Error()}
	}
	return usageError{msg: err.Error()}
}

// notFound words store.ErrNotFound as "WHAT not found" (for apps; users
// and orgs come back from internal/accounts worded already).
func notFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s not found", what)
	}
	return err
}

// printJSON writes v as one indented JSON object.
func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// noArgs runs a command that takes only --json, --data and --database, with the store
// open; the database must exist (see openExistingStore).
func (e *env) noArgs(cmd string, args []string, run func(st store.Store, asJSON bool) error) error {
	fs := e.newFlags(cmd, cmd+" [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openExistingStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(st, *asJSON)
}

// oneArg runs a command that takes exactly one ARG (and --json, --data, --database)
// with the store open; the database must exist (see openExistingStore).
func (e *env) oneArg(cmd, arg string, args []string, run func(st store.Store, value string, asJSON bool) error) error {
	fs := e.newFlags(cmd, cmd+" "+arg+" [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one %s", arg)
	}
	st, err := openExistingStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(st, pos[0], *asJSON)
}
