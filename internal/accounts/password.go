package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// params are argon2id parameters, as a PHC string carries them.
type params struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8  // lanes
}

// defaultParams are the parameters new hashes get: OWASP's argon2id
// recommendation of 19 MiB, 2 passes, 1 lane.
var defaultParams = params{memory: 19 * 1024, time: 2, threads: 1}

// Lengths of new salts and hashes, in bytes.
const (
	saltLen = 16
	hashLen = 32
)

// Bounds a stored hash must respect. They keep a corrupt or hostile row
// from making one verification take gigabytes or minutes.
const (
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minHashLen = 16
	maxHashLen = 64
)

// ErrInvalidHash is returned (wrapped) for a stored password hash that is
// not an argon2id PHC string hubid can verify.
var ErrInvalidHash = errors.New("accounts: invalid password hash")

var b64 = base64.RawStdEncoding.Strict()

// phc is a parsed PHC string.
type phc struct {
	params
	salt, hash []byte
}

// String formats p as a PHC string.
func (p phc) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(p.salt), b64.EncodeToString(p.hash))
}

func invalidHash(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidHash, fmt.Sprintf(format, args...))
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" strictly: only this
// form, parameters in this order, decimal without leading zeros, unpadded
// standard base64, within the bounds above. A string it accepts formats
// back to itself.
func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return phc{}, invalidHash("want 5 '$'-separated fields")
	}
	if parts[1] != "argon2id" {
		return phc{}, invalidHash("algorithm %q is not argon2id", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, invalidHash("version field %q, want v=%d", parts[2], argon2.Version)
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return phc{}, invalidHash("want parameters m,t,p")
	}
	var vals [3]uint32
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return phc{}, invalidHash("parameter %d is not %s=", i+1, name)
		}
		if len(v) > 1 && v[0] == '0' {
			return phc{}, invalidHash("parameter %s has a leading zero", name)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return phc{}, invalidHash("parameter %s is not a number", name)
		}
		vals[i] = uint32(n)
	}
	p := phc{params: params{memory: vals[0], time: vals[1]}}
	switch {
	case vals[2] < 1 || vals[2] > 255:
		return phc{}, invalidHash("p=%d, want 1 to 255", vals[2])
	case p.time < 1 || p.time > maxTime:
		return phc{}, invalidHash("t=%d, want 1 to %d", p.time, maxTime)
	case p.memory < 8*vals[2] || p.memory > maxMemory:
		return phc{}, invalidHash("m=%d, want %d to %d", p.memory, 8*vals[2], maxMemory)
	}
	p.threads = uint8(vals[2])
	var ok bool
	if p.salt, ok = decodeB64(parts[4], minSaltLen, maxSaltLen); !ok {
		return phc{}, invalidHash("salt is not %d to %d bytes of unpadded base64", minSaltLen, maxSaltLen)
	}
	if p.hash, ok = decodeB64(parts[5], minHashLen, maxHashLen); !ok {
		return phc{}, invalidHash("hash is not %d to %d bytes of unpadded base64", minHashLen, maxHashLen)
	}
	return p, nil
}

// decodeB64 decodes unpadded standard base64 of lo to hi bytes. Unlike
// the decoder alone it rejects the line breaks the decoder skips, so that
// only the canonical encoding is accepted.
func decodeB64(s string, lo, hi int) ([]byte, bool) {
	if len(s) > b64.EncodedLen(hi) {
		return nil, false
	}
	b, err := b64.DecodeString(s)
	if err != nil || len(b) < lo || len(b) > hi || b64.EncodedLen(len(b)) != len(s) {
		return nil, false
	}
	return b, true
}

// hashWith hashes pw with a new random salt under pr.
func hashWith(pr params, pw string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand crashes the program instead)
	return phc{
		params: pr,
		salt:   salt,
		hash:   argon2.IDKey([]byte(pw), salt, pr.time, pr.memory, pr.threads, hashLen),
	}.String()
}

// HashPassword hashes pw with argon2id under the current parameters and a
// random salt, as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
// It does not check the password policy (see CheckPassword) and does not
// bound concurrency (see Hasher). The error is always nil today; it is
// there for parameters that may one day fail.
func HashPassword(pw string) (string, error) {
	return hashWith(defaultParams, pw), nil
}

// VerifyPassword reports whether pw matches the PHC string, using the
// parameters stored in it, so hashes made with older parameters keep
// working. The comparison is constant-time. A malformed or unsupported
// string gives an error wrapping ErrInvalidHash. An empty string (an account
// that cannot log in) matches nothing: VerifyPassword returns false and no
// error after spending the cost of a verification.
func VerifyPassword(phcString, pw string) (bool, error) {
	if phcString == "" {
		verify(dummy, pw)
		return false, nil
	}
	p, err := parsePHC(phcString)
	if err != nil {
		return false, err
	}
	return verify(p, pw), nil
}

func verify(p phc, pw string) bool {
	got := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.hash)))
	return subtle.ConstantTimeCompare(got, p.hash) == 1
}

// dummy is the hash VerifyDummy verifies against: the current parameters,
// a fixed salt and a hash that no password produces in practice. It need
// not be a real hash, only cost the same to check.
var dummy = phc{
	params: defaultParams,
	salt:   []byte("hubid-dummy-salt"),
	hash:   make([]byte, hashLen),
}

// DefaultMaxConcurrent is how many hashes a Hasher computes at once unless
// told otherwise. Each takes 19 MiB and one core for tens of milliseconds.
const DefaultMaxConcurrent = 4

// Hasher hashes and verifies passwords with at most a fixed number of
// computations at once, so that a burst of logins cannot exhaust memory
// or starve other requests of CPU. Callers beyond the limit wait, and give
// up when their context ends. The zero value allows DefaultMaxConcurrent.
type Hasher struct {
	max  int
	once sync.Once
	sem  chan struct{}

	// ReleaseMemory, when set, is called in its own goroutine when the
	// last computation in flight ends, at most once per freeEvery. A
	// hash's memory is garbage once it is done, but the Go runtime hands
	// freed memory back to the system only slowly, so a burst of logins
	// would leave the process holding up to max*19 MiB for minutes. The
	// hubid command sets it to debug.FreeOSMemory (a GC, about a
	// millisecond at hubid's heap size, against tens for the hash); a
	// library never touches the process's memory on its own, so nil does
	// nothing.
	ReleaseMemory func()
	lastFree      atomic.Int64
}

// freeEvery is how often a Hasher may return memory to the system.
const freeEvery = time.Second

// NewHasher returns a Hasher that runs at most maxConcurrent computations at
// once (DefaultMaxConcurrent when maxConcurrent <= 0).
func NewHasher(maxConcurrent int) *Hasher {
	return &Hasher{max: maxConcurrent}
}

// acquire takes a slot, waiting for one as long as ctx allows.
func (h *Hasher) acquire(ctx context.Context) error {
	h.once.Do(func() {
		if h.max <= 0 {
			h.max = DefaultMaxConcurrent
		}
		h.sem = make(chan struct{}, h.max)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() {
	<-h.sem
	if h.ReleaseMemory == nil || len(h.sem) > 0 {
		return
	}
	now := time.Now().UnixNano()
	if last := h.lastFree.Load(); now-last < int64(freeEvery) || !h.lastFree.CompareAndSwap(last, now) {
		return
	}
	go h.ReleaseMemory()
}

// Hash is HashPassword within the concurrency bound. It returns ctx's error
// if ctx ends before a slot is free.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return HashPassword(pw)
}

// Verify is VerifyPassword within the concurrency bound. A malformed hash is
// reported at once, without waiting; an empty one costs a verification and
// matches nothing. It returns ctx's error if ctx ends before a slot is free.
func (h *Hasher) Verify(ctx context.Context, phcString, pw string) (bool, error) {
	p := dummy
	if phcString != "" {
		var err error
		if p, err = parsePHC(phcString); err != nil {
			return false, err
		}
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	return verify(p, pw) && phcString != "", nil
}

// VerifyDummy spends what Verify spends on a hash with the current
// parameters, against a fixed dummy hash, and matches nothing. Call it when
// the username does not exist so that the response time does not tell
// whether it does. It returns only ctx's error.
func (h *Hasher) VerifyDummy(ctx context.Context, pw string) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	verify(dummy, pw)
	return nil
}

// Password policy bounds.
const (
	// MinPasswordChars is the fewest characters (runes) a password may have.
	MinPasswordChars = 8
	// MaxPasswordBytes is the most bytes a password may have.
	MaxPasswordBytes = 1024
)

// ErrInvalidPassword is matched (errors.Is) by every error CheckPassword
// returns.
var ErrInvalidPassword = errors.New("password does not meet the policy")

// ruleError is a rule violation whose message is meant for the user.
type ruleError struct {
	kind error
	msg  string
}

func (e *ruleError) Error() string { return e.msg }
func (e *ruleError) Unwrap() error { return e.kind }

// CheckPassword checks pw against the password policy: at least
// MinPasswordChars characters, at most MaxPasswordBytes bytes, valid UTF-8.
// The error, which wraps ErrInvalidPassword, says what is wrong in words fit
// to show the user.
func CheckPassword(pw string) error {
	fail := func(format string, args ...any) error {
		return &ruleError{ErrInvalidPassword, fmt.Sprintf(format, args...)}
	}
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return fail("password is not valid UTF-8 text")
	case len(pw) > MaxPasswordBytes:
		return fail("password is too long: %d bytes, at most %d are allowed", len(pw), MaxPasswordBytes)
	case n < MinPasswordChars:
		return fail("password is too short: %d characters, use at least %d", n, MinPasswordChars)
	}
	return nil
}
