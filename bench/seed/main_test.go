package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/store/sqlite"
)

func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "-db is required"},
		{[]string{"-db", "x.db", "-users", "0"}, 2, "-users and -apps must be at least 1"},
		{[]string{"-db", "x.db", "-expired", "2"}, 2, "-expired is a fraction"},
		{[]string{"-db", "/nonexistent-hubid-dir/hubid.db"}, 1, "the directory /nonexistent-hubid-dir does not exist"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("seed %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
}

// TestSeed seeds a small database and reads a seeded row back.
func TestSeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hubid.db")
	var out, errb bytes.Buffer
	if code := run([]string{"-db", path, "-users", "20", "-apps", "3", "-tokens", "100", "-expired", "0.5", "-batch", "7", "-json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"tokens":100`) {
		t.Errorf("result %s", out.String())
	}
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByName(t.Context(), "seed-user-19")
	if err != nil || u.ID != userID(19) {
		t.Errorf("seed-user-19: %+v, %v", u, err)
	}
	if _, err := db.App(t.Context(), clientID(2)); err != nil {
		t.Errorf("app 2: %v", err)
	}
}
