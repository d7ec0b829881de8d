// Command seed fills a hubid SQLite database with many users, apps and
// tokens, fast, to measure how hubid's costs grow with the size of its
// database (bench/growth). It writes through the store's bulk Loader, so
// every row is what hubid itself would store.
//
//	seed -db DATA/hubid.db -users 1000000 -apps 100000 -tokens 10000000
//
// Users are named seed-user-N and share one password (-password), so a
// load generator can sign in as any of them. Apps belong to random seeded
// users. Tokens belong to random seeded users and apps; the fraction
// -expired expired between 1 hour and 30 days ago, the rest expire within
// the next 8 hours. The database is created if needed and may be in use by
// a running hubid (the writes wait for its write lock), though seeding
// before starting the server is faster.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
	"github.com/hubid/hubid/oidc"
)

type config struct {
	db                  string
	users, apps, tokens int
	expired             float64
	batch               int
	password            string
	json                bool
}

// result is what seed reports.
type result struct {
	Users    int     `json:"users"`
	Apps     int     `json:"apps"`
	Tokens   int     `json:"tokens"`
	Expired  int     `json:"expired_tokens"`
	Seconds  float64 `json:"seconds"`
	RowsPerS float64 `json:"rows_per_second"`
	DBBytes  int64   `json:"db_bytes"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.db, "db", "", "the SQLite database file (hubid.db in a hubid data directory); created if missing")
	fs.IntVar(&c.users, "users", 1_000_000, "users to add")
	fs.IntVar(&c.apps, "apps", 100_000, "OAuth apps to add")
	fs.IntVar(&c.tokens, "tokens", 10_000_000, "access tokens to add")
	fs.Float64Var(&c.expired, "expired", 0.5, "fraction of the tokens that are expired")
	fs.IntVar(&c.batch, "batch", 250_000, "rows per transaction")
	fs.StringVar(&c.password, "password", "seed-password", "the password of every seeded user")
	fs.BoolVar(&c.json, "json", false, "print the result as one JSON object")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case c.db == "":
		fmt.Fprintln(stderr, "seed: -db is required: the path of hubid.db in the data directory")
		return 2
	case c.users < 1 || c.apps < 1 || c.tokens < 0:
		fmt.Fprintln(stderr, "seed: -users and -apps must be at least 1 (tokens need both), -tokens at least 0")
		return 2
	case c.expired < 0 || c.expired > 1:
		fmt.Fprintln(stderr, "seed: -expired is a fraction from 0 to 1")
		return 2
	}
	if dir := filepath.Dir(c.db); !isDir(dir) {
		fmt.Fprintf(stderr, "seed: -db %s: the directory %s does not exist; start `hubid dev --data %s` once, or create it\n", c.db, dir, dir)
		return 1
	}
	res, err := seed(context.Background(), c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "seed: %v\n", err)
		return 1
	}
	if c.json {
		json.NewEncoder(stdout).Encode(res)
	} else {
		fmt.Fprintf(stdout, "seeded %d users, %d apps, %d tokens (%d expired) in %.1f s (%.0f rows/s); database %.1f MiB\n",
			res.Users, res.Apps, res.Tokens, res.Expired, res.Seconds, res.RowsPerS, float64(res.DBBytes)/(1<<20))
	}
	return 0
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// userID and clientID name the i-th seeded user and app; the fixed
// prefixes keep them apart from the random ids hubid gives its own rows.
func userID(i int) string   { return fmt.Sprintf("5eed%020x", i) }
func clientID(i int) string { return fmt.Sprintf("5eed0000-0000-4000-8000-%012x", i) }

func seed(ctx context.Context, c config, progress io.Writer) (result, error) {
	db, err := sqlite.Open(c.db)
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	hash, err := accounts.NewHasher(1).Hash(ctx, c.password)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	now := start.UTC()
	rng := rand.New(rand.NewPCG(uint64(now.UnixNano()), 1))
	l := db.Loader(ctx, c.batch)
	total := c.users + c.apps + c.tokens
	last := start
	tick := func(what string) {
		if t := time.Since(last); t > 5*time.Second {
			last = time.Now()
			n := l.Rows()
			fmt.Fprintf(progress, "seed: %s: %d of %d rows, %.0f rows/s\n", what, n, total, float64(n)/time.Since(start).Seconds())
		}
	}

	for i := range c.users {
		u := store.User{
			ID: userID(i), Username: fmt.Sprintf("seed-user-%d", i), FullName: fmt.Sprintf("Seed User %d", i),
			Email: fmt.Sprintf("seed-user-%d@example.com", i), EmailVerified: true, PasswordHash: hash, CreatedAt: now,
		}
		if err := l.User(u); err != nil {
			return result{}, err
		}
		tick("users")
	}
	for i := range c.apps {
		_, secret := store.NewSecret("")
		a := store.App{
			ClientID: clientID(i), Name: fmt.Sprintf("Seed app %d", i), OwnerID: userID(rng.IntN(c.users)), SecretHash: secret,
			RedirectURIs: []string{fmt.Sprintf("https://seed-app-%d.example/login/callback", i)},
			Scopes:       []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
			TokenTTL:     8 * time.Hour, IDTokenAlg: oidc.AlgRS256, CreatedAt: now, UpdatedAt: now,
		}
		if err := l.App(a); err != nil {
			return result{}, err
		}
		tick("apps")
	}
	expired := 0
	var buf [16]byte
	for i := range c.tokens {
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		t := store.Token{
			Hash: store.Hash(string(buf[:])), Kind: store.KindAccess, UserID: userID(rng.IntN(c.users)),
			ClientID: clientID(rng.IntN(c.apps)), Scopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile},
		}
		if rng.Float64() < c.expired {
			expired++
			t.ExpiresAt = now.Add(-time.Hour - time.Duration(rng.Int64N(int64(29*24*time.Hour))))
			t.CreatedAt = t.ExpiresAt.Add(-8 * time.Hour)
		} else {
			t.ExpiresAt = now.Add(time.Minute + time.Duration(rng.Int64N(int64(8*time.Hour-time.Minute))))
			t.CreatedAt = t.ExpiresAt.Add(-8 * time.Hour)
		}
		if err := l.Token(t); err != nil {
			return result{}, fmt.Errorf("token %d: %w", i, err)
		}
		tick("tokens")
	}
	if err := l.Close(); err != nil {
		return result{}, err
	}
	secs := time.Since(start).Seconds()
	res := result{Users: c.users, Apps: c.apps, Tokens: c.tokens, Expired: expired, Seconds: secs, RowsPerS: float64(total) / secs}
	if err := db.Close(); err != nil {
		return res, err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(c.db + suffix); err == nil {
			res.DBBytes += fi.Size()
		}
	}
	return res, nil
}
