package store

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Migration is one numbered schema script of a backend.
type Migration struct {
	Version int
	Name    string // file name, NNNN_name.sql
	SQL     string
}

// ReadMigrations returns the scripts in dir of fsys (a backend's embedded
// migrations), named NNNN_name.sql and numbered from 1 without gaps, in
// version order. A script, once released, never changes: a schema change is
// a new script.
func ReadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names { // fs.Glob returns names sorted
		base := strings.TrimPrefix(name, dir+"/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("migration %s: want name %04d_*.sql", base, len(ms)+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(b)})
	}
	return ms, nil
}
