package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadMigrations(t *testing.T) {
	ok := fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
	}
	ms, err := ReadMigrations(ok, "m")
	if err != nil || len(ms) != 2 || ms[0].Name != "0001_a.sql" || ms[1].Version != 2 || ms[1].SQL != "B" {
		t.Fatalf("ReadMigrations = %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":      {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"no-start": {"m/0002_b.sql": {}},
		"bad-name": {"m/init.sql": {}},
	} {
		if _, err := ReadMigrations(fsys, "m"); err == nil || !strings.Contains(err.Error(), "want name") {
			t.Errorf("%s: %v, want an error naming the expected file name", name, err)
		}
	}
}
