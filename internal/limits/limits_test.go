package limits

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/oidc"
)

// fakeClock is a settable clock; the tests never sleep.
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

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)} }

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Limit
		str  string
	}{
		{"off", Limit{}, "off"},
		{"0", Limit{}, "off"},
		{"10/5m", Limit{10, 5 * time.Minute}, "10/5m"},
		{"1200/1m", Limit{1200, time.Minute}, "1200/1m"},
		{"5/s", Limit{5, time.Second}, "5/1s"},
		{"3/1h", Limit{3, time.Hour}, "3/1h"},
		{" 7/90s ", Limit{7, 90 * time.Second}, "7/1m30s"},
	} {
		got, err := ParseLimit(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseLimit(%q) = %v (%q), %v; want %v (%q)", tc.in, got, got.String(), err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"", "10", "x/1m", "-1/1m", "0/1m", "10/", "10/forever", "10/0s", "10/48h", "2000000/1s"} {
		if l, err := ParseLimit(bad); err == nil {
			t.Errorf("ParseLimit(%q) = %v, want an error", bad, l)
		}
	}
}

func TestKeyedBurstThenRefill(t *testing.T) {
	c := newClock()
	k := NewKeyed(Limit{N: 3, Per: 30 * time.Second}, 0, c.Now) // one every 10 s
	for i := range 3 {
		if r, w := k.reserve("a", c.Now()); r == nil {
			t.Fatalf("event %d refused (wait %v)", i+1, w)
		}
	}
	r, wait := k.reserve("a", c.Now())
	if r != nil || wait != 10*time.Second {
		t.Fatalf("4th event: reservation %v, wait %v; want refused with 10s", r != nil, wait)
	}
	if r, _ := k.reserve("b", c.Now()); r == nil {
		t.Fatal("another key is limited by the first")
	}
	c.Advance(10 * time.Second)
	if r, w := k.reserve("a", c.Now()); r == nil {
		t.Fatalf("after the refill: refused (wait %v)", w)
	}
	if r, _ := k.reserve("a", c.Now()); r != nil {
		t.Fatal("one refill allowed two events")
	}
}

// TestKeyedMemoryBound: however many keys arrive, at most max are held.
func TestKeyedMemoryBound(t *testing.T) {
	c := newClock()
	const max = 100
	k := NewKeyed(Limit{N: 5, Per: time.Minute}, max, c.Now)
	for i := range 10 * max {
		k.reserve(fmt.Sprint("key-", i), c.Now())
		if n := k.Len(); n > max {
			t.Fatalf("after %d keys: %d held, cap %d", i+1, n, max)
		}
	}
	if n := k.Len(); n != max {
		t.Fatalf("%d keys held, want the cap %d", n, max)
	}
	// The most recent key is still limited as before.
	for range 4 {
		k.reserve("key-999", c.Now())
	}
	if r, _ := k.reserve("key-999", c.Now()); r != nil {
		t.Fatal("the most recent key lost its state")
	}
}

// TestKeyedIdleEviction: a key whose bucket filled up again is forgotten
// when new keys arrive, before the cap is reached.
func TestKeyedIdleEviction(t *testing.T) {
	c := newClock()
	k := NewKeyed(Limit{N: 2, Per: time.Minute}, 1000, c.Now)
	for i := range 50 {
		k.reserve(fmt.Sprint("old-", i), c.Now())
	}
	c.Advance(time.Minute) // every old bucket is full again
	for i := range 50 {
		k.reserve(fmt.Sprint("new-", i), c.Now())
	}
	if n := k.Len(); n != 50 {
		t.Fatalf("%d keys held after the old ones went idle; want the 50 new ones", n)
	}
	// A busy key is not evicted for being old.
	k.reserve("busy", c.Now())
	k.reserve("busy", c.Now())
	c.Advance(time.Second)
	for i := range 50 {
		k.reserve(fmt.Sprint("newer-", i), c.Now())
	}
	if r, _ := k.reserve("busy", c.Now()); r != nil {
		t.Fatal("a key with an empty bucket was evicted as idle")
	}
}

func TestOffAllowsEverything(t *testing.T) {
	var s *Set
	if _, ok := s.Allow(Key{LoginIP, "x"}); !ok {
		t.Fatal("nil Set refused")
	}
	s = New(Config{Limits: map[Kind]Limit{LoginIP: {}}}, newClock().Now)
	for range 1000 {
		if _, ok := s.Allow(Key{LoginIP, "x"}, Key{Token, "y"}); !ok {
			t.Fatal("an off limit refused")
		}
	}
}

// TestTakeAllOrNothing: when one bucket is empty, the others are not
// charged; Release gives a success back.
func TestTakeAllOrNothing(t *testing.T) {
	c := newClock()
	s := New(Config{Limits: map[Kind]Limit{
		LoginUserIP: {N: 2, Per: time.Minute},
		LoginIP:     {N: 3, Per: time.Minute},
	}}, c.Now)
	ip := Key{LoginIP, "192.0.2.1"}
	take := func(user string) bool {
		_, _, ok := s.Take(Key{LoginUserIP, user + " 192.0.2.1"}, ip)
		return ok
	}
	if !take("alice") || !take("alice") {
		t.Fatal("the first two refused")
	}
	if take("alice") {
		t.Fatal("third for alice allowed")
	}
	// The refused one did not charge the IP: one event left there.
	if !take("bob") {
		t.Fatal("the IP bucket was charged by a refused event")
	}
	if take("carol") {
		t.Fatal("the IP bucket allowed a 4th event")
	}
	// Released events come back.
	c.Advance(time.Minute)
	for range 10 {
		h, _, ok := s.Take(Key{LoginUserIP, "dave 192.0.2.1"}, ip)
		if !ok {
			t.Fatal("released events did not come back")
		}
		c.Advance(time.Millisecond)
		h.Release()
	}
}

func TestClientIP(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 192.0.2.7 2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy", "198.51.100.4:5000", nil, proxies, "198.51.100.4"},
		{"untrusted peer spoofs XFF", "198.51.100.4:5000", []string{"203.0.113.9"}, proxies, "198.51.100.4"},
		{"XFF ignored without trusted proxies", "10.1.2.3:443", []string{"203.0.113.9"}, nil, "10.1.2.3"},
		{"trusted proxy", "10.1.2.3:443", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"client prepends a forged hop", "10.1.2.3:443", []string{"1.2.3.4, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"two trusted proxies", "10.1.2.3:443", []string{"203.0.113.9, 192.0.2.7"}, proxies, "203.0.113.9"},
		{"several headers", "10.1.2.3:443", []string{"6.6.6.6", "203.0.113.9", "10.9.9.9"}, proxies, "203.0.113.9"},
		{"forged hop claims to be a proxy", "10.1.2.3:443", []string{"203.0.113.9, 10.0.0.1"}, proxies, "203.0.113.9"},
		{"all hops trusted", "10.1.2.3:443", []string{"10.0.0.5"}, proxies, "10.0.0.5"},
		{"garbage hop stops the walk", "10.1.2.3:443", []string{"203.0.113.9, nonsense, 10.0.0.9"}, proxies, "10.0.0.9"},
		{"garbage only", "10.1.2.3:443", []string{"nonsense"}, proxies, "10.1.2.3"},
		{"trusted proxy without XFF", "10.1.2.3:443", nil, proxies, "10.1.2.3"},
		{"IPv6 proxy", "[2001:db8:1::5]:443", []string{"2001:db8:2::1"}, proxies, "2001:db8:2::1"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:443", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"IPv4-mapped hop", "10.1.2.3:443", []string{"::ffff:203.0.113.9"}, proxies, "203.0.113.9"},
		{"not an address", "pipe", []string{"203.0.113.9"}, proxies, "::"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tc.trusted).String(); got != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSetClientIPKeysIPv6ByPrefix(t *testing.T) {
	s := New(Config{}, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8:a:b:1:2:3:4]:5000"
	if got := s.ClientIP(r); got != "2001:db8:a:b::/64" {
		t.Errorf("IPv6 key %q", got)
	}
	r.RemoteAddr = "192.0.2.1:80"
	if got := s.ClientIP(r); got != "192.0.2.1" {
		t.Errorf("IPv4 key %q", got)
	}
}

func TestParseProxiesErrors(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/8/9"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q): no error", bad)
		}
	}
	if p, err := ParseProxies(""); err != nil || len(p) != 0 {
		t.Errorf("ParseProxies(\"\") = %v, %v", p, err)
	}
}

func TestTooMany(t *testing.T) {
	w := httptest.NewRecorder()
	e := TooMany(w, 1500*time.Millisecond, "sign-in attempts")
	if ra := w.Header().Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2", ra)
	}
	if e.Code != oidc.CodeTemporarilyUnavailable || e.HTTPStatus() != http.StatusTooManyRequests {
		t.Errorf("error %v status %d", e.Code, e.HTTPStatus())
	}
	if RetryAfter(time.Millisecond) != "1" {
		t.Error("Retry-After below one second")
	}
}

// TestKeyedConcurrentRefusals: refusals racing each other leave the bucket
// as they found it, so the wait a refusal reports stays within one refill.
func TestKeyedConcurrentRefusals(t *testing.T) {
	c := newClock()
	k := NewKeyed(Limit{N: 2, Per: time.Minute}, 0, c.Now) // one per 30 s
	k.reserve("a", c.Now())
	k.reserve("a", c.Now())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				if r, w := k.reserve("a", c.Now()); r != nil || w > 30*time.Second {
					t.Errorf("refusal: reservation %v, wait %v", r != nil, w)
					return
				}
			}
		})
	}
	wg.Wait()
	c.Advance(30 * time.Second)
	if r, w := k.reserve("a", c.Now()); r == nil {
		t.Fatalf("after one refill period: refused, wait %v", w)
	}
}
