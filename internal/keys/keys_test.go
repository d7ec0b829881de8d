package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// newManager returns a Manager over a fresh memStore with keys ensured.
func newManager(t testing.TB, opts ...Option) (*Manager, *memStore, *clock) {
	t.Helper()
	st, clk := &memStore{}, newClock()
	m := New(st, clk.Now, opts...)
	if err := m.Ensure(context.Background()); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return m, st, clk
}

// verify checks a compact JWS against a JWKS as a relying party would and
// returns its kid and claims.
func verify(t *testing.T, token string, jwks jose.JSONWebKeySet, wantAlg string) (string, map[string]any) {
	t.Helper()
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("ParseSigned: %v", err)
	}
	h := jws.Signatures[0].Protected
	if h.Algorithm != wantAlg {
		t.Errorf("header alg = %q, want %q", h.Algorithm, wantAlg)
	}
	if typ := h.ExtraHeaders[jose.HeaderType]; typ != "JWT" {
		t.Errorf("header typ = %v, want JWT", typ)
	}
	found := jwks.Key(h.KeyID)
	if len(found) != 1 {
		t.Fatalf("JWKS has %d keys with kid %q, want 1", len(found), h.KeyID)
	}
	payload, err := jws.Verify(found[0])
	if err != nil {
		t.Fatalf("Verify with kid %s: %v", h.KeyID, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return h.KeyID, claims
}

func TestGenerate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, alg := range Algorithms() {
		t.Run(alg, func(t *testing.T) {
			k, err := Generate(alg, now)
			if err != nil {
				t.Fatal(err)
			}
			if k.Alg != alg || k.State != store.KeyNext || !k.CreatedAt.Equal(now) || !k.RotatedAt.Equal(now) {
				t.Errorf("Generate = {Alg %q State %q Created %v Rotated %v}", k.Alg, k.State, k.CreatedAt, k.RotatedAt)
			}
			block, rest := pem.Decode(k.PrivatePEM)
			if block == nil || block.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
				t.Fatalf("PrivatePEM is not one PKCS #8 PEM block:\n%s", k.PrivatePEM)
			}
			priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			// The kid is the RFC 7638 thumbprint, as go-jose computes it.
			pub := jose.JSONWebKey{Key: priv.(crypto.Signer).Public()}
			tp, err := pub.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if want := base64.RawURLEncoding.EncodeToString(tp); k.ID != want {
				t.Errorf("ID = %q, want thumbprint %q", k.ID, want)
			}
			if len(k.ID) != 43 {
				t.Errorf("len(ID) = %d, want 43", len(k.ID))
			}
			if _, err := parseKey(k); err != nil {
				t.Errorf("parseKey: %v", err)
			}
		})
	}
	if _, err := Generate("HS256", now); !errors.Is(err, ErrUnsupportedAlg) {
		t.Errorf("Generate(HS256) error = %v, want ErrUnsupportedAlg", err)
	}
}

func TestParseKeyRejects(t *testing.T) {
	now := time.Now()
	rs, err := Generate(oidc.AlgRS256, now)
	if err != nil {
		t.Fatal(err)
	}
	es, err := Generate(oidc.AlgES256, now)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := thumbprint(p384.Public())
	if err != nil {
		t.Fatal(err)
	}
	p384Key := store.SigningKey{ID: tp, Alg: oidc.AlgES256, PrivatePEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})}

	mod := func(k store.SigningKey, f func(*store.SigningKey)) store.SigningKey { f(&k); return k }
	tests := []struct {
		name string
		key  store.SigningKey
		want string
	}{
		{"unknown alg", mod(rs, func(k *store.SigningKey) { k.Alg = "PS256" }), "unsupported signing algorithm"},
		{"no PEM", mod(rs, func(k *store.SigningKey) { k.PrivatePEM = []byte("junk") }), "no \"PRIVATE KEY\" PEM block"},
		{"wrong PEM type", mod(rs, func(k *store.SigningKey) {
			k.PrivatePEM = bytes.Replace(k.PrivatePEM, []byte("PRIVATE KEY"), []byte("RSA PRIVATE KEY"), 2)
		}), "PEM block"},
		{"RSA as ES256", mod(rs, func(k *store.SigningKey) { k.Alg = oidc.AlgES256 }), "RSA key stored for ES256"},
		{"EC as RS256", mod(es, func(k *store.SigningKey) { k.Alg = oidc.AlgRS256 }), "stored for RS256"},
		{"P-384 as ES256", p384Key, "EC key on P-384"},
		{"kid mismatch", mod(rs, func(k *store.SigningKey) { k.ID = es.ID }), "not the key's thumbprint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseKey(tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseKey error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	m, _, clk := newManager(t)
	ctx := context.Background()
	jwks, err := m.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	active := map[string]string{}
	for _, k := range list {
		if k.State == store.KeyActive {
			active[k.Alg] = k.ID
		}
		if k.PrivatePEM != nil {
			t.Errorf("List returned the private key of %s", k.ID)
		}
	}
	claims := map[string]any{
		"iss":   "https://hub.example",
		"sub":   "0123456789abcdef01234567",
		"aud":   "client-1",
		"iat":   float64(clk.Now().Unix()),
		"exp":   float64(clk.Now().Add(time.Hour).Unix()),
		"nonce": "n-0S6_WzA2Mj",
	}
	for _, alg := range append(Algorithms(), "") {
		t.Run("alg="+alg, func(t *testing.T) {
			token, err := m.Sign(ctx, alg, claims)
			if err != nil {
				t.Fatal(err)
			}
			wantAlg := alg
			if alg == "" {
				wantAlg = oidc.AlgRS256
			}
			kid, got := verify(t, token, jwks, wantAlg)
			if kid != active[wantAlg] {
				t.Errorf("signed with %s, want the active %s key %s", kid, wantAlg, active[wantAlg])
			}
			if diff := cmp.Diff(claims, got); diff != "" {
				t.Errorf("claims (-sent +verified):\n%s", diff)
			}
		})
	}
	if _, err := m.Sign(ctx, "HS256", claims); !errors.Is(err, ErrUnsupportedAlg) {
		t.Errorf("Sign(HS256) error = %v, want ErrUnsupportedAlg", err)
	}
	if _, err := m.Sign(ctx, oidc.AlgRS256, func() {}); err == nil {
		t.Error("Sign of unmarshallable claims succeeded")
	}
	raw, err := m.Sign(ctx, oidc.AlgES256, json.RawMessage(`{"sub":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, got := verify(t, raw, jwks, oidc.AlgES256); got["sub"] != "x" {
		t.Errorf("RawMessage claims = %v", got)
	}
}

func TestJWKSPublishesEveryState(t *testing.T) {
	m, _, _ := newManager(t)
	ctx := context.Background()
	if err := m.Rotate(ctx, oidc.AlgRS256); err != nil {
		t.Fatal(err)
	}
	list, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := m.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type pub struct{ Kid, Alg, Use string }
	var want, got []pub
	for _, k := range list {
		want = append(want, pub{k.ID, k.Alg, "sig"})
	}
	for _, k := range jwks.Keys {
		got = append(got, pub{k.KeyID, k.Algorithm, k.Use})
		if !k.IsPublic() {
			t.Errorf("JWKS key %s is not public", k.KeyID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JWKS keys (-stored +published):\n%s", diff)
	}
	if len(got) != 5 {
		t.Errorf("JWKS has %d keys, want 5 (RS256 active, next, verify-only; ES256 active, next)", len(got))
	}
}

// TestRotationLifecycle follows keys through next -> active -> verify-only
// -> dropped. Keys are named by algorithm and creation order.
func TestRotationLifecycle(t *testing.T) {
	st, clk := &memStore{}, newClock()
	t0 := clk.Now()
	m := New(st, clk.Now, WithRetention(7*24*time.Hour))
	names := map[string]string{}
	count := map[string]int{}
	m.generate = func(alg string, now time.Time) (store.SigningKey, error) {
		k, err := Generate(alg, now)
		if err == nil {
			count[alg]++
			names[k.ID] = fmt.Sprintf("%s#%d", strings.ToLower(alg[:2]), count[alg])
		}
		return k, err
	}
	const day = 24 * time.Hour
	steps := []struct {
		name string
		at   time.Duration // since t0
		do   func(context.Context) error
		want []lifecycleKey
	}{
		{"ensure creates active and next", 0, m.Ensure, []lifecycleKey{
			{"rs#1", "active", 0}, {"rs#2", "next", 0},
			{"es#1", "active", 0}, {"es#2", "next", 0},
		}},
		{"ensure again changes nothing", time.Hour, m.Ensure, []lifecycleKey{
			{"rs#1", "active", 0}, {"rs#2", "next", 0},
			{"es#1", "active", 0}, {"es#2", "next", 0},
		}},
		{"rotate ES256", 2 * time.Hour, rotate(m, oidc.AlgES256), []lifecycleKey{
			{"rs#1", "active", 0}, {"rs#2", "next", 0},
			{"es#2", "active", 2 * time.Hour}, {"es#3", "next", 2 * time.Hour}, {"es#1", "verify-only", 2 * time.Hour},
		}},
		{"rotate ES256 again keeps both verify-only", day, rotate(m, oidc.AlgES256), []lifecycleKey{
			{"rs#1", "active", 0}, {"rs#2", "next", 0},
			{"es#3", "active", day}, {"es#4", "next", day},
			{"es#2", "verify-only", day}, {"es#1", "verify-only", 2 * time.Hour},
		}},
		{"verify-only exactly at retention is kept", 7*day + 2*time.Hour, rotate(m, oidc.AlgES256), []lifecycleKey{
			{"rs#1", "active", 0}, {"rs#2", "next", 0},
			{"es#4", "active", 7*day + 2*time.Hour}, {"es#5", "next", 7*day + 2*time.Hour},
			{"es#3", "verify-only", 7*day + 2*time.Hour}, {"es#2", "verify-only", day}, {"es#1", "verify-only", 2 * time.Hour},
		}},
		{"rotate RS256 drops ES256 verify-only past retention", 8 * day, rotate(m, oidc.AlgRS256), []lifecycleKey{
			{"rs#2", "active", 8 * day}, {"rs#3", "next", 8 * day}, {"rs#1", "verify-only", 8 * day},
			{"es#4", "active", 7*day + 2*time.Hour}, {"es#5", "next", 7*day + 2*time.Hour},
			{"es#3", "verify-only", 7*day + 2*time.Hour}, {"es#2", "verify-only", day},
		}},
		{"long after, only the latest verify-only remain", 30 * day, rotate(m, oidc.AlgES256), []lifecycleKey{
			{"rs#2", "active", 8 * day}, {"rs#3", "next", 8 * day},
			{"es#5", "active", 30 * day}, {"es#6", "next", 30 * day}, {"es#4", "verify-only", 30 * day},
		}},
	}
	ctx := context.Background()
	for _, step := range steps {
		clk.Add(t0.Add(step.at).Sub(clk.Now()))
		if err := step.do(ctx); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		list, err := m.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []lifecycleKey
		for _, k := range list {
			got = append(got, lifecycleKey{names[k.ID], k.State, k.RotatedAt.Sub(t0)})
		}
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("%s: keys (-want +got):\n%s", step.name, diff)
		}
		// The manager signs with the active keys right after (no TTL wait).
		jwks, err := m.JWKS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, alg := range Algorithms() {
			token, err := m.Sign(ctx, alg, map[string]string{"step": step.name})
			if err != nil {
				t.Fatal(err)
			}
			kid, _ := verify(t, token, jwks, alg)
			if want := activeName(step.want, alg); names[kid] != want {
				t.Errorf("%s: %s signed with %s, want %s", step.name, alg, names[kid], want)
			}
		}
	}
}

// lifecycleKey is a key of TestRotationLifecycle: its name, state and
// RotatedAt relative to the start of the test.
type lifecycleKey struct {
	Name, State string
	Rotated     time.Duration
}

// activeName returns the name of the active key of alg in keys.
func activeName(keys []lifecycleKey, alg string) string {
	for _, k := range keys {
		if k.State == store.KeyActive && strings.HasPrefix(k.Name, strings.ToLower(alg[:2])+"#") {
			return k.Name
		}
	}
	return ""
}

func rotate(m *Manager, alg string) func(context.Context) error {
	return func(ctx context.Context) error { return m.Rotate(ctx, alg) }
}

func TestRotateWithoutNextKey(t *testing.T) {
	st, clk := &memStore{}, newClock()
	m := New(st, clk.Now)
	ctx := context.Background()
	if err := m.Rotate(ctx, oidc.AlgES256); err != nil {
		t.Fatal(err)
	}
	list, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, k := range list {
		states = append(states, k.Alg+" "+k.State)
	}
	if diff := cmp.Diff([]string{"ES256 active", "ES256 next"}, states); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if err := m.Rotate(ctx, "none"); !errors.Is(err, ErrUnsupportedAlg) {
		t.Errorf("Rotate(none) error = %v, want ErrUnsupportedAlg", err)
	}
}

func TestEnsurePromotesLoneNext(t *testing.T) {
	clk := newClock()
	k, err := Generate(oidc.AlgES256, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{keys: []store.SigningKey{k}}
	m := New(st, clk.Now)
	if err := m.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	list, err := m.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Fatalf("Ensure left %d keys, want 4", len(list))
	}
	for _, l := range list {
		if l.ID == k.ID && l.State != store.KeyActive {
			t.Errorf("lone next key is %s, want active", l.State)
		}
	}
}

// TestEnsureConcurrent starts two processes at once on an empty store: they
// must end with exactly one key set.
func TestEnsureConcurrent(t *testing.T) {
	st, clk := &memStore{}, newClock()
	a, b := New(st, clk.Now), New(st, clk.Now)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, m := range []*Manager{a, b} {
		wg.Go(func() { errs[i] = m.Ensure(context.Background()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	list, err := a.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range list {
		got = append(got, k.Alg+" "+k.State)
	}
	want := []string{"RS256 active", "RS256 next", "ES256 active", "ES256 next"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	ja, _ := a.JWKSJSON(context.Background())
	jb, _ := b.JWKSJSON(context.Background())
	if !bytes.Equal(ja, jb) {
		t.Error("the two managers publish different JWKS")
	}
}

// TestTwoManagersPickUpRotation: one process rotates, the other sees the new
// active key and the new next key once its cache is older than the TTL.
func TestTwoManagersPickUpRotation(t *testing.T) {
	const ttl = 10 * time.Second
	a, st, clk := newManager(t, WithCacheTTL(ttl))
	b := New(st, clk.Now, WithCacheTTL(ttl))
	ctx := context.Background()
	alg := oidc.AlgES256

	signer := func(m *Manager) string {
		t.Helper()
		token, err := m.Sign(ctx, alg, map[string]string{"sub": "u"})
		if err != nil {
			t.Fatal(err)
		}
		jwks, err := a.JWKS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		kid, _ := verify(t, token, jwks, alg)
		return kid
	}
	published := func(m *Manager) map[string]bool {
		t.Helper()
		jwks, err := m.JWKS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, k := range jwks.Keys {
			out[k.KeyID] = true
		}
		return out
	}

	before := signer(b)
	if err := a.Rotate(ctx, alg); err != nil {
		t.Fatal(err)
	}
	list, err := a.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var newActive, newNext string
	for _, k := range list {
		if k.Alg == alg && k.State == store.KeyActive {
			newActive = k.ID
		}
		if k.Alg == alg && k.State == store.KeyNext {
			newNext = k.ID
		}
	}
	if got := signer(a); got != newActive {
		t.Errorf("rotating manager signs with %s, want %s at once", got, newActive)
	}

	clk.Add(ttl - time.Second)
	if got := signer(b); got != before {
		t.Errorf("within the TTL the other manager signs with %s, want the cached %s", got, before)
	}
	if published(b)[newNext] {
		t.Error("within the TTL the other manager already publishes the new next key")
	}

	clk.Add(time.Second)
	if got := signer(b); got != newActive {
		t.Errorf("after the TTL the other manager signs with %s, want %s", got, newActive)
	}
	if p := published(b); !p[newNext] || !p[before] {
		t.Errorf("after the TTL the other manager publishes %v, want the new next %s and the verify-only %s", p, newNext, before)
	}
}

// TestReloadDoesNotStampede: when the cache expires under load, one
// goroutine reads the store while the others sign with the stale keys; on a
// cold start they all wait for the one load.
func TestReloadDoesNotStampede(t *testing.T) {
	const n = 32
	for _, cold := range []bool{false, true} {
		t.Run(fmt.Sprintf("cold=%v", cold), func(t *testing.T) {
			_, st, clk := newManager(t)
			m := New(st, clk.Now)
			ctx := context.Background()
			if !cold {
				if _, err := m.Sign(ctx, oidc.AlgES256, 1); err != nil {
					t.Fatal(err)
				}
				clk.Add(time.Minute)
			}
			entered, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			st.hook = func() error {
				once.Do(func() { close(entered) })
				<-release
				return nil
			}
			st.reads.Store(0)

			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					_, err := m.Sign(ctx, oidc.AlgES256, map[string]int{"n": 1})
					errs <- err
				})
			}
			<-entered
			if !cold {
				// Everyone but the reloader finishes with the stale keys.
				for range n - 1 {
					if err := <-errs; err != nil {
						t.Fatal(err)
					}
				}
			}
			close(release)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := st.reads.Load(); got != 1 {
				t.Errorf("store read %d times, want 1", got)
			}
		})
	}
}

func TestReloadFailure(t *testing.T) {
	_, st, clk := newManager(t)
	ctx := context.Background()
	broken := errors.New("database is down")

	cold := New(st, clk.Now)
	st.hook = func() error { return broken }
	if _, err := cold.Sign(ctx, oidc.AlgRS256, 1); !errors.Is(err, broken) {
		t.Errorf("cold Sign with the store down: error = %v, want %v", err, broken)
	}

	st.hook = nil
	warm := New(st, clk.Now)
	if _, err := warm.Sign(ctx, oidc.AlgRS256, 1); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	st.hook = func() error { return broken }
	st.reads.Store(0)
	for range 3 {
		if _, err := warm.Sign(ctx, oidc.AlgRS256, 1); err != nil {
			t.Errorf("warm Sign with the store down: %v, want the cached key", err)
		}
	}
	if got := st.reads.Load(); got != 1 {
		t.Errorf("store read %d times after a failure within a TTL, want 1 (retry after the TTL)", got)
	}
}

func TestJWKSJSONCached(t *testing.T) {
	m, _, clk := newManager(t)
	ctx := context.Background()
	first, err := m.JWKSJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour) // reload, nothing changed
	again, err := m.JWKSJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if &first[0] != &again[0] {
		t.Error("JWKS JSON was marshalled again though the keys did not change")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(again, &set); err != nil {
		t.Fatal(err)
	}
	direct, err := m.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != len(direct.Keys) {
		t.Errorf("JWKSJSON has %d keys, JWKS %d", len(set.Keys), len(direct.Keys))
	}
	if err := m.Rotate(ctx, oidc.AlgES256); err != nil {
		t.Fatal(err)
	}
	rotated, err := m.JWKSJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, rotated) {
		t.Error("JWKS JSON did not change after a rotation")
	}
}

func TestEmptyStore(t *testing.T) {
	m := New(&memStore{}, newClock().Now)
	ctx := context.Background()
	b, err := m.JWKSJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"keys":[]}` {
		t.Errorf("JWKS of an empty store = %s", b)
	}
	if _, err := m.Sign(ctx, oidc.AlgRS256, 1); err == nil || !strings.Contains(err.Error(), "Ensure") {
		t.Errorf("Sign without keys: error = %v, want a hint to run Ensure", err)
	}
}

// TestJWKSGolden pins the JWKS shape: field names, kty, crv, alg, use and
// order, with the random key material replaced by placeholders.
func TestJWKSGolden(t *testing.T) {
	m, _, _ := newManager(t)
	ctx := context.Background()
	if err := m.Rotate(ctx, oidc.AlgRS256); err != nil {
		t.Fatal(err)
	}
	b, err := m.JWKSJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	list, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kids := map[string]string{}
	for _, k := range list {
		kids[k.ID] = fmt.Sprintf("<%s %s>", k.Alg, k.State)
	}
	for _, k := range set.Keys {
		k["kid"] = kids[k["kid"].(string)]
		for _, f := range []string{"n", "x", "y"} {
			if v, ok := k[f].(string); ok {
				raw, err := base64.RawURLEncoding.DecodeString(v)
				if err != nil {
					t.Errorf("%s of %s: %v", f, k["kid"], err)
				}
				k[f] = fmt.Sprintf("<%d bytes>", len(raw))
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(set); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	golden := filepath.Join("testdata", "jwks.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("JWKS shape (-%s +got):\n%s", golden, diff)
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newManager(t)
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	for _, alg := range Algorithms() {
		tok, err := m.Sign(ctx, alg, map[string]string{"sub": "x"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Verify(ctx, tok)
		if err != nil || string(got) != `{"sub":"x"}` {
			t.Errorf("%s: Verify = %s, %v", alg, got, err)
		}
		if _, err := m.Verify(ctx, tok[:len(tok)-4]+"AAAA"); err == nil {
			t.Errorf("%s: a tampered signature verified", alg)
		}
	}
	other, _, _ := newManager(t)
	if err := other.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	foreign, _ := other.Sign(ctx, "RS256", map[string]string{"sub": "x"})
	if _, err := m.Verify(ctx, foreign); err == nil {
		t.Error("a token signed by another key set verified")
	}
	if _, err := m.Verify(ctx, "not.a.jws"); err == nil {
		t.Error("garbage verified")
	}
}
