package protocol

import (
	"bytes"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

var userCodeRE = regexp.MustCompile(`^[` + UserCodeAlphabet + `]{4}-[` + UserCodeAlphabet + `]{4}$`)

func TestUserCodeAlphabet(t *testing.T) {
	if len(UserCodeAlphabet) != 21 {
		t.Errorf("alphabet has %d symbols, want 21", len(UserCodeAlphabet))
	}
	seen := map[rune]bool{}
	for _, r := range UserCodeAlphabet {
		if seen[r] {
			t.Errorf("%q appears twice", r)
		}
		seen[r] = true
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '9') {
			t.Errorf("%q is not an uppercase letter or a digit 2-9", r)
		}
	}
	for _, r := range "0OQ1IL2Z5S8BAEU" {
		if seen[r] {
			t.Errorf("look-alike or vowel %q is in the alphabet", r)
		}
	}
}

func TestNewUserCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c := NewUserCode(rand.Reader)
		if !userCodeRE.MatchString(c) {
			t.Fatalf("user code %q is not XXXX-XXXX over the alphabet", c)
		}
		n, ok := NormalizeUserCode(c)
		if !ok || n != strings.ReplaceAll(c, "-", "") || FormatUserCode(n) != c {
			t.Fatalf("NormalizeUserCode(%q) = %q, %v", c, n, ok)
		}
		seen[c] = true
	}
	if len(seen) < 1990 {
		t.Errorf("2000 codes, only %d distinct", len(seen))
	}
}

// TestNewUserCodeUniform: bytes 0..251 map onto the 21 symbols 12 times
// each, and 252..255 are skipped (no modulo bias).
func TestNewUserCodeUniform(t *testing.T) {
	var src bytes.Buffer
	for range 2 {
		for b := range 256 {
			src.WriteByte(byte(b))
		}
	}
	counts := map[byte]int{}
	for range 504 / UserCodeLength {
		for _, c := range []byte(strings.ReplaceAll(NewUserCode(&src), "-", "")) {
			counts[c]++
		}
	}
	for i := range len(UserCodeAlphabet) {
		if got := counts[UserCodeAlphabet[i]]; got != 24 {
			t.Errorf("symbol %q drawn %d times from two runs of 0..255, want 24", UserCodeAlphabet[i], got)
		}
	}
}

func TestNewUserCodeSkipsBiasedBytes(t *testing.T) {
	// 252..255 would favour the first symbols; they are skipped.
	src := bytes.NewReader(append(bytes.Repeat([]byte{255, 254, 253, 252}, 8), []byte{0, 1, 2, 3, 4, 5, 6, 7, 21, 22, 23, 24, 25, 26, 27, 28}...))
	if got, want := NewUserCode(src), "CDFG-HJKM"; got != want {
		t.Errorf("NewUserCode = %q, want %q", got, want)
	}
}

func TestNewUserCodePanicsOnFailingRandom(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic with a failing random source")
		}
	}()
	NewUserCode(iotest.ErrReader(errors.New("no entropy")))
}

func TestNormalizeUserCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" = malformed
	}{
		{"canonical", "WDJF-MJHT", "WDJFMJHT"},
		{"no-dash", "WDJFMJHT", "WDJFMJHT"},
		{"lowercase", "wdjf-mjht", "WDJFMJHT"},
		{"mixed-case", "wDjF-mJhT", "WDJFMJHT"},
		{"digits", "3467-9CDF", "34679CDF"},
		{"spaces", "  wdjf mjht  ", "WDJFMJHT"},
		{"spaces-around-dash", "WDJF - MJHT", "WDJFMJHT"},
		{"several-dashes", "W-D-J-F-M-J-H-T", "WDJFMJHT"},
		{"underscore-and-dot", "WDJF_MJ.HT", "WDJFMJHT"},
		{"en-dash", "WDJF–MJHT", "WDJFMJHT"},
		{"em-dash", "WDJF—MJHT", "WDJFMJHT"},
		{"non-breaking-hyphen", "WDJF\u2011MJHT", "WDJFMJHT"},
		{"minus-sign", "WDJF\u2212MJHT", "WDJFMJHT"},
		{"no-break-space", "WDJF\u00a0MJHT", "WDJFMJHT"},
		{"tab-and-newline", "WDJF\tMJHT\n", "WDJFMJHT"},
		{"fullwidth", "ＷＤＪＦ－ＭＪＨＴ", "WDJFMJHT"},
		{"fullwidth-lower-and-ideographic-space", "ｗｄｊｆ\u3000ｍｊｈｔ", "WDJFMJHT"},
		{"cyrillic-lookalikes", "СНКМ-РТХУ", "CHKMPTXY"},
		{"cyrillic-lowercase", "снкм-ртху", "CHKMPTXY"},
		{"hf-sample-is-not-ours", "52AT-FLYZ", ""},
		{"zero", "WDJF-MJH0", ""},
		{"letter-o", "WDJF-MJHO", ""},
		{"one", "WDJF-MJH1", ""},
		{"letter-i", "WDJF-MJHI", ""},
		{"letter-l", "WDJF-MJHL", ""},
		{"letter-s", "WDJF-MJHS", ""},
		{"letter-b", "BDJB-MJHT", ""},
		{"vowel", "WDJF-MJHA", ""},
		{"q", "QDJB-MJHT", ""},
		{"too-short", "WDJF-MJH", ""},
		{"too-long", "WDJF-MJHTT", ""},
		{"empty", "", ""},
		{"only-separators", " - - ", ""},
		{"cyrillic-not-lookalike", "ЖDJB-MJHT", ""},
		{"greek", "ΤDJB-MJHT", ""},
		{"invalid-utf8", "WDJF-MJH\xff", ""},
		{"replacement-char", "WDJF-MJH\ufffd", ""},
		{"nul", "WDJF\x00MJHT", ""},
		{"too-much-input", "WDJF-MJHT" + strings.Repeat(" ", 60), ""},
		{"fits-the-bound", "WDJF-MJHT" + strings.Repeat(" ", 55), "WDJFMJHT"},
		{"query-garbage", "WDJF-MJHT&x=1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NormalizeUserCode(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("NormalizeUserCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestFormatUserCode(t *testing.T) {
	for in, want := range map[string]string{
		"WDJFMJHT": "WDJF-MJHT",
		"":         "",
		"WDJ":      "WDJ",
		"WDJF-MJH": "WDJF-MJH",
		"WDJFOMJH": "WDJFOMJH",
	} {
		if got := FormatUserCode(in); got != want {
			t.Errorf("FormatUserCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalizeUserCode(f *testing.F) {
	for _, seed := range []string{
		"", "WDJF-MJHT", "wdjf mjht", "ＷＤＪＦ－ＭＪＨＴ", "СНКМ-РТХУ", "52AT-FLYZ", "WDJF-MJH\xff",
		"WDJF—MJHT", strings.Repeat("C", 64), strings.Repeat("-", 65), "WDJF-MJHTX",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := NormalizeUserCode(s)
		if !ok {
			if n != "" {
				t.Fatalf("malformed %q normalized to %q", s, n)
			}
			return
		}
		if len(n) != UserCodeLength {
			t.Fatalf("%q normalized to %q, not %d symbols", s, n, UserCodeLength)
		}
		for i := range len(n) {
			if strings.IndexByte(UserCodeAlphabet, n[i]) < 0 {
				t.Fatalf("%q normalized to %q, with %q outside the alphabet", s, n, n[i])
			}
		}
		if len(s) > maxUserCodeInput {
			t.Fatalf("input of %d bytes accepted", len(s))
		}
		// Normalizing is idempotent, and the shown form reads back.
		for _, again := range []string{n, FormatUserCode(n), strings.ToLower(FormatUserCode(n))} {
			if m, ok := NormalizeUserCode(again); !ok || m != n {
				t.Fatalf("NormalizeUserCode(%q) = %q, %v; want %q", again, m, ok, n)
			}
		}
		if !userCodeRE.MatchString(FormatUserCode(n)) {
			t.Fatalf("FormatUserCode(%q) = %q", n, FormatUserCode(n))
		}
	})
}
