package accounts

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// NewID returns a new account id: 24 lowercase hex characters (96 random
// bits from crypto/rand), shaped like the Hub's ObjectIds.
func NewID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return hex.EncodeToString(b[:])
}

// MaxNameLen is the longest user or org name, in characters.
const MaxNameLen = 42

// ErrInvalidName is matched (errors.Is) by every error ValidName returns.
var ErrInvalidName = errors.New("invalid name")

// allowed describes the name rules in the words of every error.
const allowed = "use 1 to 42 characters: ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit"

// ValidName checks a user or org name (handle) against the Hub's rules: 1
// to MaxNameLen characters, ASCII letters, digits, '-', '_' and '.', starting
// and ending with a letter or digit, without "--" or "..". The error, which
// wraps ErrInvalidName, says what is wrong and what is allowed, in words fit
// to show the user. Uniqueness (ignoring case, across users and orgs) is
// checked by CreateUser and CreateOrg.
func ValidName(s string) error {
	fail := func(format string, args ...any) error {
		return &ruleError{ErrInvalidName, fmt.Sprintf(format, args...) + "; " + allowed}
	}
	if s == "" {
		return fail("name is empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxNameLen {
		return fail("name is too long (%d characters)", n)
	}
	for i, r := range s {
		if !isAlnum(r) && r != '-' && r != '_' && r != '.' {
			return fail("name contains %q at position %d", r, utf8.RuneCountInString(s[:i])+1)
		}
	}
	if first := rune(s[0]); !isAlnum(first) {
		return fail("name starts with %q", first)
	}
	if last := rune(s[len(s)-1]); !isAlnum(last) {
		return fail("name ends with %q", last)
	}
	for _, run := range []string{"--", ".."} {
		if strings.Contains(s, run) {
			return fail("name contains %q", run)
		}
	}
	if reservedNames[strings.ToLower(s)] {
		return fail("%q is reserved for the hub's own pages", s)
	}
	return nil
}

// reservedNames are the first path segments of the hub's own routes: a
// user or org with one of these names would have its profile URL
// ({issuer}/{name}) shadowed by them.
var reservedNames = map[string]bool{
	"api": true, "oauth": true, "login": true, "logout": true, "settings": true, "avatars": true,
	"static": true, "spaces": true, "admin": true, "docs": true, "new": true, "signup": true,
	"join": true, "organizations": true, "models": true, "datasets": true,
	"healthz": true, "readyz": true,
}

func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}
