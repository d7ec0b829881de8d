package accounts

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestNewID(t *testing.T) {
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !hex24.MatchString(id) {
			t.Fatalf("NewID() = %q, want 24 lowercase hex characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		want string // "" = valid; otherwise a part of the error
	}{
		{"a", ""},
		{"Z", ""},
		{"7", ""},
		{"julien-c", ""},
		{"Hugging_Face", ""},
		{"meta-llama", ""},
		{"v1.2", ""},
		{"a-b_c.d", ""},
		{"a_-_b", ""},
		{"a.-b", ""},
		{"a__b", ""},
		{"0123456789abcdef01234567", ""},
		{strings.Repeat("x", 42), ""},
		{"settings", "reserved"},
		{"OAuth", "reserved"},
		{"api", "reserved"},
		{"", "name is empty"},
		{strings.Repeat("x", 43), "name is too long (43 characters)"},
		{strings.Repeat("é", 43), "too long (43 characters)"},
		{"-abc", `starts with '-'`},
		{"_abc", `starts with '_'`},
		{".abc", `starts with '.'`},
		{"abc-", `ends with '-'`},
		{"abc.", `ends with '.'`},
		{"abc_", `ends with '_'`},
		{"-", `starts with '-'`},
		{"a--b", `contains "--"`},
		{"a..b", `contains ".."`},
		{"a b", `contains ' ' at position 2`},
		{"a/b", `contains '/' at position 2`},
		{"../x", `contains '/' at position 3`},
		{"josé", `contains 'é' at position 4`},
		{"a@b", `contains '@'`},
		{"tab\there", `contains '\t'`},
		{"nul\x00", `contains '\x00'`},
		{"bad\xffutf8", `contains '�' at position 4`},
	}
	for _, tt := range tests {
		err := ValidName(tt.name)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidName(%q) = %v, want nil", tt.name, err)
		case tt.want != "" && err == nil:
			t.Errorf("ValidName(%q) = nil, want an error containing %q", tt.name, tt.want)
		case tt.want != "":
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ValidName(%q) = %q, want it to contain %q", tt.name, err, tt.want)
			}
			if !strings.Contains(err.Error(), "use 1 to 42 characters: ASCII letters, digits") {
				t.Errorf("ValidName(%q) = %q, want it to say what is allowed", tt.name, err)
			}
			if !errors.Is(err, ErrInvalidName) {
				t.Errorf("ValidName(%q) error does not wrap ErrInvalidName", tt.name)
			}
		}
	}
}

// nameOracle is ValidName's rule written another way.
var nameOracle = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,40}[A-Za-z0-9])?$`)

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"a", "julien-c", "a--b", "a..b", "-a", "a-", "josé", strings.Repeat("x", 42), strings.Repeat("x", 43), "a.-_b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidName(s)
		want := nameOracle.MatchString(s) && !strings.Contains(s, "--") && !strings.Contains(s, "..")
		if (err == nil) != want {
			t.Fatalf("ValidName(%q) = %v, oracle says valid=%v", s, err, want)
		}
		if err != nil && !errors.Is(err, ErrInvalidName) {
			t.Fatalf("ValidName(%q) error does not wrap ErrInvalidName", s)
		}
	})
}
