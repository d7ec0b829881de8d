package apps

import (
	"strings"
	"testing"
)

// TestSpecValidateName: an app's name, shown on the consent page, holds
// no control or direction-changing characters and is not the hub's or
// Hugging Face's own.
func TestSpecValidateName(t *testing.T) {
	for name, wantErr := range map[string]string{
		"Notes app":         "",
		"👩\u200d💻 Coder":    "",
		"Pay \u202eFDP.exe": "control or invisible",
		"a\u200bb":          "control or invisible",
		"Hugging Face":      "Hugging Face's own",
		"hubid":             "Hugging Face's own",
	} {
		err := Spec{Name: name, RedirectURIs: []string{"https://app.example.com/cb"}}.Validate()
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("name %q: %v", name, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("name %q: %v, want an error saying %q", name, err, wantErr)
		}
	}
}
