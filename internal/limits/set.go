package limits

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/hubid/hubid/oidc"
)

// Kind names one of hubid's limits.
type Kind int

// The limits. Each is a Limit per key; the key is built by the caller.
const (
	// LoginUserIP: failed sign-ins per (username, client IP). Keyed with
	// the IP, so that guessing at a name never locks its owner out
	// elsewhere.
	LoginUserIP Kind = iota
	// LoginIP: failed sign-ins per client IP, whatever the username.
	LoginIP
	// Token: token endpoint requests per (client, client IP).
	Token
	// Device: device authorization requests per (client, client IP); each
	// writes a row.
	Device
	// UserCodeSession: user codes entered per browser session.
	UserCodeSession
	// UserCodeIP: user codes entered per client IP.
	UserCodeIP
	// Authorize: authorization requests per client IP.
	Authorize
	// Register: dynamic client registrations per client IP; each that
	// succeeds writes an app.
	Register
	// CredentialsRevoke: leaked-token reports (POST
	// /api/credentials/revoke) per client IP; anyone may send them.
	CredentialsRevoke
	numKinds
)

// Flag returns the serve/dev flag that sets k, without dashes.
func (k Kind) Flag() string {
	return [...]string{"limit-login", "limit-login-ip", "limit-token", "limit-device", "limit-user-code",
		"limit-user-code-ip", "limit-authorize", "limit-register", "limit-credentials-revoke"}[k]
}

// Description says what k counts, for --help and the README.
func (k Kind) Description() string {
	return [...]string{
		"failed sign-ins per (username, client IP)",
		"failed sign-ins per client IP",
		"token endpoint requests per (client, client IP)",
		"device authorization requests per (client, client IP)",
		"device user codes entered per browser session",
		"device user codes entered per client IP",
		"authorization requests per client IP",
		"dynamic client registrations per client IP",
		"leaked-token reports (POST /api/credentials/revoke) per client IP",
	}[k]
}

func (k Kind) String() string { return strings.TrimPrefix(k.Flag(), "limit-") }

// Kinds lists every limit.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// Config is the rate-limit configuration of a provider.
type Config struct {
	// Limits holds each Kind's limit; a missing or zero one is off.
	Limits map[Kind]Limit
	// MaxKeys caps the keys each limit holds (DefaultMaxKeys when zero).
	MaxKeys int
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
}

// Default returns the default limits: generous for people and for the
// apps of one network, tight for guessing. The sign-in limits count
// failures only.
func Default() Config {
	return Config{Limits: map[Kind]Limit{
		LoginUserIP:     {N: 10, Per: 5 * time.Minute},
		LoginIP:         {N: 60, Per: time.Minute},
		Token:           {N: 1200, Per: time.Minute},
		Device:          {N: 30, Per: time.Minute},
		UserCodeSession: {N: 10, Per: time.Minute},
		UserCodeIP:      {N: 30, Per: time.Minute},
		Authorize:       {N: 600, Per: time.Minute},
		Register:        {N: 20, Per: time.Hour},
		// Reporting a leaked token is rare; 30 a minute is plenty for a
		// scanner reporting what it found, and caps the writes it causes.
		CredentialsRevoke: {N: 30, Per: time.Minute},
	}}
}

// Set is a provider's limits. A nil *Set allows everything.
type Set struct {
	keyed   [numKinds]*Keyed
	proxies []netip.Prefix
	now     func() time.Time
}

// New builds the limits of c on the clock now (time.Now when nil).
func New(c Config, now func() time.Time) *Set {
	if now == nil {
		now = time.Now
	}
	s := &Set{now: now, proxies: c.TrustedProxies}
	for k, l := range c.Limits {
		if k >= 0 && k < numKinds {
			s.keyed[k] = NewKeyed(l, c.MaxKeys, now)
		}
	}
	return s
}

// Key is one bucket: a limit and a key under it.
type Key struct {
	Kind Kind
	Key  string
}

// Hold is events taken under some keys; Release gives them back.
type Hold struct {
	rs []*rate.Reservation
	at time.Time // when they were taken
}

// Release gives the events back (a sign-in that succeeded does not count
// as a failure). The reservations are cancelled at the time they were
// taken: x/time/rate restores nothing for a reservation whose time has
// passed. Tokens taken meanwhile under the same key are not restored, and
// the refill between then and now may be credited twice, which is at most
// the limit's rate times the request's duration.
func (h *Hold) Release() {
	if h == nil {
		return
	}
	for _, r := range h.rs {
		r.CancelAt(h.at)
	}
	h.rs = nil
}

// Take takes one event under every key, or none: when a bucket is empty it
// returns ok false and how long to wait before trying again (the longest
// wait among the empty buckets).
func (s *Set) Take(keys ...Key) (h *Hold, wait time.Duration, ok bool) {
	if s == nil {
		return nil, 0, true
	}
	t := s.now()
	h = &Hold{at: t}
	for _, k := range keys {
		kd := s.keyed[k.Kind]
		if kd == nil {
			continue
		}
		r, w := kd.reserve(k.Key, t)
		if r == nil {
			wait = max(wait, w)
			continue
		}
		h.rs = append(h.rs, r)
	}
	if wait > 0 {
		h.Release()
		return nil, wait, false
	}
	return h, 0, true
}

// Allow is Take when the events are not given back.
func (s *Set) Allow(keys ...Key) (wait time.Duration, ok bool) {
	_, wait, ok = s.Take(keys...)
	return wait, ok
}

// Len returns the number of keys kind holds.
func (s *Set) Len(k Kind) int {
	if s == nil {
		return 0
	}
	return s.keyed[k].Len()
}

// ClientIP returns the IP the request comes from (see ClientIP), as a key:
// an IPv6 address stands for its /64, which one subscriber usually holds
// whole.
func (s *Set) ClientIP(r *http.Request) string {
	var proxies []netip.Prefix
	if s != nil {
		proxies = s.proxies
	}
	a := ClientIP(r, proxies)
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// RetryAfter is the Retry-After value for wait: whole seconds, at least 1.
func RetryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}

// TooMany sets Retry-After on w and returns the OAuth error a limited API
// request gets: HTTP 429 with error "temporarily_unavailable" (RFC 6749
// §4.1.2.1: the server cannot handle the request now; it is the one code
// of RFC 6749 that tells a client to come back later). what says what was
// limited.
func TooMany(w http.ResponseWriter, wait time.Duration, what string) *oidc.Error {
	ra := RetryAfter(wait)
	w.Header().Set("Retry-After", ra)
	return oidc.NewError(oidc.CodeTemporarilyUnavailable,
		fmt.Sprintf("too many %s; retry after %s s", what, ra)).WithStatus(http.StatusTooManyRequests)
}
