package protocol

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDisplayNameLen bounds an app's display name, in bytes.
const maxDisplayNameLen = 100

// CleanDisplayName makes a name shown on the consent page (an app's name,
// a Space's title) safe to show: control and format characters go
// (right-to-left overrides and isolates, which can make "moc.evil" read
// as "live.com", zero-width spaces, BOMs), except the zero-width joiner
// that emoji sequences need; any run of white space becomes one space;
// the ends are trimmed; and it is cut to 100 bytes on a character
// boundary.
func CleanDisplayName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case unicode.IsSpace(r) || r == '\u2028' || r == '\u2029':
			space = b.Len() > 0
			continue
		case r != '\u200d' && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r)):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	for len(out) > maxDisplayNameLen {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	return strings.TrimSpace(out)
}

// reservedNames are names an app may not go by, compared by their letters
// and digits only, lowercased: the consent page would read as if the hub
// or Hugging Face itself asked for the account.
var reservedNames = map[string]bool{
	"huggingface": true, "hf": true, "hubid": true, "huggingfacehub": true, "hfhub": true,
	"signinwithhf": true, "signinwithhuggingface": true, "huggingfacelogin": true, "huggingfacesignin": true,
	"huggingfaceaccount": true, "huggingfacesecurity": true, "huggingfacesupport": true,
}

// ImpersonatesHub reports whether name, ignoring case, spaces and
// punctuation, is the name of the hub or of Hugging Face ("Hugging Face",
// "hugging-face", "H.F."), which no app may take.
func ImpersonatesHub(name string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return reservedNames[b.String()]
}
