package spaces

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/oidc"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// renderReadme is the stable text the golden files hold: the error, or
// where the front matter starts, the derived values and the metadata as
// JSON.
func renderReadme(readme []byte) string {
	md, err := ParseReadme(readme)
	if err != nil {
		return "error:\n" + err.Error() + "\n"
	}
	var b strings.Builder
	if _, line, found, _ := SplitFrontMatter(readme); found {
		fmt.Fprintf(&b, "front matter: from line %d\n", line)
	} else {
		b.WriteString("front matter: none\n")
	}
	fmt.Fprintf(&b, "OAuthScopes: %s\n", strings.Join(md.OAuthScopes(), " "))
	fmt.Fprintf(&b, "ExpirationMinutes: %d\n", md.ExpirationMinutes())
	j, err := json.MarshalIndent(md, "", "  ")
	if err != nil {
		panic(err)
	}
	b.WriteString("metadata: ")
	b.Write(j)
	b.WriteByte('\n')
	return b.String()
}

// TestGoldenReadmes parses every testdata/readmes/*.md and compares the
// result with the .golden file beside it. Regenerate with
//
//	go test ./internal/spaces -run Golden -update
func TestGoldenReadmes(t *testing.T) {
	mds, err := filepath.Glob(filepath.Join("testdata", "readmes", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mds) < 12 {
		t.Fatalf("only %d READMEs in testdata/readmes", len(mds))
	}
	for _, path := range mds {
		name := strings.TrimSuffix(filepath.Base(path), ".md")
		t.Run(name, func(t *testing.T) {
			readme, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := renderReadme(readme)
			golden := strings.TrimSuffix(path, ".md") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/spaces -run Golden -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s differs (-golden +got):\n%s", golden, diff)
			}
			// A bad README's name says so, and only a bad one fails.
			_, err = ParseReadme(readme)
			if bad := strings.HasPrefix(name, "bad-"); bad != (err != nil) {
				t.Errorf("name starts with bad-: %v, but error: %v", bad, err)
			}
		})
	}
	// Every golden file belongs to a README.
	goldens, _ := filepath.Glob(filepath.Join("testdata", "readmes", "*.golden"))
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".md"); err != nil {
			t.Errorf("%s has no README beside it", g)
		}
	}
}

func TestSplitFrontMatter(t *testing.T) {
	big := "---\n" + strings.Repeat("# padding padding padding padding\n", MaxFrontMatterSize/34+1) + "---\n"
	atCap := "---\n" + strings.Repeat("#", MaxFrontMatterSize-1) + "\n---\n"
	tests := []struct {
		name    string
		readme  string
		front   string
		line    int
		found   bool
		wantErr string // substring of the error; "" for none
	}{
		{name: "lf", readme: "---\ntitle: a\n---\nbody\n", front: "title: a\n", line: 2, found: true},
		{name: "crlf", readme: "---\r\ntitle: a\r\nsdk: gradio\r\n---\r\nbody\r\n", front: "title: a\r\nsdk: gradio\r\n", line: 2, found: true},
		{name: "bom", readme: "\xEF\xBB\xBF---\ntitle: a\n---\n", front: "title: a\n", line: 2, found: true},
		{name: "bom-crlf", readme: "\xEF\xBB\xBF---\r\ntitle: a\r\n---\r\n", front: "title: a\r\n", line: 2, found: true},
		{name: "trailing-spaces-on-markers", readme: "---  \t\ntitle: a\n--- \nbody", front: "title: a\n", line: 2, found: true},
		{name: "trailing-spaces-on-markers-crlf", readme: "--- \r\ntitle: a\r\n---\t\r\n", front: "title: a\r\n", line: 2, found: true},
		{name: "leading-blank-lines", readme: "\n  \n\r\n---\ntitle: a\n---\n", front: "title: a\n", line: 5, found: true},
		{name: "indented-opening", readme: "  ---\ntitle: a\n---\n", front: "title: a\n", line: 2, found: true},
		{name: "closing-at-end-without-newline", readme: "---\ntitle: a\n---", front: "title: a\n", line: 2, found: true},
		{name: "empty-front-matter", readme: "---\n---\nbody\n", front: "", line: 2, found: true},
		{name: "blank-front-matter", readme: "---\n\n---\n", front: "\n", line: 2, found: true},
		{name: "first-closing-wins", readme: "---\na: 1\n---\nb: 2\n---\n", front: "a: 1\n", line: 2, found: true},
		{name: "dots-do-not-close", readme: "---\na: 1\n...\nb: 2\n---\n", front: "a: 1\n...\nb: 2\n", line: 2, found: true},
		{name: "four-dashes-do-not-close", readme: "---\na: 1\n----\n---\n", front: "a: 1\n----\n", line: 2, found: true},
		{name: "indented-closing-does-not-close", readme: "---\na: |\n  x\n  ---\n---\n", front: "a: |\n  x\n  ---\n", line: 2, found: true},
		{name: "dashes-with-text-do-not-close", readme: "---\na: 1\n--- b\n---\n", front: "a: 1\n--- b\n", line: 2, found: true},
		{name: "front-matter-at-cap", readme: atCap, front: atCap[4 : len(atCap)-4], line: 2, found: true},

		{name: "empty-readme", readme: "", found: false},
		{name: "blank-readme", readme: "\n \n\t\r\n", found: false},
		{name: "bom-only", readme: "\xEF\xBB\xBF", found: false},
		{name: "no-front-matter", readme: "# Title\n\n---\ntitle: a\n---\n", found: false},
		{name: "text-before-opening", readme: "x\n---\ntitle: a\n---\n", found: false},
		{name: "four-dash-opening", readme: "----\ntitle: a\n---\n", found: false},
		{name: "opening-with-text", readme: "--- title: a\n---\n", found: false},
		{name: "lone-cr-line-ends", readme: "---\rtitle: a\r---\r", found: false},
		{name: "bom-not-at-start", readme: "\n\xEF\xBB\xBF---\ntitle: a\n---\n", found: false},

		{name: "unclosed", readme: "---\ntitle: a\n\n# Body\n", wantErr: `README.md line 1: the front matter opened by "---" is not closed`},
		{name: "unclosed-after-blank-lines", readme: "\n\n---\ntitle: a\n", wantErr: "README.md line 3: the front matter opened by"},
		{name: "opening-only", readme: "---", wantErr: "is not closed"},
		{name: "opening-only-newline", readme: "---\n", wantErr: "is not closed"},
		{name: "closing-with-dots-only", readme: "---\ntitle: a\n...\n", wantErr: "is not closed"},
		{name: "too-large", readme: big, wantErr: "README.md line 1: the front matter opened by \"---\" is larger than 1048576 bytes (1 MiB)"},
		{name: "too-large-unclosed", readme: big[:len(big)-4] + "more\n", wantErr: "is larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front, line, found, err := SplitFrontMatter([]byte(tt.readme))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if _, ok := errors.AsType[*MetadataError](err); !ok {
					t.Errorf("error %T is not a *MetadataError", err)
				}
				if front != nil || found {
					t.Errorf("with an error: front %q, found %v", front, found)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if found != tt.found || line != tt.line || string(front) != tt.front {
				t.Errorf("got (%q, %d, %v), want (%q, %d, %v)", trunc(string(front)), line, found, trunc(tt.front), tt.line, tt.found)
			}
			if found && cap(front) != len(front) {
				t.Errorf("front has spare capacity %d: appending to it would write into the README", cap(front)-len(front))
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// fm wraps YAML lines in a README with front matter, the YAML starting on
// README line 2.
func fm(lines ...string) []byte {
	return []byte("---\n" + strings.Join(lines, "\n") + "\n---\n\n# Body\n")
}

func TestParseReadmeValid(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name   string
		readme []byte
		want   Metadata
	}{
		{name: "no-front-matter", readme: []byte("# Hello\n"), want: Metadata{}},
		{name: "empty-front-matter", readme: []byte("---\n---\n"), want: Metadata{}},
		{name: "only-comments", readme: fm("# nothing here"), want: Metadata{}},
		{name: "null-document", readme: fm("~"), want: Metadata{}},
		{name: "seed-example", readme: fm(
			"title: Gradio Oauth Test", "emoji: 🏆", "colorFrom: pink", "colorTo: pink", "sdk: gradio",
			"sdk_version: 3.40.0", "python_version: 3.10.6", "app_file: app.py", "", "hf_oauth: true",
			"hf_oauth_scopes:", " - read-repos", " - write-repos", " - manage-repos", " - inference-api"),
			want: Metadata{Title: "Gradio Oauth Test", Emoji: "🏆", ColorFrom: "pink", ColorTo: "pink", SDK: "gradio",
				SDKVersion: "3.40.0", PythonVersion: "3.10.6", AppFile: "app.py", HFOAuth: true,
				HFOAuthScopes: []string{"read-repos", "write-repos", "manage-repos", "inference-api"}}},
		{name: "numbers-keep-their-text", readme: fm("python_version: 3.10", "sdk_version: 4.0", "title: 2024"),
			want: Metadata{PythonVersion: "3.10", SDKVersion: "4.0", Title: "2024"}},
		{name: "scopes-space-separated", readme: fm("hf_oauth_scopes: \"email  read-repos\tinference-api\""),
			want: Metadata{HFOAuthScopes: []string{"email", "read-repos", "inference-api"}}},
		{name: "scopes-flow-list", readme: fm("hf_oauth_scopes: [email, read-billing]"),
			want: Metadata{HFOAuthScopes: []string{"email", "read-billing"}}},
		{name: "scopes-empty-string", readme: fm(`hf_oauth_scopes: ""`), want: Metadata{}},
		{name: "scopes-empty-list", readme: fm(`hf_oauth_scopes: []`), want: Metadata{}},
		{name: "scopes-null", readme: fm(`hf_oauth_scopes:`), want: Metadata{}},
		{name: "every-known-scope", readme: fm("hf_oauth_scopes: " + strings.Join(oidc.ScopeNames(), " ")),
			want: Metadata{HFOAuthScopes: oidc.ScopeNames()}},
		{name: "org-string", readme: fm("hf_oauth_authorized_org: acme"), want: Metadata{HFOAuthAuthorizedOrgs: []string{"acme"}}},
		{name: "org-list", readme: fm("hf_oauth_authorized_org:", "  - acme", "  - Big.Co_2"),
			want: Metadata{HFOAuthAuthorizedOrgs: []string{"acme", "Big.Co_2"}}},
		{name: "expiration-min", readme: fm("hf_oauth_expiration_minutes: 1"), want: Metadata{HFOAuthExpirationMinutes: 1}},
		{name: "expiration-max", readme: fm("hf_oauth_expiration_minutes: 43200"), want: Metadata{HFOAuthExpirationMinutes: 43200}},
		{name: "expiration-leading-zero-is-decimal", readme: fm("hf_oauth_expiration_minutes: 0480"), want: Metadata{HFOAuthExpirationMinutes: 480}},
		{name: "expiration-plus-sign", readme: fm("hf_oauth_expiration_minutes: +60"), want: Metadata{HFOAuthExpirationMinutes: 60}},
		{name: "expiration-hex", readme: fm("hf_oauth_expiration_minutes: 0x1E0"), want: Metadata{HFOAuthExpirationMinutes: 480}},
		{name: "app-port-octal", readme: fm("app_port: 0o17620"), want: Metadata{AppPort: 8080}},
		{name: "app-port-explicit-int-tag", readme: fm("app_port: !!int 8080"), want: Metadata{AppPort: 8080}},
		{name: "booleans-yaml-1-2", readme: fm("hf_oauth: True", "pinned: FALSE", "fullWidth: false", "disable_embedding: true"),
			want: Metadata{HFOAuth: true, FullWidth: &no, DisableEmbedding: true}},
		{name: "full-width-true", readme: fm("fullWidth: true"), want: Metadata{FullWidth: &yes}},
		{name: "app-port", readme: fm("sdk: docker", "app_port: 65535"), want: Metadata{SDK: "docker", AppPort: 65535}},
		{name: "every-sdk-gradio", readme: fm("sdk: gradio"), want: Metadata{SDK: "gradio"}},
		{name: "every-sdk-streamlit", readme: fm("sdk: streamlit"), want: Metadata{SDK: "streamlit"}},
		{name: "every-sdk-docker", readme: fm("sdk: docker"), want: Metadata{SDK: "docker"}},
		{name: "every-sdk-static", readme: fm("sdk: static"), want: Metadata{SDK: "static"}},
		{name: "every-color", readme: fm("colorFrom: indigo", "colorTo: gray"), want: Metadata{ColorFrom: "indigo", ColorTo: "gray"}},
		{name: "license-string", readme: fm("license: mit"), want: Metadata{License: []string{"mit"}}},
		{name: "license-list", readme: fm("license: [mit, apache-2.0]"), want: Metadata{License: []string{"mit", "apache-2.0"}}},
		{name: "tags-single-string", readme: fm("tags: demo"), want: Metadata{Tags: []string{"demo"}}},
		{name: "custom-headers", readme: fm("custom_headers:", "  cross-origin-opener-policy: same-origin"),
			want: Metadata{CustomHeaders: map[string]string{"cross-origin-opener-policy": "same-origin"}}},
		{name: "unknown-keys-ignored", readme: fm("title: x", "duplicated_from: a/b", "nested: {a: [1, 2]}", "? [complex]", ": key", "1: one"),
			want: Metadata{Title: "x"}},
		{name: "removed-redirect-path-ignored", readme: fm("hf_oauth: true", "hf_oauth_redirect_path: /login/callback"),
			want: Metadata{HFOAuth: true}},
		{name: "oauth-keys-while-hf-oauth-false", readme: fm("hf_oauth: false", "hf_oauth_scopes: [email]", "hf_oauth_expiration_minutes: 5"),
			want: Metadata{HFOAuthScopes: []string{"email"}, HFOAuthExpirationMinutes: 5}},
		{name: "anchors-and-aliases", readme: fm("a: &s [email]", "b: &t true", "hf_oauth_scopes: *s", "hf_oauth: *t"),
			want: Metadata{HFOAuth: true, HFOAuthScopes: []string{"email"}}},
		{name: "merge-key-not-applied", readme: fm("base: &b {hf_oauth: true}", "<<: *b", "title: x"), want: Metadata{Title: "x"}},
		{name: "crlf", readme: []byte("---\r\nhf_oauth: true\r\nhf_oauth_scopes:\r\n  - email\r\n---\r\n"),
			want: Metadata{HFOAuth: true, HFOAuthScopes: []string{"email"}}},
		{name: "bom", readme: []byte("\xEF\xBB\xBF---\nhf_oauth: true\n---\n"), want: Metadata{HFOAuth: true}},
		{name: "explicit-document-end-inside", readme: fm("title: x", "..."), want: Metadata{Title: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReadme(tt.readme)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("metadata differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReadmeInvalid(t *testing.T) {
	scopes := strings.Join(oidc.ScopeNames(), ", ")
	const expAllowed = "1 to 43200 (30 days); leave the key out for the default, 480 (8 hours)"
	const boolAllowed = "true or false"
	tests := []struct {
		name   string
		readme []byte
		want   MetadataError // the first error, by line
		n      int           // how many errors; 0 means 1
	}{
		{name: "not-yaml-tab", readme: fm("title: a", "\tsdk: gradio"),
			want: MetadataError{Line: 3, Msg: "the front matter is not valid YAML: found a tab character that violates indentation"}},
		{name: "not-yaml-mapping-in-value", readme: fm("title: a", "sdk: gradio: 4"),
			want: MetadataError{Line: 3, Msg: "the front matter is not valid YAML: mapping values are not allowed in this context"}},
		{name: "not-yaml-unclosed-flow-list", readme: fm("title: a", "hf_oauth_scopes: [email", "sdk: gradio"),
			want: MetadataError{Line: 3, Msg: "the front matter is not valid YAML: did not find expected ',' or ']'"}},
		{name: "not-yaml-first-line", readme: fm("sdk: a: b", "title: a"),
			want: MetadataError{Line: 2, Msg: "the front matter is not valid YAML: mapping values are not allowed in this context"}},
		{name: "not-yaml-unclosed-flow-at-end", readme: fm("[", "title: a"),
			want: MetadataError{Line: 4, Msg: "the front matter is not valid YAML: did not find expected ',' or ']'"}},
		{name: "not-yaml-bad-key", readme: fm("title: a", "tags:", "  - a", " b: c"),
			want: MetadataError{Line: 5, Msg: "the front matter is not valid YAML: did not find expected key"}},
		{name: "not-yaml-unknown-anchor", readme: fm("title: *nope"),
			want: MetadataError{Line: 2, Msg: "the front matter is not valid YAML: unknown anchor 'nope' referenced"}},
		{name: "not-yaml-second-document", readme: fm("title: a", "...", "title: b"),
			want: MetadataError{Line: 4, Msg: "the front matter is not valid YAML: did not find expected <document start>"}},
		{name: "not-a-mapping-list", readme: fm("- title: a"),
			want: MetadataError{Line: 2, Msg: "the front matter is a list; it must be a mapping of keys to values (key: value lines)"}},
		{name: "not-a-mapping-string", readme: fm("hello"),
			want: MetadataError{Line: 2, Msg: "the front matter is a string; it must be a mapping of keys to values (key: value lines)"}},
		{name: "unclosed", readme: []byte("---\nhf_oauth: true\n"),
			want: MetadataError{Line: 1, Msg: `the front matter opened by "---" is not closed; end it with a line holding only "---"`}},

		{name: "hf-oauth-yes-please", readme: fm("hf_oauth: \"yes please\""),
			want: MetadataError{Key: "hf_oauth", Line: 2, Value: `"yes please"`, Msg: "is not a boolean", Allowed: boolAllowed}},
		{name: "hf-oauth-yes", readme: fm("title: x", "hf_oauth: yes"),
			want: MetadataError{Key: "hf_oauth", Line: 3, Value: "yes", Msg: `is not a boolean in YAML 1.2 (it is the string "yes")`, Allowed: boolAllowed}},
		{name: "hf-oauth-on", readme: fm("hf_oauth: On"),
			want: MetadataError{Key: "hf_oauth", Line: 2, Value: "On", Msg: `is not a boolean in YAML 1.2 (it is the string "On")`, Allowed: boolAllowed}},
		{name: "hf-oauth-quoted-true", readme: fm("hf_oauth: 'true'"),
			want: MetadataError{Key: "hf_oauth", Line: 2, Value: `"true"`, Msg: "is a string, not a boolean; write it without quotes", Allowed: boolAllowed}},
		{name: "hf-oauth-one", readme: fm("hf_oauth: 1"),
			want: MetadataError{Key: "hf_oauth", Line: 2, Value: "1", Msg: "is not a boolean", Allowed: boolAllowed}},
		{name: "hf-oauth-list", readme: fm("hf_oauth:", "  - true"),
			want: MetadataError{Key: "hf_oauth", Line: 2, Msg: "must be true or false, not a list"}},
		{name: "hf-oauth-explicit-bool-tag", readme: fm("hf_oauth: !!bool yes"),
			want: MetadataError{Key: "hf_oauth", Line: 2, Value: "yes", Msg: `is not a boolean in YAML 1.2 (it is the string "yes")`, Allowed: boolAllowed}},
		{name: "pinned-no", readme: fm("pinned: no"),
			want: MetadataError{Key: "pinned", Line: 2, Value: "no", Msg: `is not a boolean in YAML 1.2 (it is the string "no")`, Allowed: boolAllowed}},

		{name: "unknown-scope-in-list", readme: fm("hf_oauth: true", "hf_oauth_scopes:", "  - email", "  - read-repo"),
			want: MetadataError{Key: "hf_oauth_scopes", Line: 5, Value: "read-repo", Msg: "is not a known scope", Allowed: scopes}},
		{name: "unknown-scope-in-string", readme: fm("hf_oauth_scopes: email offline_access"),
			want: MetadataError{Key: "hf_oauth_scopes", Line: 2, Value: "offline_access", Msg: "is not a known scope", Allowed: scopes}},
		{name: "scopes-comma-separated", readme: fm("hf_oauth_scopes: email,read-repos"),
			want: MetadataError{Key: "hf_oauth_scopes", Line: 2, Value: "email,read-repos", Msg: "is not a known scope (separate scopes with spaces, or write a YAML list)", Allowed: scopes}},
		{name: "scope-case-matters", readme: fm("hf_oauth_scopes: [Email]"),
			want: MetadataError{Key: "hf_oauth_scopes", Line: 2, Value: "Email", Msg: "is not a known scope", Allowed: scopes}},
		{name: "scope-item-is-a-list", readme: fm("hf_oauth_scopes:", "  - [email]"),
			want: MetadataError{Key: "hf_oauth_scopes", Line: 3, Msg: "has an item that is a list; each item must be a scope name", Allowed: scopes}},
		{name: "scopes-mapping", readme: fm("hf_oauth_scopes: {email: true}"),
			want: MetadataError{Key: "hf_oauth_scopes", Line: 2, Msg: "must be a list of scopes or one space-separated string, not a mapping"}},
		{name: "two-unknown-scopes", readme: fm("hf_oauth_scopes:", "  - a", "  - b"), n: 2,
			want: MetadataError{Key: "hf_oauth_scopes", Line: 3, Value: "a", Msg: "is not a known scope", Allowed: scopes}},

		{name: "expiration-zero", readme: fm("hf_oauth: true", "hf_oauth_expiration_minutes: 0"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 3, Value: "0", Msg: "is out of range", Allowed: expAllowed}},
		{name: "expiration-50000", readme: fm("hf_oauth_expiration_minutes: 50000"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "50000", Msg: "is out of range", Allowed: expAllowed}},
		{name: "expiration-43201", readme: fm("hf_oauth_expiration_minutes: 43201"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "43201", Msg: "is out of range", Allowed: expAllowed}},
		{name: "expiration-negative", readme: fm("hf_oauth_expiration_minutes: -5"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "-5", Msg: "is out of range", Allowed: expAllowed}},
		{name: "expiration-huge", readme: fm("hf_oauth_expiration_minutes: 99999999999999999999999"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "99999999999999999999999", Msg: "is out of range", Allowed: expAllowed}},
		{name: "expiration-float", readme: fm("hf_oauth_expiration_minutes: 480.0"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "480.0", Msg: "is not a whole number", Allowed: expAllowed}},
		{name: "expiration-duration", readme: fm("hf_oauth_expiration_minutes: 8h"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "8h", Msg: "is not a whole number", Allowed: expAllowed}},
		{name: "expiration-quoted", readme: fm(`hf_oauth_expiration_minutes: "480"`),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: `"480"`, Msg: "is a string, not a whole number; write it without quotes", Allowed: expAllowed}},
		{name: "expiration-underscores", readme: fm("hf_oauth_expiration_minutes: 1_440"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "1_440", Msg: "is not a whole number in YAML 1.2 (write plain digits)", Allowed: expAllowed}},
		{name: "expiration-yaml-1-1-binary", readme: fm("hf_oauth_expiration_minutes: 0b101"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "0b101", Msg: "is not a whole number in YAML 1.2 (write plain digits)", Allowed: expAllowed}},
		{name: "expiration-exponent", readme: fm("hf_oauth_expiration_minutes: 1e3"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "1e3", Msg: "is not a whole number", Allowed: expAllowed}},
		{name: "expiration-explicit-str-tag", readme: fm("hf_oauth_expiration_minutes: !!str 480"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "480", Msg: "is a string, not a whole number; write it without quotes", Allowed: expAllowed}},
		{name: "expiration-explicit-int-tag-not-a-number", readme: fm("hf_oauth_expiration_minutes: !!int many"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "many", Msg: "is not a whole number in YAML 1.2 (write plain digits)", Allowed: expAllowed}},
		{name: "expiration-sign-only", readme: fm("hf_oauth_expiration_minutes: '-'"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: `"-"`, Msg: "is not a whole number", Allowed: expAllowed}},
		{name: "expiration-bool", readme: fm("hf_oauth_expiration_minutes: true"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Value: "true", Msg: "is not a whole number", Allowed: expAllowed}},
		{name: "expiration-list", readme: fm("hf_oauth_expiration_minutes: [480]"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 2, Msg: "must be a whole number, not a list", Allowed: expAllowed}},

		{name: "sdk-unknown", readme: fm("sdk: nextjs"),
			want: MetadataError{Key: "sdk", Line: 2, Value: "nextjs", Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
		{name: "sdk-case-matters", readme: fm("sdk: Gradio"),
			want: MetadataError{Key: "sdk", Line: 2, Value: "Gradio", Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
		{name: "sdk-list", readme: fm("sdk: [gradio]"),
			want: MetadataError{Key: "sdk", Line: 2, Msg: "must be a string, not a list"}},
		{name: "app-port-zero", readme: fm("app_port: 0"),
			want: MetadataError{Key: "app_port", Line: 2, Value: "0", Msg: "is out of range", Allowed: "1 to 65535"}},
		{name: "app-port-too-big", readme: fm("app_port: 65536"),
			want: MetadataError{Key: "app_port", Line: 2, Value: "65536", Msg: "is out of range", Allowed: "1 to 65535"}},
		{name: "app-port-string", readme: fm("app_port: http"),
			want: MetadataError{Key: "app_port", Line: 2, Value: "http", Msg: "is not a whole number", Allowed: "1 to 65535"}},
		{name: "color-from-orange", readme: fm("colorFrom: orange"),
			want: MetadataError{Key: "colorFrom", Line: 2, Value: "orange", Msg: "is not allowed", Allowed: "red, yellow, green, blue, indigo, purple, pink, gray"}},
		{name: "color-to-grey", readme: fm("colorTo: grey"),
			want: MetadataError{Key: "colorTo", Line: 2, Value: "grey", Msg: "is not allowed", Allowed: "red, yellow, green, blue, indigo, purple, pink, gray"}},
		{name: "header-unknown", readme: fm("header: big"),
			want: MetadataError{Key: "header", Line: 2, Value: "big", Msg: "is not allowed", Allowed: "mini, default"}},
		{name: "base-path-relative", readme: fm("base_path: app"),
			want: MetadataError{Key: "base_path", Line: 2, Value: "app", Msg: `does not start with "/"`, Allowed: `a path starting with "/", such as /app`}},
		{name: "custom-header-not-allowed", readme: fm("custom_headers:", "  x-frame-options: deny"),
			want: MetadataError{Key: "custom_headers", Line: 3, Value: "x-frame-options", Msg: "is not an allowed header",
				Allowed: "cross-origin-embedder-policy, cross-origin-opener-policy, cross-origin-resource-policy (lowercase)"}},
		{name: "custom-header-uppercase-value", readme: fm("custom_headers:", "  cross-origin-opener-policy: Same-Origin"),
			want: MetadataError{Key: "custom_headers", Line: 3, Value: "Same-Origin", Msg: "is not a lowercase header value", Allowed: "lowercase values such as require-corp or same-origin"}},
		{name: "tags-mapping", readme: fm("tags: {a: b}"),
			want: MetadataError{Key: "tags", Line: 2, Msg: "must be a string or a list of them, not a mapping"}},

		{name: "org-with-space", readme: fm("hf_oauth_authorized_org: acme corp"),
			want: MetadataError{Key: "hf_oauth_authorized_org", Line: 2, Value: "acme corp", Msg: "is not a valid org name", Allowed: metaOrgRule}},
		{name: "org-in-list-with-slash", readme: fm("hf_oauth_authorized_org:", "  - acme", "  - acme/space"),
			want: MetadataError{Key: "hf_oauth_authorized_org", Line: 4, Value: "acme/space", Msg: "is not a valid org name", Allowed: metaOrgRule}},
		{name: "org-empty", readme: fm(`hf_oauth_authorized_org: ""`),
			want: MetadataError{Key: "hf_oauth_authorized_org", Line: 2, Value: `""`, Msg: "is not a valid org name", Allowed: metaOrgRule}},
		{name: "org-double-dash", readme: fm("hf_oauth_authorized_org: a--b"),
			want: MetadataError{Key: "hf_oauth_authorized_org", Line: 2, Value: "a--b", Msg: "is not a valid org name", Allowed: metaOrgRule}},
		{name: "org-leading-dot", readme: fm("hf_oauth_authorized_org: [.acme]"),
			want: MetadataError{Key: "hf_oauth_authorized_org", Line: 2, Value: ".acme", Msg: "is not a valid org name", Allowed: metaOrgRule}},
		{name: "org-mapping", readme: fm("hf_oauth_authorized_org: {name: acme}"),
			want: MetadataError{Key: "hf_oauth_authorized_org", Line: 2, Msg: "must be an org name or a list of them, not a mapping"}},

		{name: "duplicate-key", readme: fm("hf_oauth_authorized_org: A", "title: x", "hf_oauth_authorized_org: [B]"),
			want: MetadataError{Key: "hf_oauth_authorized_org", Line: 4, Msg: "appears twice (first on line 2); keep one"}},
		{name: "duplicate-unknown-key", readme: fm("foo: 1", "foo: 2"),
			want: MetadataError{Key: "foo", Line: 3, Msg: "appears twice (first on line 2); keep one"}},
		{name: "misspelt-org-key", readme: fm("hf_oauth: true", "hf_oauth_authorized_orgs: acme"),
			want: MetadataError{Key: "hf_oauth_authorized_orgs", Line: 3, Msg: "is not a Space metadata key (did you mean hf_oauth_authorized_org?)",
				Allowed: "hf_oauth, hf_oauth_scopes, hf_oauth_expiration_minutes, hf_oauth_authorized_org"}},
		{name: "misspelt-scopes-key", readme: fm("hf_oauth_scope: email"),
			want: MetadataError{Key: "hf_oauth_scope", Line: 2, Msg: "is not a Space metadata key (did you mean hf_oauth_scopes?)",
				Allowed: "hf_oauth, hf_oauth_scopes, hf_oauth_expiration_minutes, hf_oauth_authorized_org"}},

		{name: "misspelt-hf-oauth-case", readme: fm("HF_OAuth: true"),
			want: MetadataError{Key: "HF_OAuth", Line: 2, Msg: "is not a Space metadata key (did you mean hf_oauth?)",
				Allowed: "hf_oauth, hf_oauth_scopes, hf_oauth_expiration_minutes, hf_oauth_authorized_org"}},
		{name: "misspelt-expiration-dashes", readme: fm("hf-oauth-expiration: 60"),
			want: MetadataError{Key: "hf-oauth-expiration", Line: 2, Msg: "is not a Space metadata key (did you mean hf_oauth_expiration_minutes?)",
				Allowed: "hf_oauth, hf_oauth_scopes, hf_oauth_expiration_minutes, hf_oauth_authorized_org"}},
		{name: "errors-sorted-by-line", readme: fm("sdk: nextjs", "hf_oauth: maybe", "app_port: 0"), n: 3,
			want: MetadataError{Key: "sdk", Line: 2, Value: "nextjs", Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
		{name: "crlf-lines", readme: []byte("---\r\ntitle: x\r\n\r\nhf_oauth_expiration_minutes: 50000\r\n---\r\n"),
			want: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 4, Value: "50000", Msg: "is out of range", Allowed: expAllowed}},
		{name: "lines-after-blank-lines-and-bom", readme: []byte("\xEF\xBB\xBF\n\n---\ntitle: x\nsdk: flask\n---\n"),
			want: MetadataError{Key: "sdk", Line: 5, Value: "flask", Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
		{name: "lone-cr-is-no-readme-line", readme: []byte("--- \n\r\r0\n--- "),
			want: MetadataError{Line: 2, Msg: "the front matter is a number; it must be a mapping of keys to values (key: value lines)"}},
		{name: "lone-cr-before-bad-value", readme: []byte("---\ntitle: \"a\rb\"\nsdk: x\n---\n"),
			want: MetadataError{Key: "sdk", Line: 3, Value: "x", Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
		{name: "unicode-line-separators-are-no-readme-lines", readme: fm("title: \"a\u2028b\u2029c\u0085d\"", "sdk: x"),
			want: MetadataError{Key: "sdk", Line: 3, Value: "x", Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
		{name: "long-value-shortened", readme: fm("sdk: " + strings.Repeat("x", 100)),
			want: MetadataError{Key: "sdk", Line: 2, Value: strings.Repeat("x", 64) + "…", Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
		{name: "multiline-value-quoted", readme: fm("sdk: |", "  gradio", "  docker"),
			want: MetadataError{Key: "sdk", Line: 2, Value: `"gradio\ndocker\n"`, Msg: "is not allowed", Allowed: "gradio, docker, static, streamlit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, err := ParseReadme(tt.readme)
			if err == nil {
				t.Fatalf("no error; metadata %+v", md)
			}
			if diff := cmp.Diff(Metadata{}, md); diff != "" {
				t.Errorf("metadata with an error is not zero:\n%s", diff)
			}
			me, ok := errors.AsType[*MetadataError](err)
			if !ok {
				t.Fatalf("error %T (%v) holds no *MetadataError", err, err)
			}
			if diff := cmp.Diff(tt.want, *me); diff != "" {
				t.Errorf("first error differs (-want +got):\n%s\nfull error: %v", diff, err)
			}
			n := max(tt.n, 1)
			if got := len(metadataErrors(err)); got != n {
				t.Errorf("%d errors, want %d:\n%v", got, n, err)
			}
		})
	}
}

// metadataErrors lists the *MetadataErrors in err.
func metadataErrors(err error) []*MetadataError {
	if me, ok := err.(*MetadataError); ok {
		return []*MetadataError{me}
	}
	var out []*MetadataError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, metadataErrors(e)...)
		}
	}
	return out
}

func TestParseReadmeCapsErrors(t *testing.T) {
	var lines []string
	for i := range 25 {
		lines = append(lines, fmt.Sprintf("hf_oauth_x%d: 1", i))
	}
	_, err := ParseReadme(fm(lines...))
	errs := metadataErrors(err)
	if len(errs) != 11 {
		t.Fatalf("%d errors, want 10 and a summary:\n%v", len(errs), err)
	}
	if got, want := errs[10].Error(), "README.md: 15 more problems not shown"; got != want {
		t.Errorf("last error %q, want %q", got, want)
	}
	if errs[0].Line != 2 || errs[9].Line != 11 {
		t.Errorf("errors are not the first ten by line: %v", err)
	}
}

func TestMetadataErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  MetadataError
		want string
	}{
		{name: "full", err: MetadataError{Key: "hf_oauth_expiration_minutes", Line: 12, Value: "50000", Msg: "is out of range", Allowed: "1 to 43200 (30 days)"},
			want: "README.md line 12: hf_oauth_expiration_minutes: 50000 is out of range; allowed: 1 to 43200 (30 days)"},
		{name: "no-value", err: MetadataError{Key: "title", Line: 3, Msg: "appears twice"}, want: "README.md line 3: title: appears twice"},
		{name: "no-key", err: MetadataError{Line: 1, Msg: "the front matter is not closed"}, want: "README.md line 1: the front matter is not closed"},
		{name: "no-line", err: MetadataError{Msg: "3 more problems not shown"}, want: "README.md: 3 more problems not shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestOAuthScopes(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
		want   []string
	}{
		{name: "none", want: []string{"openid", "profile"}},
		{name: "consent-page-order", scopes: []string{"inference-api", "manage-repos", "write-repos", "read-repos"},
			want: []string{"openid", "profile", "read-repos", "write-repos", "manage-repos", "inference-api"}},
		{name: "duplicates-and-implied", scopes: []string{"email", "profile", "email", "openid"}, want: []string{"openid", "profile", "email"}},
		{name: "every-scope-reversed", scopes: reversed(oidc.ScopeNames()), want: oidc.ScopeNames()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Metadata{HFOAuthScopes: tt.scopes}.OAuthScopes()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func TestExpirationMinutes(t *testing.T) {
	for _, tt := range []struct {
		name     string
		in, want int
	}{
		{name: "absent-is-default", in: 0, want: 480},
		{name: "negative-is-default", in: -1, want: 480},
		{name: "set", in: 60, want: 60},
		{name: "max", in: 43200, want: 43200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Metadata{HFOAuthExpirationMinutes: tt.in}).ExpirationMinutes(); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestParseReadmeIgnoresBody: whatever follows the front matter is never
// read as metadata, even YAML-looking text between horizontal rules.
func TestParseReadmeIgnoresBody(t *testing.T) {
	body := "\n---\nhf_oauth: \"yes please\"\nsdk: nextjs\n---\n\t\x00 [ {\n"
	for _, readme := range []string{"---\nhf_oauth: true\n---" + body, "---\r\nhf_oauth: true\r\n--- \r\n" + body} {
		md, err := ParseReadme([]byte(readme))
		if err != nil || !md.HFOAuth || md.SDK != "" {
			t.Errorf("ParseReadme(%q) = %+v, %v", readme, md, err)
		}
	}
	if md, err := ParseReadme([]byte("# Title" + body)); err != nil || !cmp.Equal(md, Metadata{}) {
		t.Errorf("README without front matter: %+v, %v", md, err)
	}
}

func TestParseReadmeLargeInputs(t *testing.T) {
	// A large body after a small front matter is fine.
	readme := append(fm("hf_oauth: true"), bytes.Repeat([]byte("lorem ipsum\n"), 300_000)...)
	if md, err := ParseReadme(readme); err != nil || !md.HFOAuth {
		t.Errorf("large body: %+v, %v", md, err)
	}
	// A front matter near the cap, of one key repeated: the errors are
	// capped, and the lines right.
	dups := strings.Repeat("hf_oauth: true\n", MaxFrontMatterSize/len("hf_oauth: true\n"))
	_, err := ParseReadme([]byte("---\n" + dups + "---\n"))
	if errs := metadataErrors(err); len(errs) != 11 || errs[0].Line != 3 || errs[9].Line != 12 {
		t.Errorf("repeated key near the cap: %d errors, first lines %v", len(errs), err)
	}
	// Deeply nested values under an unknown key are ignored.
	deep := "x: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	if md, err := ParseReadme(fm(deep, "title: t")); err != nil || md.Title != "t" {
		t.Errorf("deep nesting under an unknown key: %+v, %v", md, err)
	}
	// Deeper than the yaml package allows is an error, not a crash.
	deeper := "x: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if _, err := ParseReadme(fm(deeper)); err == nil || !strings.Contains(err.Error(), "not valid YAML") {
		t.Errorf("nesting 20000 deep: %v", err)
	}
	// Many aliases to one big list (a "billion laughs" in small) are not
	// expanded.
	laughs := []string{"a: &a [" + strings.Repeat("x,", 1000) + "x]"}
	prev := "a"
	for i := range 20 {
		name := fmt.Sprintf("l%d", i)
		laughs = append(laughs, fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s]", name, name, prev, prev, prev, prev))
		prev = name
	}
	laughs = append(laughs, "tags: *"+prev, "hf_oauth: true")
	_, err = ParseReadme(fm(laughs...))
	if me, ok := errors.AsType[*MetadataError](err); !ok || me.Key != "tags" {
		t.Errorf("aliased nested lists under tags: %v", err)
	}
}
