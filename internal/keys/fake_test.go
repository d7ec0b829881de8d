package keys

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// memStore implements the key methods of store.Store in memory. The embedded
// nil interface makes every other method panic, which no test here calls.
type memStore struct {
	store.Store

	mu   sync.Mutex
	keys []store.SigningKey

	reads   atomic.Int64 // calls of Keys
	updates atomic.Int64 // committed UpdateKeys
	// hook, when set, runs at the start of Keys (to block it or fail it).
	hook func() error
}

func (s *memStore) Keys(ctx context.Context) ([]store.SigningKey, error) {
	s.reads.Add(1)
	if s.hook != nil {
		if err := s.hook(); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys), nil
}

func (s *memStore) UpdateKeys(ctx context.Context, update func([]store.SigningKey) ([]store.SigningKey, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := update(slices.Clone(s.keys))
	if err != nil {
		return err
	}
	s.keys = out
	s.updates.Add(1)
	return nil
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
