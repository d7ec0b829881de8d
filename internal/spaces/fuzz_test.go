package spaces

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/oidc"
)

// Fuzz targets for the README parser, which reads untrusted input. Run one
// with
//
//	go test -run='^$' -fuzz=FuzzParseReadme -fuzztime=20s ./internal/spaces

// addReadmeSeeds adds every README of the golden corpus, and a few edge
// cases, as seeds.
func addReadmeSeeds(f *testing.F) {
	mds, _ := filepath.Glob(filepath.Join("testdata", "readmes", "*.md"))
	for _, path := range mds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "---", "---\n", "---\n---", "\xEF\xBB\xBF---\r\n---\r\n", "\n \n---  \nhf_oauth: true\n--- \n",
		"---\na: &a [*a]\nhf_oauth_scopes: *a\n---\n",
		"---\nhf_oauth_scopes: !!int email\nhf_oauth_expiration_minutes: !!int x\nhf_oauth: !!bool maybe\n---\n",
		"---\n? [a]\n: b\nhf_oauth_authorized_org: [a, [b], {c: d}, ~, *x]\n---\n",
		"---\ncustom_headers: {cross-origin-opener-policy: [a], ? {}: b, cross-origin-opener-policy: c}\n---\n",
		"---\ntitle: a\n...\n---\n", "---\n%YAML 1.2\n---\n", "---\n!!map {a: b}\n---\n",
	} {
		f.Add([]byte(s))
	}
}

// The oracle: the same front-matter rules as SplitFrontMatter, written as
// regular expressions.
var (
	openOracle  = regexp.MustCompile(`\A(?:\x{FEFF})?(?:[ \t\r]*\n)*[ \t]*---[ \t\r]*(?:\n|\z)`)
	splitOracle = regexp.MustCompile(`\A(?:\x{FEFF})?(?:[ \t\r]*\n)*[ \t]*---[ \t\r]*\n((?:[^\n]*\n)*?)---[ \t\r]*(?:\n|\z)`)
)

func FuzzSplitFrontMatter(f *testing.F) {
	addReadmeSeeds(f)
	f.Fuzz(func(t *testing.T, readme []byte) {
		orig := bytes.Clone(readme)
		front, line, found, err := SplitFrontMatter(readme)
		if !bytes.Equal(readme, orig) {
			t.Fatal("SplitFrontMatter changed its input")
		}
		// The oracle sees valid UTF-8 only where the BOM is concerned: an
		// invalid byte never reads as U+FEFF, so it agrees on any input.
		m := splitOracle.FindSubmatchIndex(readme)
		switch {
		case m != nil && m[3]-m[2] <= MaxFrontMatterSize:
			if err != nil || !found {
				t.Fatalf("oracle finds %q, SplitFrontMatter: found %v, err %v", readme[m[2]:m[3]], found, err)
			}
			if !bytes.Equal(front, readme[m[2]:m[3]]) {
				t.Fatalf("front %q, oracle %q", front, readme[m[2]:m[3]])
			}
			if want := 1 + bytes.Count(readme[:m[2]], []byte("\n")); line != want {
				t.Fatalf("line %d, want %d", line, want)
			}
			if cap(front) != len(front) {
				t.Fatal("front has spare capacity")
			}
		case openOracle.Match(readme):
			// Opened but not closed, or too large.
			if err == nil || found || front != nil {
				t.Fatalf("unclosed front matter: front %q, found %v, err %v", front, found, err)
			}
			if _, ok := errors.AsType[*MetadataError](err); !ok {
				t.Fatalf("error %T is not a *MetadataError", err)
			}
		default:
			if err != nil || found || front != nil || line != 0 {
				t.Fatalf("no front matter, yet front %q, line %d, found %v, err %v", front, line, found, err)
			}
		}
	})
}

func FuzzParseReadme(f *testing.F) {
	addReadmeSeeds(f)
	f.Fuzz(func(t *testing.T, readme []byte) {
		md, err := ParseReadme(readme)
		if err != nil {
			if !cmp.Equal(md, Metadata{}) {
				t.Fatalf("metadata %+v with error %v", md, err)
			}
			me, ok := errors.AsType[*MetadataError](err)
			if !ok {
				t.Fatalf("error %T (%v) holds no *MetadataError", err, err)
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("the parser panicked: %v", err)
			}
			if me.Msg == "" || !strings.HasPrefix(err.Error(), "README.md") {
				t.Fatalf("error without a message or README prefix: %q", err)
			}
			if me.Line < 0 || me.Line > 1+bytes.Count(readme, []byte("\n")) {
				t.Fatalf("line %d is not a README line: %v", me.Line, err)
			}
			return
		}
		for _, s := range md.OAuthScopes() {
			if !oidc.KnownScope(s) {
				t.Fatalf("unknown scope %q in %v", s, md.OAuthScopes())
			}
		}
		if got := md.OAuthScopes(); !slices.IsSortedFunc(got, oidc.ScopeOrder) || len(got) < 2 || got[0] != oidc.ScopeOpenID || got[1] != oidc.ScopeProfile {
			t.Fatalf("OAuthScopes %v are not openid, profile, ... in consent-page order", got)
		}
		if e := md.ExpirationMinutes(); e < 1 || e > MaxExpirationMinutes {
			t.Fatalf("ExpirationMinutes %d", e)
		}
		if md.AppPort < 0 || md.AppPort > 65535 {
			t.Fatalf("AppPort %d", md.AppPort)
		}
		if md.SDK != "" && !slices.Contains(metaSDKs, md.SDK) {
			t.Fatalf("SDK %q", md.SDK)
		}
		for _, c := range []string{md.ColorFrom, md.ColorTo} {
			if c != "" && !slices.Contains(metaColors, c) {
				t.Fatalf("color %q", c)
			}
		}
		for _, o := range md.HFOAuthAuthorizedOrgs {
			if !validOrgName(o) {
				t.Fatalf("org %q", o)
			}
		}
		if _, _, found, _ := SplitFrontMatter(readme); !found && !cmp.Equal(md, Metadata{}) {
			t.Fatalf("metadata %+v without front matter", md)
		}
	})
}
