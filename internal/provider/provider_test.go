package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/keys/keystest"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/postgres"
	"github.com/hubid/hubid/internal/store/postgres/pgtest"
	"github.com/hubid/hubid/internal/store/sqlite"
)

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := keystest.Seed(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestNewRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	if _, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test"}); err == nil || !strings.Contains(err.Error(), "no store") {
		t.Errorf("New without a store: %v, want an error naming the store", err)
	}
	_, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test/path", Store: openDB(t)})
	if err == nil || !strings.Contains(err.Error(), "has a path") {
		t.Errorf("New with an issuer that has a path: %v, want the server's explanation", err)
	}
}

// TestNewServes: the stack New builds answers discovery with the issuer,
// publishes the keys it ensured, and keeps its secrets in the store, so a
// second provider on the same store (a restart, or a replica) shares them.
func TestNewServes(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	p, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test/", Store: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := keystest.Remember(ctx, db); err != nil {
		t.Fatal(err)
	}
	if p.Issuer() != "http://hub.test" {
		t.Errorf("Issuer() = %q, want it without the trailing slash", p.Issuer())
	}
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/openid-configuration", nil))
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &disc) != nil || disc.Issuer != "http://hub.test" {
		t.Fatalf("discovery: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/oauth/jwks", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"RS256"`) || !strings.Contains(rec.Body.String(), `"ES256"`) {
		t.Errorf("JWKS: %d %s", rec.Code, rec.Body)
	}
	key1, err := db.Secret(ctx, "code-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db}); err != nil {
		t.Fatal(err)
	}
	key2, err := db.Secret(ctx, "code-key", nil)
	if err != nil || !bytes.Equal(key1, key2) {
		t.Errorf("a second provider on the same store changed the code key (err %v)", err)
	}
}

// TestCollectGarbage: expired rows are deleted and the run is logged
// through the injected logger.
func TestCollectGarbage(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	var logs bytes.Buffer
	now := time.Now()
	p, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: "u1", Username: "alice", CreatedAt: now}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, digest := store.NewSecret("")
	if err := db.CreateSession(ctx, store.Session{Hash: digest, UserID: u.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := p.CollectGarbage(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, digest); err != store.ErrNotFound {
		t.Errorf("expired session after GC: %v, want ErrNotFound", err)
	}
	if !strings.Contains(logs.String(), "garbage collected") || !strings.Contains(logs.String(), "sessions=1") {
		t.Errorf("GC log: %q", logs.String())
	}
}

// TestCollectGarbageRegisteredApps: with a RegistrationTTL, GC deletes a
// registered app unused for longer and logs it, and keeps a younger one;
// without one, it keeps both.
func TestCollectGarbageRegisteredApps(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	for _, ttl := range []time.Duration{0, 30 * 24 * time.Hour} {
		db := openDB(t)
		var logs bytes.Buffer
		p, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db, RegistrationTTL: ttl,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		old := store.App{ClientID: "old", Registered: true, Public: true, CreatedAt: now.Add(-31 * 24 * time.Hour)}
		young := store.App{ClientID: "young", Registered: true, Public: true, CreatedAt: now.Add(-29 * 24 * time.Hour)}
		for _, a := range []store.App{old, young} {
			if err := db.CreateApp(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.CollectGarbage(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = db.App(ctx, old.ClientID)
		if deleted := errors.Is(err, store.ErrNotFound); deleted != (ttl > 0) || !deleted && err != nil {
			t.Errorf("TTL %v: the old unused registered app after GC: %v", ttl, err)
		}
		if _, err := db.App(ctx, young.ClientID); err != nil {
			t.Errorf("TTL %v: the young registered app after GC: %v", ttl, err)
		}
		if logged := strings.Contains(logs.String(), "deleted unused registered apps") && strings.Contains(logs.String(), "apps=1"); logged != (ttl > 0) {
			t.Errorf("TTL %v: GC log: %q", ttl, logs.String())
		}
	}
}

// TestPostgresReplicas: the stack runs on PostgreSQL, and two providers on
// one database, each with its own connection pool as two replicas have,
// serve the same discovery document and JWKS and share the code key.
func TestPostgresReplicas(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	openPG := func() *postgres.DB {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1, db2 := openPG(), openPG()
	if err := keystest.Seed(ctx, db1); err != nil {
		t.Fatal(err)
	}
	get := func(p *provider.Provider, path string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	var ps []*provider.Provider
	for _, db := range []*postgres.DB{db1, db2} {
		p, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	disc := get(ps[0], "/.well-known/openid-configuration")
	if !strings.Contains(disc, `"issuer":"http://hub.test"`) {
		t.Errorf("discovery: %s", disc)
	}
	if d2 := get(ps[1], "/.well-known/openid-configuration"); d2 != disc {
		t.Errorf("the replicas' discovery documents differ:\n%s\n%s", disc, d2)
	}
	jwks := get(ps[0], "/oauth/jwks")
	if !strings.Contains(jwks, `"RS256"`) || !strings.Contains(jwks, `"ES256"`) {
		t.Errorf("JWKS: %s", jwks)
	}
	if j2 := get(ps[1], "/oauth/jwks"); j2 != jwks {
		t.Errorf("the replicas publish different keys:\n%s\n%s", jwks, j2)
	}
	k1, err1 := db1.Secret(ctx, "code-key", nil)
	k2, err2 := db2.Secret(ctx, "code-key", nil)
	if err1 != nil || err2 != nil || len(k1) == 0 || !bytes.Equal(k1, k2) {
		t.Errorf("the replicas' code keys differ (errors %v, %v)", err1, err2)
	}
}
