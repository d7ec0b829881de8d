// Package limits owns hubid's rate limits: token buckets from
// golang.org/x/time/rate, one per key (username and client IP, client IP,
// client and IP, browser session), held in maps with a cap on keys where
// idle keys (whose bucket has filled up again, so that forgetting them
// loses nothing) and, past the cap, the least recently used keys are
// evicted; the client IP of a request (RemoteAddr, or X-Forwarded-For only
// when the peer is a configured trusted proxy); and the Retry-After header
// a limited request gets.
//
// It decides only whether one more event under a key may happen now. It
// knows no endpoint, writes no response body and stores nothing: the
// server and the token endpoint choose the keys and answer 429 (a JSON
// OAuth error or a page). It never sleeps; time comes from the injected
// clock. Limits are per process: n replicas allow up to n times each limit.
package limits
