package signintest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// brokenStore is a MemoryStore with one of the Store rules broken.
type brokenStore struct {
	m    *signin.MemoryStore
	kind string
}

func (b *brokenStore) Get(ctx context.Context, key string) ([]byte, error) {
	if b.kind == "case-insensitive" {
		key = strings.ToLower(key)
	}
	v, err := b.m.Get(ctx, key)
	if b.kind == "nil-on-missing" && err != nil {
		return nil, nil
	}
	return v, err
}

func (b *brokenStore) Put(ctx context.Context, key string, value []byte, expires time.Time) error {
	switch b.kind {
	case "case-insensitive":
		key = strings.ToLower(key)
	case "ignores-expiry":
		expires = time.Now().Add(time.Hour)
	case "keeps-first":
		if _, err := b.m.Get(ctx, key); err == nil {
			return nil
		}
	}
	return b.m.Put(ctx, key, value, expires)
}

func (b *brokenStore) Delete(ctx context.Context, key string) error {
	if b.kind == "delete-nothing" {
		return nil
	}
	return b.m.Delete(ctx, key)
}

const brokenEnv = "SIGNINTEST_BROKEN_STORE"

// TestBrokenStore runs the suite against the broken store named by
// $SIGNINTEST_BROKEN_STORE; TestTestStore starts it in a child process.
func TestBrokenStore(t *testing.T) {
	kind := os.Getenv(brokenEnv)
	if kind == "" {
		t.Skip("run by TestTestStore")
	}
	signintest.TestStore(t, func(*testing.T) signin.Store {
		return &brokenStore{m: signin.NewMemoryStore(0, nil), kind: kind}
	})
}

// TestTestStore: the suite passes a correct store and fails each broken
// one in the subtest for the rule it breaks.
func TestTestStore(t *testing.T) {
	signintest.TestStore(t, func(*testing.T) signin.Store { return signin.NewMemoryStore(0, nil) })
	for kind, subtest := range map[string]string{
		"nil-on-missing":   "Missing",
		"ignores-expiry":   "Expiry",
		"keeps-first":      "Overwrite",
		"delete-nothing":   "Delete",
		"case-insensitive": "DistinctKeys",
	} {
		t.Run(kind, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStore$", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+kind)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store that breaks %s:\n%s", subtest, out)
			}
			if want := "--- FAIL: TestBrokenStore/" + subtest + " "; !strings.Contains(string(out), want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		})
	}
}
