package keys

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// Defaults of a Manager.
const (
	// DefaultRetention is how long a verify-only key stays published after
	// it stopped signing: far longer than any ID token lives.
	DefaultRetention = 7 * 24 * time.Hour
	// DefaultCacheTTL is how long a Manager uses its cached keys before it
	// reloads them from the store.
	DefaultCacheTTL = 10 * time.Second
)

// Option configures a Manager.
type Option func(*Manager)

// WithRetention sets how long a verify-only key is kept after it stopped
// signing. It must exceed the ID-token lifetime plus the cache TTL of every
// process and the JWKS caching of relying parties. d <= 0 means
// DefaultRetention.
func WithRetention(d time.Duration) Option {
	return func(m *Manager) {
		if d > 0 {
			m.retention = d
		}
	}
}

// WithCacheTTL sets how long cached keys are used before they are reloaded
// from the store, and so how soon a rotation by another process is seen.
// d <= 0 means DefaultCacheTTL.
func WithCacheTTL(d time.Duration) Option {
	return func(m *Manager) {
		if d > 0 {
			m.ttl = d
		}
	}
}

// WithLogger sets the logger that reports failed reloads (when cached keys
// are used instead) and ignored keys of unknown algorithms (the default is
// discard).
func WithLogger(l *slog.Logger) Option {
	return func(m *Manager) {
		if l != nil {
			m.log = l
		}
	}
}

// Store is where signing keys are kept: the part of store.Store a Manager
// uses.
type Store interface {
	Keys(ctx context.Context) ([]store.SigningKey, error)
	UpdateKeys(ctx context.Context, update func([]store.SigningKey) ([]store.SigningKey, error)) error
}

// Manager signs ID tokens with the active keys kept in a store and publishes
// the JWKS. It is safe for concurrent use; several Managers, in one process
// or many, may share a store.
type Manager struct {
	st        Store
	now       func() time.Time
	retention time.Duration
	ttl       time.Duration
	log       *slog.Logger
	// generate makes new keys; tests replace it to avoid slow RSA keygen.
	generate func(alg string, now time.Time) (store.SigningKey, error)

	cur atomic.Pointer[snapshot]
	// reloading is a one-slot semaphore: its holder is the only goroutine
	// reading the store to refresh cur.
	reloading chan struct{}
}

// snapshot is one loaded key set. It is immutable once published.
type snapshot struct {
	loadedAt time.Time
	keys     []*parsedKey          // in JWKS order
	active   map[string]*parsedKey // by alg
	jwks     []jose.JSONWebKey     // public keys in JWKS order
	jwksJSON []byte
}

// New returns a Manager over st, reading the time from now (time.Now when
// nil). Call Ensure once at startup so that keys exist.
func New(st Store, now func() time.Time, opts ...Option) *Manager {
	if now == nil {
		now = time.Now
	}
	m := &Manager{
		st:        st,
		now:       now,
		retention: DefaultRetention,
		ttl:       DefaultCacheTTL,
		log:       slog.New(slog.DiscardHandler),
		generate:  Generate,
		reloading: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Ensure makes sure the store holds an active and a next key for every
// algorithm, creating what is missing (all of them on first use). When a
// next key exists but no active one, the next key is promoted. It is safe to
// run from several processes at once: the check and the insertion happen in
// one store transaction, so they end with exactly one key set.
func (m *Manager) Ensure(ctx context.Context) error {
	have, err := m.st.Keys(ctx)
	if err != nil {
		return fmt.Errorf("keys: load: %w", err)
	}
	if len(missing(have)) > 0 {
		// Generate outside the transaction: RSA keygen is slow and the
		// store may have a single writer.
		pool := map[string][]store.SigningKey{}
		for _, alg := range missing(have) {
			k, err := m.generate(alg, m.now())
			if err != nil {
				return err
			}
			pool[alg] = append(pool[alg], k)
		}
		err = m.st.UpdateKeys(ctx, func(keys []store.SigningKey) ([]store.SigningKey, error) {
			// The updater may run more than once: take from a fresh view of
			// the pool each time, and generate only if the set changed
			// under us so that more is missing than was foreseen.
			used := map[string]int{}
			take := func(alg string) (store.SigningKey, error) {
				if i := used[alg]; i < len(pool[alg]) {
					used[alg]++
					return pool[alg][i], nil
				}
				k, err := m.generate(alg, m.now())
				if err == nil {
					pool[alg] = append(pool[alg], k)
					used[alg]++
				}
				return k, err
			}
			now := m.now()
			out := slices.Clone(keys)
			for _, alg := range Algorithms() {
				if newest(out, alg, store.KeyActive) < 0 {
					if i := newest(out, alg, store.KeyNext); i >= 0 {
						out[i].State, out[i].RotatedAt = store.KeyActive, now
					} else {
						k, err := take(alg)
						if err != nil {
							return nil, err
						}
						out = append(out, withState(k, store.KeyActive, now))
					}
				}
				if newest(out, alg, store.KeyNext) < 0 {
					k, err := take(alg)
					if err != nil {
						return nil, err
					}
					out = append(out, withState(k, store.KeyNext, now))
				}
			}
			return out, nil
		})
		if err != nil {
			return fmt.Errorf("keys: ensure: %w", err)
		}
	}
	_, err = m.reload(ctx)
	return err
}

// missing lists, one entry per key, the algorithms of the keys Ensure must
// create for keys to have an active and a next key of each algorithm.
func missing(keys []store.SigningKey) []string {
	var out []string
	for _, alg := range Algorithms() {
		active := newest(keys, alg, store.KeyActive) >= 0
		next := newest(keys, alg, store.KeyNext) >= 0
		switch {
		case !active && !next:
			out = append(out, alg, alg)
		case !active || !next:
			// A lone next key is promoted, leaving a next key to create.
			out = append(out, alg)
		}
	}
	return out
}

// Rotate rotates the keys of alg: the next key becomes active, the active
// key becomes verify-only, a new next key is created, and verify-only keys
// (of any algorithm) that stopped signing more than the retention ago are
// dropped. All of it happens in one store transaction.
//
// The promoted key should have been published for longer than relying
// parties cache the JWKS; rotating twice in quick succession makes ID tokens
// signed by a key they have not fetched yet, which well-behaved clients
// (go-oidc and the like) handle by refetching the JWKS.
func (m *Manager) Rotate(ctx context.Context, alg string) error {
	if err := checkAlg(alg); err != nil {
		return err
	}
	fresh, err := m.generate(alg, m.now())
	if err != nil {
		return err
	}
	var spare *store.SigningKey // made only if there is no next key to promote
	err = m.st.UpdateKeys(ctx, func(keys []store.SigningKey) ([]store.SigningKey, error) {
		now := m.now()
		out := make([]store.SigningKey, 0, len(keys)+2)
		for _, k := range keys {
			if k.State == store.KeyVerifyOnly && now.Sub(k.RotatedAt) > m.retention {
				continue
			}
			if k.Alg == alg && k.State == store.KeyActive {
				k.State, k.RotatedAt = store.KeyVerifyOnly, now
			}
			out = append(out, k)
		}
		if i := newest(out, alg, store.KeyNext); i >= 0 {
			out[i].State, out[i].RotatedAt = store.KeyActive, now
		} else {
			if spare == nil {
				k, err := m.generate(alg, now)
				if err != nil {
					return nil, err
				}
				spare = &k
			}
			out = append(out, withState(*spare, store.KeyActive, now))
		}
		return append(out, withState(fresh, store.KeyNext, now)), nil
	})
	if err != nil {
		return fmt.Errorf("keys: rotate %s: %w", alg, err)
	}
	_, err = m.reload(ctx)
	return err
}

// withState returns k, created now, in state.
func withState(k store.SigningKey, state string, now time.Time) store.SigningKey {
	k.State, k.CreatedAt, k.RotatedAt = state, now, now
	return k
}

// newest returns the index of the most recently rotated key of alg in
// state, or -1.
func newest(keys []store.SigningKey, alg, state string) int {
	best := -1
	for i, k := range keys {
		if k.Alg == alg && k.State == state && (best < 0 || k.RotatedAt.After(keys[best].RotatedAt)) {
			best = i
		}
	}
	return best
}

// List returns the stored keys, read from the store (not the cache), in
// JWKS order, without their private keys.
func (m *Manager) List(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := m.st.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: list: %w", err)
	}
	slices.SortFunc(keys, compareKeys)
	for i := range keys {
		keys[i].PrivatePEM = nil
	}
	return keys, nil
}

// Sign signs claims, marshalled with encoding/json (pass a json.RawMessage
// for claims already encoded), as a compact JWS with the active key of alg
// ("" means RS256). The protected header carries alg, kid and typ "JWT".
func (m *Manager) Sign(ctx context.Context, alg string, claims any) (string, error) {
	if alg == "" {
		alg = oidc.AlgRS256
	}
	s, err := m.snapshot(ctx)
	if err != nil {
		return "", err
	}
	k := s.active[alg]
	if k == nil {
		if err := checkAlg(alg); err != nil {
			return "", err
		}
		return "", fmt.Errorf("keys: no active %s key (has Ensure run?)", alg)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keys: marshal claims: %w", err)
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: sign with %s: %w", k.meta.ID, err)
	}
	return jws.CompactSerialize()
}

// JWKS returns the public keys of every state (active, next and
// verify-only), each with kid, use "sig" and alg.
func (m *Manager) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	s, err := m.snapshot(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: slices.Clone(s.jwks)}, nil
}

// JWKSJSON returns the JWKS marshalled as JSON. The bytes are cached and
// shared between callers, recomputed only when the key set changes: the
// caller must not modify them.
func (m *Manager) JWKSJSON(ctx context.Context) ([]byte, error) {
	s, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s.jwksJSON, nil
}

// fresh reports whether s may be used at now without reloading.
func (m *Manager) fresh(s *snapshot, now time.Time) bool {
	age := now.Sub(s.loadedAt)
	return age >= 0 && age < m.ttl
}

// snapshot returns the cached key set, reloading it first when it is older
// than the TTL. Only one goroutine reloads at a time; while it does, the
// others go on with the stale set, or wait when there is none yet.
func (m *Manager) snapshot(ctx context.Context) (*snapshot, error) {
	s := m.cur.Load()
	if s != nil && m.fresh(s, m.now()) {
		return s, nil
	}
	if s != nil {
		select {
		case m.reloading <- struct{}{}:
		default:
			return s, nil // another goroutine is reloading
		}
	} else {
		select {
		case m.reloading <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer func() { <-m.reloading }()
	// Someone may have reloaded while we waited for the slot.
	if s = m.cur.Load(); s != nil && m.fresh(s, m.now()) {
		return s, nil
	}
	ns, err := m.reloadLocked(ctx)
	if err == nil {
		return ns, nil
	}
	if s == nil {
		return nil, err
	}
	// Keep serving the keys we have and retry after another TTL rather
	// than fail every sign while the store is unreachable.
	m.log.Warn("keys: reload failed; using cached keys", "err", err)
	retry := *s
	retry.loadedAt = m.now()
	m.cur.Store(&retry)
	return s, nil
}

// reload reloads the key set now, whatever the age of the cache.
func (m *Manager) reload(ctx context.Context) (*snapshot, error) {
	select {
	case m.reloading <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-m.reloading }()
	return m.reloadLocked(ctx)
}

// reloadLocked reads the store and publishes a new snapshot. Its caller
// holds the reloading slot. Keys already parsed are reused, and so is the
// JWKS JSON when the published keys did not change.
func (m *Manager) reloadLocked(ctx context.Context) (*snapshot, error) {
	stored, err := m.st.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: load: %w", err)
	}
	prev := m.cur.Load()
	known := map[string]*parsedKey{}
	if prev != nil {
		for _, k := range prev.keys {
			known[k.meta.ID] = k
		}
	}
	slices.SortFunc(stored, compareKeys)
	ns := &snapshot{
		loadedAt: m.now(),
		active:   map[string]*parsedKey{},
		jwks:     []jose.JSONWebKey{},
	}
	for _, sk := range stored {
		if checkAlg(sk.Alg) != nil {
			// Written by a newer hubid sharing the store: leave it alone.
			m.log.Warn("keys: ignoring key of unknown algorithm", "kid", sk.ID, "alg", sk.Alg)
			continue
		}
		pk := known[sk.ID]
		if pk == nil || !bytes.Equal(pk.meta.PrivatePEM, sk.PrivatePEM) || pk.meta.Alg != sk.Alg {
			if pk, err = parseKey(sk); err != nil {
				return nil, err
			}
		} else {
			cp := *pk // share the parsed key and signer, update the state
			cp.meta = sk
			pk = &cp
		}
		ns.keys = append(ns.keys, pk)
		ns.jwks = append(ns.jwks, pk.public)
		if sk.State == store.KeyActive && ns.active[sk.Alg] == nil {
			ns.active[sk.Alg] = pk // the newest: compareKeys sorts it first
		}
	}
	if prev != nil && sameKeys(prev.jwks, ns.jwks) {
		ns.jwksJSON = prev.jwksJSON
	} else {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: ns.jwks})
		if err != nil {
			return nil, fmt.Errorf("keys: marshal JWKS: %w", err)
		}
		ns.jwksJSON = b
	}
	m.cur.Store(ns)
	return ns, nil
}

// sameKeys reports whether two JWKS key lists publish the same keys in the
// same order.
func sameKeys(a, b []jose.JSONWebKey) bool {
	return slices.EqualFunc(a, b, func(x, y jose.JSONWebKey) bool {
		return x.KeyID == y.KeyID && x.Algorithm == y.Algorithm
	})
}

// compareKeys orders keys as the JWKS lists them: by algorithm (RS256
// first), then state (active, next, verify-only), then most recently
// rotated first.
func compareKeys(a, b store.SigningKey) int {
	return cmp.Or(
		cmp.Compare(algRank(a.Alg), algRank(b.Alg)),
		cmp.Compare(a.Alg, b.Alg),
		cmp.Compare(stateRank(a.State), stateRank(b.State)),
		b.RotatedAt.Compare(a.RotatedAt),
		cmp.Compare(a.ID, b.ID),
	)
}

func algRank(alg string) int {
	if i := slices.Index(Algorithms(), alg); i >= 0 {
		return i
	}
	return len(Algorithms())
}

func stateRank(state string) int {
	switch state {
	case store.KeyActive:
		return 0
	case store.KeyNext:
		return 1
	case store.KeyVerifyOnly:
		return 2
	}
	return 3
}

// maxVerifyLen bounds a token Verify will parse.
const maxVerifyLen = 16 << 10

// Verify checks a compact JWS signed by one of the published keys (active,
// next or verify-only) with RS256 or ES256, and returns its payload. It
// does not look at the claims: expiry and audience are the caller's
// business (an id_token_hint may be expired).
func (m *Manager) Verify(ctx context.Context, token string) ([]byte, error) {
	if len(token) > maxVerifyLen {
		return nil, fmt.Errorf("keys: token is longer than %d bytes", maxVerifyLen)
	}
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("keys: want one signature, got %d", len(jws.Signatures))
	}
	kid := jws.Signatures[0].Header.KeyID
	s, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range s.jwks {
		if k.KeyID == kid {
			return jws.Verify(k.Key)
		}
	}
	return nil, fmt.Errorf("keys: no published key has kid %q", kid)
}
