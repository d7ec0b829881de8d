package protocol

import (
	"strings"
	"testing"
)

func TestCleanDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"My Space":                          "My Space",
		"  Chat \t\n demo  ":                "Chat demo",
		"Invoice \u202egnp.exe":             "Invoice gnp.exe",
		"a\u2066b\u2069c\u200bd\ufeffe\x00": "abcde",
		"line\u2028break":                   "line break",
		"👩\u200d💻 Coder":                    "👩\u200d💻 Coder",
		"\u202e":                            "",
		strings.Repeat("é", 60):             strings.Repeat("é", 50),
	} {
		if got := CleanDisplayName(in); got != want {
			t.Errorf("CleanDisplayName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImpersonatesHub(t *testing.T) {
	for name, want := range map[string]bool{
		"Hugging Face": true, "hugging-face": true, "HuggingFace": true, "H.F.": true, "Sign in with HF": true, "hubid": true,
		"Hugging Face Chat demo": false, "My HF Space": false, "alice/demo": false,
	} {
		if got := ImpersonatesHub(name); got != want {
			t.Errorf("ImpersonatesHub(%q) = %v, want %v", name, got, want)
		}
	}
}
