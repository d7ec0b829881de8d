package limits

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys is the cap on keys of one Keyed when none is given. An
// entry costs about 200 bytes plus its key.
const DefaultMaxKeys = 50_000

// sweep is how many of the least recently used keys an insertion looks at
// for idle ones to evict.
const sweep = 4

// Keyed is one Limit applied per key, with at most max keys in memory.
type Keyed struct {
	limit Limit
	max   int
	now   func() time.Time

	mu  sync.Mutex
	m   map[string]*list.Element // of *entry
	lru *list.List               // front: most recently used
}

type entry struct {
	key string
	lim *rate.Limiter
}

// NewKeyed returns l per key, keeping at most maxKeys keys
// (DefaultMaxKeys when maxKeys <= 0), on the clock now (time.Now when nil).
// It returns nil for a limit that is off; a nil *Keyed allows everything.
func NewKeyed(l Limit, maxKeys int, now func() time.Time) *Keyed {
	if l.Off() {
		return nil
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	if now == nil {
		now = time.Now
	}
	return &Keyed{limit: l, max: maxKeys, now: now, m: make(map[string]*list.Element), lru: list.New()}
}

// Len returns the number of keys held.
func (k *Keyed) Len() int {
	if k == nil {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// reserve takes one event under key at t. When the bucket is empty it
// takes nothing and returns how long until an event would be allowed.
// The lock spans the reservation and its cancellation: x/time/rate cannot
// fully cancel a reservation once a later one was made, so interleaved
// refusals would otherwise drain the bucket below empty and push every
// Retry-After further out.
func (k *Keyed) reserve(key string, t time.Time) (*rate.Reservation, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	lim := k.limiter(key, t)
	r := lim.ReserveN(t, 1)
	if wait := r.DelayFrom(t); wait > 0 {
		r.CancelAt(t)
		return nil, wait
	}
	return r, 0
}

// limiter returns key's bucket, creating it; k.mu is held. Creating one
// first evicts idle keys among the least recently used, then, at the cap,
// the least recently used key whatever its state: memory stays bounded,
// and what an evicted key loses is at most its back-off.
func (k *Keyed) limiter(key string, t time.Time) *rate.Limiter {
	if el, ok := k.m[key]; ok {
		k.lru.MoveToFront(el)
		return el.Value.(*entry).lim
	}
	for range sweep {
		el := k.lru.Back()
		if el == nil || el.Value.(*entry).lim.TokensAt(t) < float64(k.limit.N) {
			break
		}
		k.remove(el)
	}
	for len(k.m) >= k.max {
		k.remove(k.lru.Back())
	}
	e := &entry{key: key, lim: rate.NewLimiter(k.limit.rate(), k.limit.N)}
	k.m[key] = k.lru.PushFront(e)
	return e.lim
}

func (k *Keyed) remove(el *list.Element) {
	k.lru.Remove(el)
	delete(k.m, el.Value.(*entry).key)
}
