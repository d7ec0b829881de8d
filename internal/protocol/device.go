package protocol

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Device authorization (RFC 8628) lifetimes and polling.
const (
	// DeviceCodeTTL is how long a device code and its user code live
	// (expires_in). It is the 900 s huggingface_hub assumes when a provider
	// sends none.
	DeviceCodeTTL = 900 * time.Second
	// DevicePollInterval is the polling interval a device starts with
	// (interval), huggingface_hub's default as well.
	DevicePollInterval = 5 * time.Second
	// SlowDownStep is what a slow_down answer adds to the interval
	// (RFC 8628 §3.5: "increased by 5 seconds for this and all subsequent
	// requests").
	SlowDownStep = 5 * time.Second
	// DevicePollLeeway absorbs network jitter: a poll counts as too fast
	// only when it comes more than this much before the interval is over.
	DevicePollLeeway = time.Second
)

// UserCodeAlphabet is what user codes are made of: uppercase letters and
// digits a person reads and types without doubt. Left out are the
// look-alike groups 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, and the vowels A, E, U,
// so that no code spells a word (RFC 8628 §6.1). That leaves 21 symbols;
// eight of them carry 35 bits, which an attacker cannot guess within a
// code's 15 minutes (RFC 8628 §5.1). The letter G and the digit 6 are both
// kept: they differ in every usual font once O, Q and the vowels are gone.
const UserCodeAlphabet = "CDFGHJKMNPRTVWXY34679"

// UserCodeLength is the number of symbols in a user code, shown as two
// groups of four: XXXX-XXXX, the format huggingface.co uses.
const UserCodeLength = 8

// maxUserCodeInput bounds what NormalizeUserCode reads: a code with
// generous separators fits, a paste of a page does not.
const maxUserCodeInput = 64

// NewUserCode returns a fresh user code, XXXX-XXXX, drawn uniformly from
// UserCodeAlphabet with the random bytes of rand (crypto/rand.Reader in the
// server). It panics if rand fails, which crypto/rand.Reader never does.
func NewUserCode(rand io.Reader) string {
	const n = len(UserCodeAlphabet)
	// Bytes at or above limit are dropped, so that every symbol is equally
	// likely (no modulo bias).
	const limit = 256 - 256%n
	sym := make([]byte, 0, UserCodeLength)
	var buf [UserCodeLength]byte
	for len(sym) < UserCodeLength {
		need := buf[:UserCodeLength-len(sym)]
		if _, err := io.ReadFull(rand, need); err != nil {
			panic("protocol: read random bytes for a user code: " + err.Error())
		}
		for _, b := range need {
			if int(b) < limit {
				sym = append(sym, UserCodeAlphabet[int(b)%n])
			}
		}
	}
	return FormatUserCode(string(sym))
}

// NormalizeUserCode reads a user code as a person typed or pasted it and
// returns its canonical form, the eight symbols without the dash (what the
// store hashes), and whether it is a well-formed code. It forgives what
// people do: lowercase, spaces, dashes (also the typographic ones a word
// processor or a chat app puts in), fullwidth forms from a CJK input
// method, and Cyrillic letters that look like the Latin ones of the
// alphabet (a keyboard left in the wrong layout). It never guesses between
// look-alikes the alphabet leaves out: a code with an O or a 1 in it is
// simply malformed.
func NormalizeUserCode(s string) (string, bool) {
	if len(s) > maxUserCodeInput {
		return "", false
	}
	var b strings.Builder
	b.Grow(UserCodeLength)
	for _, r := range s {
		if r == utf8.RuneError {
			return "", false
		}
		if isCodeSeparator(r) {
			continue
		}
		// Fullwidth ASCII (U+FF01..U+FF5E) is ASCII shifted.
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if l, ok := cyrillicLookalikes[r]; ok {
			r = l
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r > 0x7F || strings.IndexByte(UserCodeAlphabet, byte(r)) < 0 {
			return "", false
		}
		if b.Len() == UserCodeLength {
			return "", false
		}
		b.WriteByte(byte(r))
	}
	if b.Len() != UserCodeLength {
		return "", false
	}
	return b.String(), true
}

// FormatUserCode shows a normalized code the way people see it: XXXX-XXXX.
// Anything else is returned unchanged.
func FormatUserCode(normalized string) string {
	if len(normalized) != UserCodeLength {
		return normalized
	}
	for i := range len(normalized) {
		if strings.IndexByte(UserCodeAlphabet, normalized[i]) < 0 {
			return normalized
		}
	}
	return normalized[:UserCodeLength/2] + "-" + normalized[UserCodeLength/2:]
}

// isCodeSeparator reports whether r only separates groups of a typed code:
// spaces, hyphen and the Unicode dashes, the minus sign, underscores and
// dots.
func isCodeSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\u00A0', '\u3000', // spaces, no-break, ideographic
		'-', '_', '.',
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', // hyphen .. horizontal bar
		'\u2212', '\u30FC', '\uFF0D', '\uFF3F': // minus, katakana long vowel, fullwidth hyphen-minus and low line
		return true
	}
	return false
}

// cyrillicLookalikes maps Cyrillic letters to the Latin letters of
// UserCodeAlphabet they are drawn like, in both cases.
var cyrillicLookalikes = map[rune]rune{
	'С': 'C', 'с': 'C', // es
	'Н': 'H', 'н': 'H', // en
	'К': 'K', 'к': 'K', // ka
	'М': 'M', 'м': 'M', // em
	'Р': 'P', 'р': 'P', // er
	'Т': 'T', 'т': 'T', // te
	'Х': 'X', 'х': 'X', // ha
	'У': 'Y', 'у': 'Y', // u
}
