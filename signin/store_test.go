package signin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	m := NewMemoryStore(3, clock.Now)
	now := clock.Now()

	if _, err := m.Get(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get missing: %v", err)
	}
	m.Put(ctx, "session/a", []byte("A"), now.Add(time.Hour))
	m.Put(ctx, "flow/b", []byte("B"), now.Add(time.Minute))
	m.Put(ctx, "session/c", []byte("C"), now.Add(2*time.Hour))
	// Full: the entry expiring soonest (the flow) makes room.
	m.Put(ctx, "session/d", []byte("D"), now.Add(3*time.Hour))
	if _, err := m.Get(ctx, "flow/b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("soonest entry kept: %v", err)
	}
	if m.Len() != 3 {
		t.Errorf("Len %d, want 3", m.Len())
	}
	// Replacing keeps the count and updates the expiry.
	m.Put(ctx, "session/a", []byte("A2"), now.Add(4*time.Hour))
	if v, err := m.Get(ctx, "session/a"); err != nil || string(v) != "A2" {
		t.Errorf("Get a: %q %v", v, err)
	}
	// The returned slice is a copy.
	v, _ := m.Get(ctx, "session/a")
	v[0] = 'X'
	if v, _ := m.Get(ctx, "session/a"); string(v) != "A2" {
		t.Errorf("stored value changed through a returned slice: %q", v)
	}

	clock.Advance(2 * time.Hour)
	if _, err := m.Get(ctx, "session/c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired entry returned: %v", err)
	}
	if v, err := m.Get(ctx, "session/d"); err != nil || string(v) != "D" {
		t.Errorf("live entry: %q %v", v, err)
	}
	m.Delete(ctx, "session/d")
	m.Delete(ctx, "never")
	if _, err := m.Get(ctx, "session/d"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted entry returned: %v", err)
	}
	// Putting something already expired stores nothing.
	m.Put(ctx, "old", []byte("x"), clock.Now())
	if _, err := m.Get(ctx, "old"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired put stored")
	}
}

// TestMemoryStoreConcurrent runs under -race in CI.
func TestMemoryStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore(100, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := fmt.Sprintf("k%d", (g*500+i)%150)
				m.Put(ctx, k, []byte(k), time.Now().Add(time.Duration(i%7+1)*time.Minute))
				if v, err := m.Get(ctx, k); err == nil && string(v) != k {
					t.Errorf("Get %s = %q", k, v)
				}
				if i%10 == 0 {
					m.Delete(ctx, k)
				}
			}
		})
	}
	wg.Wait()
	if m.Len() > 100 {
		t.Errorf("Len %d over the bound", m.Len())
	}
}

func TestKeyedMutex(t *testing.T) {
	var k keyedMutex
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			unlock := k.lock("same")
			n := inside.Add(1)
			if n > maxInside.Load() {
				maxInside.Store(n)
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			unlock()
		})
	}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Errorf("%d holders at once", maxInside.Load())
	}
	if len(k.locks) != 0 {
		t.Errorf("%d locks left", len(k.locks))
	}
	// Different keys do not wait for each other.
	u1 := k.lock("a")
	done := make(chan struct{})
	go func() { k.lock("b")(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("lock b waited for lock a")
	}
	u1()
}

// TestMemoryStoreZeroValue: a MemoryStore declared without NewMemoryStore
// works, with the default bound and the wall clock.
func TestMemoryStoreZeroValue(t *testing.T) {
	ctx := context.Background()
	var m MemoryStore
	if m.Len() != 0 {
		t.Errorf("Len of the zero value: %d", m.Len())
	}
	if _, err := m.Get(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get missing: %v", err)
	}
	if err := m.Delete(ctx, "missing"); err != nil {
		t.Errorf("Delete missing: %v", err)
	}
	if err := m.Put(ctx, "k", []byte("v"), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if v, err := m.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("Get: %q %v", v, err)
	}
	m.Put(ctx, "old", []byte("x"), time.Now().Add(-time.Second))
	if _, err := m.Get(ctx, "old"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an entry put already expired was returned: %v", err)
	}
	if m.max != DefaultMemoryStoreSize {
		t.Errorf("bound %d, want DefaultMemoryStoreSize", m.max)
	}
	if err := m.Delete(ctx, "k"); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if _, err := m.Get(ctx, "k"); !errors.Is(err, ErrNotFound) || m.Len() != 0 {
		t.Errorf("after Delete: %v, Len %d", err, m.Len())
	}
}
