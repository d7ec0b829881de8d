package signin

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNotFound is what a Store returns from Get for a key it does not hold,
// or holds only past its expiry.
var ErrNotFound = errors.New("signin: not found")

// Store keeps the server side of sign-in: the state of logins in progress
// (state, nonce, PKCE verifier, where to return) and the sessions (tokens
// and profile), each under an opaque key. Browsers only ever hold a random
// id that points here, so cookies stay small and tokens never leave the
// server.
//
// Keys are short ASCII strings made by the SDK, and case matters in them;
// values are opaque bytes that hold access and refresh tokens, so a
// persistent implementation must be protected like a password database.
// Implementations must be safe for concurrent use. An entry must not be
// returned after its expiry; removing it then is up to the implementation.
// signintest.TestStore checks an implementation against these rules.
type Store interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores value under key until expires, replacing any old value.
	Put(ctx context.Context, key string, value []byte, expires time.Time) error
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// DefaultMemoryStoreSize is the number of entries a MemoryStore holds when
// none is given.
const DefaultMemoryStoreSize = 10000

// MemoryStore is the default Store: entries in this process's memory,
// bounded in number, each dropped at its expiry. When it is full, Put
// evicts the entry that would expire soonest, so a flood of abandoned
// logins (which live minutes) pushes out other logins before sessions
// (which live hours). Sessions do not survive a restart and are not shared
// between replicas; give Config.Store another implementation for that.
//
// The zero value is ready to use, with DefaultMemoryStoreSize entries and
// time.Now; NewMemoryStore sets other bounds or another clock.
type MemoryStore struct {
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*memEntry
	order   expiryHeap
}

type memEntry struct {
	key     string
	value   []byte
	expires time.Time
	index   int // in order
}

// NewMemoryStore returns a MemoryStore holding at most maxEntries entries
// (DefaultMemoryStoreSize when maxEntries <= 0), reading the time from now
// (time.Now when nil).
func NewMemoryStore(maxEntries int, now func() time.Time) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMemoryStoreSize
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{max: maxEntries, now: now, entries: map[string]*memEntry{}}
}

// init fills in what a zero MemoryStore lacks. m.mu must be held.
func (m *MemoryStore) init() {
	if m.entries == nil {
		m.entries = map[string]*memEntry{}
	}
	if m.max <= 0 {
		m.max = DefaultMemoryStoreSize
	}
	if m.now == nil {
		m.now = time.Now
	}
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	e, ok := m.entries[key]
	if !ok {
		return nil, ErrNotFound
	}
	if !m.now().Before(e.expires) {
		m.remove(e)
		return nil, ErrNotFound
	}
	return append([]byte(nil), e.value...), nil
}

// Put implements Store.
func (m *MemoryStore) Put(_ context.Context, key string, value []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	now := m.now()
	if !now.Before(expires) {
		if e, ok := m.entries[key]; ok {
			m.remove(e)
		}
		return nil
	}
	value = append([]byte(nil), value...)
	if e, ok := m.entries[key]; ok {
		e.value, e.expires = value, expires
		heap.Fix(&m.order, e.index)
		return nil
	}
	// Make room: expired entries first (they sort first), then the one
	// that would expire soonest.
	for len(m.order) > 0 && (len(m.order) >= m.max || !now.Before(m.order[0].expires)) {
		m.remove(m.order[0])
	}
	e := &memEntry{key: key, value: value, expires: expires}
	m.entries[key] = e
	heap.Push(&m.order, e)
	return nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if e, ok := m.entries[key]; ok {
		m.remove(e)
	}
	return nil
}

// Len returns the number of entries held, expired ones not yet dropped
// included.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func (m *MemoryStore) remove(e *memEntry) {
	heap.Remove(&m.order, e.index)
	delete(m.entries, e.key)
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []*memEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *expiryHeap) Push(x any) {
	e := x.(*memEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

// keyedMutex serializes work per key (a flow being completed, a session
// being refreshed) within this process.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns the unlock function.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
