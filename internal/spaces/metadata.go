package spaces

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/oidc"
)

// Limits of Space metadata.
const (
	// MaxFrontMatterSize bounds the YAML between the two "---" lines.
	MaxFrontMatterSize = 1 << 20
	// DefaultExpirationMinutes is the access-token lifetime of a Space app
	// without hf_oauth_expiration_minutes: 480 minutes (8 hours), as on
	// huggingface.co.
	DefaultExpirationMinutes = 480
	// MaxExpirationMinutes is the largest hf_oauth_expiration_minutes:
	// 43200 minutes (30 days).
	MaxExpirationMinutes = 43200
	// maxMetadataErrors bounds how many problems ParseReadme reports at once.
	maxMetadataErrors = 10
)

// Metadata is a Space's configuration: the YAML front matter of its
// README.md, as documented in HF's "Spaces Configuration Reference"
// (hub-docs docs/hub/spaces-config-reference.md). Unknown keys are ignored,
// except misspelt hf_oauth keys (see ParseReadme). Zero values mean the key
// is absent. ParseReadme reads the YAML node by node (to locate every
// problem by line), so the fields carry no yaml tags; the json tags are the
// form the sync API and the golden files use.
type Metadata struct {
	Title string `json:"title,omitempty"`
	// Emoji shown on the Space's card.
	Emoji string `json:"emoji,omitempty"`
	// ColorFrom and ColorTo are the card's gradient: red, yellow, green,
	// blue, indigo, purple, pink or gray.
	ColorFrom string `json:"colorFrom,omitempty"`
	ColorTo   string `json:"colorTo,omitempty"`
	// SDK is gradio, docker, static or streamlit (huggingface.co stopped
	// offering streamlit in 2025; old Spaces still name it).
	SDK string `json:"sdk,omitempty"`
	// SDKVersion is the Gradio (or Streamlit) version, as written: a YAML
	// number such as 4.0 keeps its text.
	SDKVersion string `json:"sdk_version,omitempty"`
	// PythonVersion is "3.x" or "3.x.x", as written (3.10 stays "3.10").
	PythonVersion string `json:"python_version,omitempty"`
	// AppFile is the main file, relative to the repository root (the
	// built index.html for a static Space with AppBuildCommand).
	AppFile string `json:"app_file,omitempty"`
	// AppBuildCommand builds a static Space (e.g. "npm run build").
	AppBuildCommand string `json:"app_build_command,omitempty"`
	// AppPort is the port a docker Space listens on, 1 to 65535; 0 means
	// absent (Spaces default to 7860).
	AppPort int `json:"app_port,omitempty"`
	// BasePath is the first path shown of a non-static Space; it starts
	// with "/".
	BasePath string `json:"base_path,omitempty"`
	// FullWidth: nil means absent, which Spaces treat as true.
	FullWidth *bool `json:"fullWidth,omitempty"`
	// Header is "mini" or "default".
	Header           string `json:"header,omitempty"`
	ShortDescription string `json:"short_description,omitempty"`
	// Models and Datasets are Hub repo ids used by the Space.
	Models   []string `json:"models,omitempty"`
	Datasets []string `json:"datasets,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	// Thumbnail is a URL for social sharing.
	Thumbnail string `json:"thumbnail,omitempty"`
	Pinned    bool   `json:"pinned,omitempty"`
	// License is a model-card key that Spaces READMEs carry too; a string
	// or a list in YAML, always a list here.
	License []string `json:"license,omitempty"`
	// SuggestedHardware and SuggestedStorage are hints for people who
	// duplicate the Space; hubid keeps them but does nothing with them.
	SuggestedHardware string `json:"suggested_hardware,omitempty"`
	SuggestedStorage  string `json:"suggested_storage,omitempty"`

	// HFOAuth attaches an OAuth app to the Space ("Sign in with HF").
	HFOAuth bool `json:"hf_oauth,omitempty"`
	// HFOAuthScopes are the extra scopes, as listed (openid and profile are
	// always granted; see OAuthScopes). In YAML a list or one
	// space-separated string.
	HFOAuthScopes []string `json:"hf_oauth_scopes,omitempty"`
	// HFOAuthExpirationMinutes is the access-token lifetime, 1 to 43200;
	// 0 means absent (see ExpirationMinutes).
	HFOAuthExpirationMinutes int `json:"hf_oauth_expiration_minutes,omitempty"`
	// HFOAuthAuthorizedOrgs are org names whose members alone may sign in.
	// In YAML one string or a list. Only the syntax is checked here; Sync
	// checks that the orgs exist.
	HFOAuthAuthorizedOrgs []string `json:"hf_oauth_authorized_org,omitempty"`

	DisableEmbedding bool `json:"disable_embedding,omitempty"`
	// StartupDurationTimeout is a duration such as "30m" or "1h", as
	// written (Spaces' own syntax, not Go's).
	StartupDurationTimeout string `json:"startup_duration_timeout,omitempty"`
	// CustomHeaders are response headers: only
	// cross-origin-embedder-policy, cross-origin-opener-policy and
	// cross-origin-resource-policy, in lowercase.
	CustomHeaders map[string]string `json:"custom_headers,omitempty"`
	// PreloadFromHub lists "repo [file1,file2 [commit]]" entries to
	// download at build time.
	PreloadFromHub []string `json:"preload_from_hub,omitempty"`
}

// ExpirationMinutes is the access-token lifetime in minutes: the value of
// hf_oauth_expiration_minutes, or 480 (8 hours) when it is absent.
func (m Metadata) ExpirationMinutes() int {
	if m.HFOAuthExpirationMinutes <= 0 {
		return DefaultExpirationMinutes
	}
	return m.HFOAuthExpirationMinutes
}

// OAuthScopes is what the Space's app is given: openid and profile, then
// the listed scopes, without duplicates, in the order of oidc.ScopeNames.
func (m Metadata) OAuthScopes() []string {
	return protocol.NormalizeScopes(m.HFOAuthScopes)
}

// MetadataError is one problem with a README's front matter. Its Error
// reads like
//
//	README.md line 12: hf_oauth_expiration_minutes: 50000 is out of range; allowed: 1 to 43200 (30 days)
type MetadataError struct {
	// Key is the metadata key at fault; "" for problems with the front
	// matter as a whole (not YAML, not closed, too large).
	Key string
	// Line is the 1-based line in README.md; 0 when unknown.
	Line int
	// Value is the bad value as written: quoted when the README quoted
	// it, shortened when long; "" when there is no single value to show.
	Value string
	// Allowed says what would be accepted.
	Allowed string
	// Msg says what is wrong, following Value ("is out of range").
	Msg string
}

func (e *MetadataError) Error() string { return e.In("README.md") }

// In is Error with file (e.g. "my-space/README.md") in place of
// "README.md", so that a caller naming the file does not name it twice.
func (e *MetadataError) In(file string) string {
	var b strings.Builder
	b.WriteString(file)
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	if e.Value != "" {
		b.WriteString(e.Value)
		b.WriteByte(' ')
	}
	b.WriteString(e.Msg)
	if e.Allowed != "" {
		b.WriteString("; allowed: ")
		b.WriteString(e.Allowed)
	}
	return b.String()
}

// MetadataErrors returns the problems err holds (one *MetadataError, or
// several joined as ParseReadme joins them, possibly wrapped), in order;
// nil when err holds none.
func MetadataErrors(err error) []*MetadataError {
	switch e := err.(type) {
	case nil:
		return nil
	case *MetadataError:
		return []*MetadataError{e}
	case interface{ Unwrap() []error }:
		var all []*MetadataError
		for _, x := range e.Unwrap() {
			all = append(all, MetadataErrors(x)...)
		}
		return all
	}
	return MetadataErrors(errors.Unwrap(err))
}

// LocateInReadme fills in the README line of the problems in err that
// have a key but no line (those Sync finds, such as an org that does not
// exist): the line of the key's value, or of the list item equal to the
// problem's Value. Problems it cannot place keep line 0.
func LocateInReadme(err error, readme []byte) {
	var todo []*MetadataError
	for _, me := range MetadataErrors(err) {
		if me.Line == 0 && me.Key != "" {
			todo = append(todo, me)
		}
	}
	if len(todo) == 0 {
		return
	}
	front, line, found, ferr := SplitFrontMatter(readme)
	if ferr != nil || !found {
		return
	}
	lines := &lineMap{front: front, start: line}
	root, derr := decodeFrontMatter(front, lines)
	if derr != nil || root == nil {
		return
	}
	for _, me := range todo {
		value := me.Value
		if u, err := strconv.Unquote(value); err == nil {
			value = u
		}
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := yamlDeref(root.Content[i]), yamlDeref(root.Content[i+1])
			if k == nil || v == nil || k.Value != me.Key {
				continue
			}
			me.Line = lines.readme(v.Line)
			if v.Kind == yaml.SequenceNode {
				for _, it := range v.Content {
					if it = yamlDeref(it); it != nil && it.Value == value {
						me.Line = lines.readme(it.Line)
						break
					}
				}
			}
			break
		}
	}
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// SplitFrontMatter returns the YAML front matter of a README: the lines
// between a first "---" line and the next "---" line, and the 1-based
// README line on which that YAML starts (so that YAML errors can name
// README lines). The rules follow the Hub's own (the regular expression
// huggingface_hub copies from the Hub server):
//
//   - A UTF-8 byte order mark and blank lines before the opening "---" are
//     skipped; nothing else may come before it.
//   - Lines end with LF or CRLF. A lone CR does not end a line (the Hub's
//     expression would take one; no editor of this century writes them).
//   - Marker lines are exactly "---", except that spaces and tabs may
//     follow it (the Hub does not allow this; hubid is lenient) and precede
//     the opening one. "----" or "--- x" is no marker.
//   - Only "---" closes: YAML's document-end marker "..." does not, as on
//     the Hub, whose docs say to close with another "---".
//   - The closing "---" must start its line.
//   - "---" immediately followed by "---" is an empty front matter (the
//     Hub's expression wants a line between them; hubid is lenient).
//
// A README whose first non-blank line is not "---" has no front matter:
// found is false and err nil. An opening "---" without a closing one, or
// more than MaxFrontMatterSize bytes of YAML, is an error (a
// *MetadataError). front shares readme's memory and has no spare capacity.
func SplitFrontMatter(readme []byte) (front []byte, line int, found bool, err error) {
	b := bytes.TrimPrefix(readme, utf8BOM)
	pos, n := 0, 1 // pos starts line n
	for {
		l, next := frontLineAt(b, pos)
		if len(bytes.Trim(l, " \t\r")) == 0 {
			if next < 0 {
				return nil, 0, false, nil // blank to the end
			}
			pos, n = next, n+1
			continue
		}
		if !isFrontMarker(bytes.TrimLeft(l, " \t")) {
			return nil, 0, false, nil
		}
		if next < 0 {
			return nil, 0, false, unclosedFrontMatter(n)
		}
		pos = next
		break
	}
	open, start := n, pos
	for {
		if pos-start > MaxFrontMatterSize {
			return nil, 0, false, &MetadataError{Line: open, Msg: fmt.Sprintf("the front matter opened by \"---\" is larger than %d bytes (1 MiB)", MaxFrontMatterSize)}
		}
		l, next := frontLineAt(b, pos)
		if isFrontMarker(l) {
			return b[start:pos:pos], open + 1, true, nil
		}
		if next < 0 {
			return nil, 0, false, unclosedFrontMatter(open)
		}
		pos = next
	}
}

// frontLineAt returns the line starting at pos, without its "\n", and where the
// next line starts (-1 at the end of b).
func frontLineAt(b []byte, pos int) ([]byte, int) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return b[pos:], -1
	}
	return b[pos : pos+i], pos + i + 1
}

// isFrontMarker reports whether l is "---" followed only by spaces, tabs or a CR.
func isFrontMarker(l []byte) bool {
	return bytes.HasPrefix(l, []byte("---")) && len(bytes.TrimRight(l[3:], " \t\r")) == 0
}

func unclosedFrontMatter(line int) error {
	return &MetadataError{Line: line, Msg: `the front matter opened by "---" is not closed; end it with a line holding only "---"`}
}

// ParseReadme reads a Space's configuration from its README.md. A README
// without front matter is an empty configuration. Every problem is a
// *MetadataError naming the README line, the key, the bad value and what is
// allowed; when there are several, the error joins them (errors.Join, one
// per line, at most 10) in README order, so errors.As finds the first.
//
// Decisions, where YAML or the Hub leave room:
//
//   - The YAML is read as YAML 1.2: booleans are true and false (also True,
//     TRUE, False, FALSE); yes, no, on, off and quoted "true" are strings,
//     so they are rejected where a boolean is due, with a message that
//     says to write true or false. Whole numbers must be unquoted.
//   - Keys must not repeat (YAML requires unique keys; the Hub's own example
//     shows hf_oauth_authorized_org twice only as alternatives).
//   - The front matter must be one YAML mapping; "<<" merge keys are not
//     applied (YAML 1.2 has none). Anchors and aliases work.
//   - hf_oauth_* values are checked even when hf_oauth is false or absent
//     (their presence is no error), so a README is valid or not whatever
//     hf_oauth says.
//   - An unknown key starting with "hf_oauth" is an error, unlike other
//     unknown keys: a misspelt hf_oauth_authorized_org would otherwise
//     silently let everyone sign in. hf_oauth_redirect_path, removed from
//     the Hub in 2023, is still ignored.
//   - Keys hubid does not act on are checked for type only, except the few
//     with documented values (sdk, colors, header, base_path,
//     custom_headers).
func ParseReadme(readme []byte) (md Metadata, err error) {
	defer func() {
		// The yaml package turns its own failures into errors; a panic
		// out of it or this parser is a bug, which must not crash hubid
		// (the fuzz targets look for this message).
		if r := recover(); r != nil {
			md, err = Metadata{}, &MetadataError{Msg: fmt.Sprintf("the front matter could not be read (internal error: %v)", r)}
		}
	}()
	front, line, found, err := SplitFrontMatter(readme)
	if err != nil || !found {
		return Metadata{}, err
	}
	lines := &lineMap{front: front, start: line}
	root, err := decodeFrontMatter(front, lines)
	if err != nil || root == nil {
		return Metadata{}, err
	}
	p := &metaParser{lines: lines}
	p.mapping(root)
	if len(p.errs) == 0 {
		return p.md, nil
	}
	slices.SortStableFunc(p.errs, func(a, b *MetadataError) int { return a.Line - b.Line })
	if len(p.errs) == 1 {
		return Metadata{}, p.errs[0]
	}
	errs := make([]error, 0, maxMetadataErrors+1)
	for i, e := range p.errs {
		if i == maxMetadataErrors {
			errs = append(errs, &MetadataError{Msg: fmt.Sprintf("%d more problems not shown", len(p.errs)-maxMetadataErrors)})
			break
		}
		errs = append(errs, e)
	}
	return Metadata{}, errors.Join(errs...)
}

// yamlLineRE finds the line in yaml's syntax errors ("yaml: line 3: ...").
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserProblems are the messages of the yaml package's parser (as opposed
// to its scanner), whose "line N" counts from 0.
var yamlParserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// decodeFrontMatter parses the front matter into its root node: nil when
// the YAML holds no document or only null.
func decodeFrontMatter(front []byte, lines *lineMap) (*yaml.Node, error) {
	yamlErr := func(e error) error {
		msg := strings.TrimPrefix(e.Error(), "yaml: ")
		l := lines.start // the yaml package leaves out "line N" on its first line
		if m := yamlLineRE.FindStringSubmatch(e.Error()); m != nil {
			if k, err := strconv.Atoi(m[1]); err == nil && k > 0 && k < 1<<30 {
				msg = m[2]
				// Scanner errors count lines from 1, parser errors from 0.
				if yamlParserProblems[msg] {
					k++
				}
				l = lines.readme(k)
			}
		}
		return &MetadataError{Line: l, Msg: "the front matter is not valid YAML: " + msg}
	}
	dec := yaml.NewDecoder(bytes.NewReader(front))
	var doc yaml.Node
	if err := dec.Decode(&doc); err == io.EOF {
		return nil, nil
	} else if err != nil {
		return nil, yamlErr(err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		return nil, &MetadataError{Line: lines.readme(more.Line), Msg: "the front matter holds more than one YAML document; keep one mapping of keys to values"}
	} else if err != io.EOF {
		return nil, yamlErr(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := yamlDeref(doc.Content[0])
	switch {
	case root == nil, yamlIsNull(root):
		return nil, nil
	case root.Kind != yaml.MappingNode:
		return nil, &MetadataError{Line: lines.readme(root.Line), Msg: fmt.Sprintf("the front matter is %s; it must be a mapping of keys to values (key: value lines)", yamlKindName(root))}
	}
	return root, nil
}

// metaParser turns the root mapping into Metadata, collecting problems.
type metaParser struct {
	md    Metadata
	errs  []*MetadataError
	lines *lineMap
}

func (p *metaParser) fail(key string, line int, value, msg, allowed string) {
	p.errs = append(p.errs, &MetadataError{Key: key, Line: p.lines.readme(line), Value: value, Msg: msg, Allowed: allowed})
}

// metaField reads one key's value into the Metadata.
type metaField func(p *metaParser, key string, k, v *yaml.Node)

var metaFields = map[string]metaField{
	"title":              metaString(func(m *Metadata) *string { return &m.Title }),
	"emoji":              metaString(func(m *Metadata) *string { return &m.Emoji }),
	"colorFrom":          metaOneOf(func(m *Metadata) *string { return &m.ColorFrom }, metaColors),
	"colorTo":            metaOneOf(func(m *Metadata) *string { return &m.ColorTo }, metaColors),
	"sdk":                metaOneOf(func(m *Metadata) *string { return &m.SDK }, metaSDKs),
	"sdk_version":        metaString(func(m *Metadata) *string { return &m.SDKVersion }),
	"python_version":     metaString(func(m *Metadata) *string { return &m.PythonVersion }),
	"app_file":           metaString(func(m *Metadata) *string { return &m.AppFile }),
	"app_build_command":  metaString(func(m *Metadata) *string { return &m.AppBuildCommand }),
	"app_port":           metaInt(func(m *Metadata) *int { return &m.AppPort }, 1, 65535, "1 to 65535"),
	"base_path":          metaBasePath,
	"fullWidth":          metaFullWidth,
	"header":             metaOneOf(func(m *Metadata) *string { return &m.Header }, []string{"mini", "default"}),
	"short_description":  metaString(func(m *Metadata) *string { return &m.ShortDescription }),
	"models":             metaList(func(m *Metadata) *[]string { return &m.Models }),
	"datasets":           metaList(func(m *Metadata) *[]string { return &m.Datasets }),
	"tags":               metaList(func(m *Metadata) *[]string { return &m.Tags }),
	"thumbnail":          metaString(func(m *Metadata) *string { return &m.Thumbnail }),
	"pinned":             metaBool(func(m *Metadata) *bool { return &m.Pinned }),
	"license":            metaList(func(m *Metadata) *[]string { return &m.License }),
	"suggested_hardware": metaString(func(m *Metadata) *string { return &m.SuggestedHardware }),
	"suggested_storage":  metaString(func(m *Metadata) *string { return &m.SuggestedStorage }),
	"hf_oauth":           metaBool(func(m *Metadata) *bool { return &m.HFOAuth }),
	"hf_oauth_scopes":    metaScopes,
	"hf_oauth_expiration_minutes": metaInt(func(m *Metadata) *int { return &m.HFOAuthExpirationMinutes },
		1, MaxExpirationMinutes, "1 to 43200 (30 days); leave the key out for the default, 480 (8 hours)"),
	"hf_oauth_authorized_org":  metaOrgs,
	"disable_embedding":        metaBool(func(m *Metadata) *bool { return &m.DisableEmbedding }),
	"startup_duration_timeout": metaString(func(m *Metadata) *string { return &m.StartupDurationTimeout }),
	"custom_headers":           metaCustomHeaders,
	"preload_from_hub":         metaList(func(m *Metadata) *[]string { return &m.PreloadFromHub }),
}

var (
	metaColors            = []string{"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
	metaSDKs              = []string{"gradio", "docker", "static", "streamlit"}
	metaCustomHeaderNames = []string{"cross-origin-embedder-policy", "cross-origin-opener-policy", "cross-origin-resource-policy"}
)

// ignoredOAuthKeys are hf_oauth keys the Hub no longer reads.
var ignoredOAuthKeys = map[string]bool{"hf_oauth_redirect_path": true}

func (p *metaParser) mapping(root *yaml.Node) {
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := yamlDeref(root.Content[i]), yamlDeref(root.Content[i+1])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue // a complex key is no key of ours
		}
		key := k.Value
		if first, dup := seen[key]; dup {
			p.fail(metaDisplayString(key, false), k.Line, "", fmt.Sprintf("appears twice (first on line %d); keep one", p.lines.readme(first)), "")
			continue
		}
		seen[key] = k.Line
		f, ok := metaFields[key]
		switch {
		case ok:
			if v != nil && !yamlIsNull(v) {
				f(p, key, k, v)
			}
		case isOAuthKeyLookalike(key):
			p.fail(metaDisplayString(key, false), k.Line, "", "is not a Space metadata key"+suggestOAuthKey(key), "hf_oauth, hf_oauth_scopes, hf_oauth_expiration_minutes, hf_oauth_authorized_org")
		}
	}
}

// isOAuthKeyLookalike reports whether an unknown key looks like an hf_oauth
// key: it starts with hf_oauth in any case, with '-' or '_'.
func isOAuthKeyLookalike(key string) bool {
	return strings.HasPrefix(normalizeKey(key), "hf_oauth") && !ignoredOAuthKeys[key]
}

func normalizeKey(key string) string {
	return strings.ToLower(strings.ReplaceAll(key, "-", "_"))
}

// suggestOAuthKey names the known hf_oauth key that key most likely means.
func suggestOAuthKey(key string) string {
	switch k := normalizeKey(key); {
	case k == "hf_oauth":
		return " (did you mean hf_oauth?)"
	case strings.Contains(k, "org"):
		return " (did you mean hf_oauth_authorized_org?)"
	case strings.Contains(k, "scope"):
		return " (did you mean hf_oauth_scopes?)"
	case strings.Contains(k, "expir"):
		return " (did you mean hf_oauth_expiration_minutes?)"
	}
	return ""
}

func metaString(ptr func(*Metadata) *string) metaField {
	return func(p *metaParser, key string, k, v *yaml.Node) {
		if s, ok := p.scalar(key, k, v, "a string"); ok {
			*ptr(&p.md) = s
		}
	}
}

func metaOneOf(ptr func(*Metadata) *string, allowed []string) metaField {
	return func(p *metaParser, key string, k, v *yaml.Node) {
		s, ok := p.scalar(key, k, v, "a string")
		if !ok {
			return
		}
		if !slices.Contains(allowed, s) {
			p.fail(key, v.Line, metaDisplay(v), "is not allowed", strings.Join(allowed, ", "))
			return
		}
		*ptr(&p.md) = s
	}
}

func metaBasePath(p *metaParser, key string, k, v *yaml.Node) {
	s, ok := p.scalar(key, k, v, "a path")
	if !ok {
		return
	}
	if !strings.HasPrefix(s, "/") {
		p.fail(key, v.Line, metaDisplay(v), "does not start with \"/\"", "a path starting with \"/\", such as /app")
		return
	}
	p.md.BasePath = s
}

// scalar returns v's text, or fails when v is a list or mapping.
func (p *metaParser) scalar(key string, k, v *yaml.Node, want string) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		p.fail(key, k.Line, "", fmt.Sprintf("must be %s, not %s", want, yamlKindName(v)), "")
		return "", false
	}
	return v.Value, true
}

func metaList(ptr func(*Metadata) *[]string) metaField {
	return func(p *metaParser, key string, k, v *yaml.Node) {
		if l, ok := p.list(key, k, v, "a string"); ok {
			*ptr(&p.md) = l
		}
	}
}

// list reads a list of scalars, or one scalar as a list of one; null items
// are left out.
func (p *metaParser) list(key string, k, v *yaml.Node, want string) ([]string, bool) {
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{v.Value}, true
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		ok := true
		for _, it := range v.Content {
			it = yamlDeref(it)
			switch {
			case it == nil || yamlIsNull(it):
			case it.Kind != yaml.ScalarNode:
				p.fail(key, max(it.Line, k.Line), "", fmt.Sprintf("has an item that is %s; each item must be %s", yamlKindName(it), want), "")
				ok = false
			default:
				out = append(out, it.Value)
			}
		}
		return out, ok
	}
	p.fail(key, k.Line, "", fmt.Sprintf("must be %s or a list of them, not %s", want, yamlKindName(v)), "")
	return nil, false
}

func metaBool(ptr func(*Metadata) *bool) metaField {
	return func(p *metaParser, key string, k, v *yaml.Node) {
		if b, ok := p.boolean(key, k, v); ok {
			*ptr(&p.md) = b
		}
	}
}

func metaFullWidth(p *metaParser, key string, k, v *yaml.Node) {
	if b, ok := p.boolean(key, k, v); ok {
		p.md.FullWidth = &b
	}
}

// boolean accepts YAML 1.2 booleans only.
func (p *metaParser) boolean(key string, k, v *yaml.Node) (bool, bool) {
	const allowed = "true or false"
	if v.Kind != yaml.ScalarNode {
		p.fail(key, k.Line, "", "must be true or false, not "+yamlKindName(v), "")
		return false, false
	}
	if v.ShortTag() == "!!bool" {
		switch v.Value {
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
	}
	msg := "is not a boolean"
	switch {
	case yamlQuoted(v):
		switch strings.ToLower(v.Value) {
		case "true", "false":
			msg = "is a string, not a boolean; write it without quotes"
		}
	case isYAML11Bool(v.Value):
		msg = fmt.Sprintf("is not a boolean in YAML 1.2 (it is the string %q)", v.Value)
	}
	p.fail(key, v.Line, metaDisplay(v), msg, allowed)
	return false, false
}

func isYAML11Bool(s string) bool {
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off":
		return true
	}
	return false
}

func metaInt(ptr func(*Metadata) *int, lo, hi int, allowed string) metaField {
	return func(p *metaParser, key string, k, v *yaml.Node) {
		if v.Kind != yaml.ScalarNode {
			p.fail(key, k.Line, "", "must be a whole number, not "+yamlKindName(v), allowed)
			return
		}
		n, inRange, isInt := parseYAMLInt(v.Value)
		switch tag := v.ShortTag(); {
		case tag == "!!str" && isInt:
			p.fail(key, v.Line, metaDisplay(v), "is a string, not a whole number; write it without quotes", allowed)
		case tag == "!!str" || !isInt && tag != "!!int":
			p.fail(key, v.Line, metaDisplay(v), "is not a whole number", allowed)
		case !isInt:
			p.fail(key, v.Line, metaDisplay(v), "is not a whole number in YAML 1.2 (write plain digits)", allowed)
		case !inRange || n < int64(lo) || n > int64(hi):
			p.fail(key, v.Line, metaDisplay(v), "is out of range", allowed)
		default:
			*ptr(&p.md) = int(n)
		}
	}
}

// parseYAMLInt reads an integer of YAML 1.2's core schema: decimal digits
// with an optional sign, 0o octal or 0x hexadecimal. (The yaml package also
// takes YAML 1.1's 0777 octal, 0b binary and '_' separators.) inRange is
// false when s is an integer too large for int64.
func parseYAMLInt(s string) (n int64, inRange, isInt bool) {
	base, digits := 10, s
	switch {
	case strings.HasPrefix(s, "0o"):
		base, digits = 8, s[2:]
	case strings.HasPrefix(s, "0x"):
		base, digits = 16, s[2:]
	case strings.HasPrefix(s, "+"):
		digits = s[1:]
	case strings.HasPrefix(s, "-"):
		digits = s[1:]
	}
	if digits == "" {
		return 0, false, false
	}
	for _, c := range digits {
		if !(c >= '0' && c <= '9' || base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) || base == 8 && c > '7' {
			return 0, false, false
		}
	}
	if base != 10 {
		s = digits
	}
	n, err := strconv.ParseInt(s, base, 64)
	return n, err == nil, true
}

func metaScopes(p *metaParser, key string, k, v *yaml.Node) {
	var names []string
	switch v.Kind {
	case yaml.ScalarNode:
		// One space-separated string, like OAUTH_SCOPES.
		names = strings.Fields(v.Value)
		ok := true
		for _, s := range names {
			if !p.checkScope(key, v.Line, s) {
				ok = false
			}
		}
		if !ok {
			return
		}
	case yaml.SequenceNode:
		ok := true
		for _, it := range v.Content {
			it = yamlDeref(it)
			switch {
			case it == nil || yamlIsNull(it):
			case it.Kind != yaml.ScalarNode:
				p.fail(key, max(it.Line, k.Line), "", fmt.Sprintf("has an item that is %s; each item must be a scope name", yamlKindName(it)), strings.Join(oidc.ScopeNames(), ", "))
				ok = false
			case p.checkScope(key, it.Line, it.Value):
				names = append(names, it.Value)
			default:
				ok = false
			}
		}
		if !ok {
			return
		}
	default:
		p.fail(key, k.Line, "", "must be a list of scopes or one space-separated string, not "+yamlKindName(v), "")
		return
	}
	if len(names) > 0 {
		p.md.HFOAuthScopes = names
	}
}

func (p *metaParser) checkScope(key string, line int, s string) bool {
	if oidc.KnownScope(s) {
		return true
	}
	msg := "is not a known scope"
	if strings.Contains(s, ",") {
		msg += " (separate scopes with spaces, or write a YAML list)"
	}
	p.fail(key, line, metaDisplayString(s, false), msg, strings.Join(oidc.ScopeNames(), ", "))
	return false
}

const metaOrgRule = "org names of letters, digits, '-', '_' and '.' (no \"--\" or \"..\"), starting and ending with a letter or digit, at most 96 characters"

func metaOrgs(p *metaParser, key string, k, v *yaml.Node) {
	names, ok := p.list(key, k, v, "an org name")
	if !ok {
		return
	}
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = items[:0]
		for _, it := range v.Content {
			if it = yamlDeref(it); it != nil && !yamlIsNull(it) {
				items = append(items, it)
			}
		}
	}
	for i, name := range names {
		if !validOrgName(name) {
			p.fail(key, items[i].Line, metaDisplay(items[i]), "is not a valid org name", metaOrgRule)
			ok = false
		}
	}
	if ok && len(names) > 0 {
		p.md.HFOAuthAuthorizedOrgs = names
	}
}

func validOrgName(s string) bool {
	if s == "" || len(s) > 96 || !isASCIIAlnum(s[0]) || !isASCIIAlnum(s[len(s)-1]) ||
		strings.Contains(s, "--") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isASCIIAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func metaCustomHeaders(p *metaParser, key string, k, v *yaml.Node) {
	if v.Kind != yaml.MappingNode {
		p.fail(key, k.Line, "", "must be a mapping of header names to values, not "+yamlKindName(v), "")
		return
	}
	out := map[string]string{}
	ok := true
	allowed := strings.Join(metaCustomHeaderNames, ", ") + " (lowercase)"
	for i := 0; i+1 < len(v.Content); i += 2 {
		hk, hv := yamlDeref(v.Content[i]), yamlDeref(v.Content[i+1])
		if hk == nil || hv == nil {
			continue
		}
		if hk.Kind != yaml.ScalarNode || !slices.Contains(metaCustomHeaderNames, hk.Value) {
			p.fail(key, max(hk.Line, k.Line), metaDisplay(hk), "is not an allowed header", allowed)
			ok = false
			continue
		}
		if _, dup := out[hk.Value]; dup {
			p.fail(key, hk.Line, metaDisplay(hk), "appears twice", "")
			ok = false
			continue
		}
		if hv.Kind != yaml.ScalarNode {
			p.fail(key, max(hv.Line, hk.Line), "", fmt.Sprintf("%s must be a string, not %s", hk.Value, yamlKindName(hv)), "")
			ok = false
			continue
		}
		if hv.Value != strings.ToLower(hv.Value) || strings.ContainsAny(hv.Value, "\r\n") {
			p.fail(key, hv.Line, metaDisplay(hv), "is not a lowercase header value", "lowercase values such as require-corp or same-origin")
			ok = false
			continue
		}
		out[hk.Value] = hv.Value
	}
	if ok && len(out) > 0 {
		p.md.CustomHeaders = out
	}
}

// lineMap turns the yaml package's line numbers in the front matter into
// README lines. They differ when the YAML has line breaks other than LF and
// CRLF: YAML also breaks lines at a lone CR, and the yaml package at NEL,
// LS and PS as well, while README lines end at LF only.
type lineMap struct {
	front []byte
	start int   // README line of the front matter's first line
	lines []int // README line of each YAML line, built when first needed
}

// readme returns the README line of 1-based YAML line y, clamped to the
// front matter's lines.
func (m *lineMap) readme(y int) int {
	if m.lines == nil {
		m.build()
	}
	return m.lines[min(max(y, 1), len(m.lines))-1]
}

func (m *lineMap) build() {
	b, n := m.front, m.start
	m.lines = append(m.lines, n)
	for i := 0; i < len(b); {
		switch {
		case b[i] == '\n':
			n++
			i++
		case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
			n++
			i += 2
		case b[i] == '\r':
			i++
		case b[i] == 0xC2 && i+1 < len(b) && b[i+1] == 0x85: // NEL
			i += 2
		case b[i] == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9): // LS, PS
			i += 3
		default:
			i++
			continue
		}
		m.lines = append(m.lines, n)
	}
}

// yamlDeref follows aliases to the node they name (nil for a dangling one).
func yamlDeref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == 16 {
			return nil
		}
		n = n.Alias
	}
	return n
}

func yamlIsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && !yamlQuoted(n) && n.ShortTag() == "!!null"
}

func yamlQuoted(n *yaml.Node) bool {
	return n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
}

// yamlKindName names what a node is, for messages.
func yamlKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "empty"
}

// metaDisplay renders a scalar as written: quoted if the README quoted it, or
// if it has spaces at its ends, line breaks or control characters.
func metaDisplay(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return metaDisplayString(n.Value, yamlQuoted(n) || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0)
}

func metaDisplayString(s string, quote bool) string {
	s = metaTruncate(s)
	if quote || s == "" || strings.TrimSpace(s) != s || strings.IndexFunc(s, func(r rune) bool {
		return r < ' ' || r == 0x7f || r == utf8.RuneError
	}) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// metaTruncate shortens s to at most 64 runes.
func metaTruncate(s string) string {
	const n = 64
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
