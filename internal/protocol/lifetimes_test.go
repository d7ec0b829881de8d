package protocol

import (
	"testing"
	"time"
)

func TestRefreshLifetimes(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name                   string
		idle, absolute, access time.Duration
		wantIdle, wantAbsolute time.Duration
	}{
		{"space default 8 h keeps the defaults", 14 * day, 30 * day, 8 * time.Hour, 14 * day, 30 * day},
		{"20-day tokens stretch the idle window", 14 * day, 30 * day, 20 * day, 21 * day, 40 * day},
		{"30-day CLI tokens", 14 * day, 30 * day, 30 * day, 31 * day, 60 * day},
		{"short configured windows are floors", 4 * time.Hour, 10 * time.Hour, 8 * time.Hour, 16 * time.Hour, 16 * time.Hour},
		{"short configured windows for short tokens", 4 * time.Hour, 10 * time.Hour, time.Hour, 4 * time.Hour, 10 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idle, abs := RefreshIdle(tc.idle, tc.access), RefreshAbsolute(tc.absolute, tc.access)
			if idle != tc.wantIdle || abs != tc.wantAbsolute {
				t.Errorf("idle %v absolute %v, want %v %v", idle, abs, tc.wantIdle, tc.wantAbsolute)
			}
			if idle <= tc.access || abs <= tc.access {
				t.Errorf("a refresh token (idle %v, family %v) does not outlive its %v access token", idle, abs, tc.access)
			}
		})
	}
}

func TestCapAccessExpiry(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		name      string
		ttl       time.Duration
		familyEnd time.Time
		want      time.Time
	}{
		{"no family", time.Hour, time.Time{}, now.Add(time.Hour)},
		{"family ends later", time.Hour, now.Add(2 * time.Hour), now.Add(time.Hour)},
		{"family ends sooner", 30 * 24 * time.Hour, now.Add(24 * time.Hour), now.Add(24 * time.Hour)},
		{"family ends at the same time", time.Hour, now.Add(time.Hour), now.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CapAccessExpiry(now, tc.ttl, tc.familyEnd); !got.Equal(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
