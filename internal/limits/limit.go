package limits

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token bucket: at most N events at once, refilled at N per
// Per. The zero Limit (or any with N or Per not positive) is off: it
// allows everything.
type Limit struct {
	N   int
	Per time.Duration
}

// Off reports whether l allows everything.
func (l Limit) Off() bool { return l.N <= 0 || l.Per <= 0 }

// rate is the refill rate of the bucket.
func (l Limit) rate() rate.Limit { return rate.Every(l.Per / time.Duration(l.N)) }

// String writes l as ParseLimit reads it: "off", or N/DURATION such as
// "10/5m" or "1200/1m".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	d := l.Per.String()
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return fmt.Sprintf("%d/%s", l.N, d)
}

// Set implements flag.Value.
func (l *Limit) Set(s string) error {
	v, err := ParseLimit(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLimit reads "off" (or "0") or N/DURATION: at most N events at once,
// refilled at N per DURATION ("10/5m", "1200/1m", "5/s"; a bare unit means
// one of it).
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("rate limit %q: want N/DURATION such as 10/5m, or off", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count <= 0 || count > 1_000_000 {
		return Limit{}, fmt.Errorf("rate limit %q: %q is not a count between 1 and 1000000", s, n)
	}
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Millisecond || d > 24*time.Hour {
		return Limit{}, fmt.Errorf("rate limit %q: %q is not a duration between 1ms and 24h, like 30s, 5m or 1h", s, per)
	}
	return Limit{N: count, Per: d}, nil
}
