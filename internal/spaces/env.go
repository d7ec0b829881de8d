package spaces

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
)

// Var is one environment variable.
type Var struct {
	Name  string
	Value string
	// Secret marks values that are secrets on Spaces (never shown to the
	// browser, never logged).
	Secret bool
}

// Env is a Space's environment, in a stable order.
type Env []Var

// EnvParams is what a Space's environment is made from.
type EnvParams struct {
	Issuer    string // the hub's issuer URL, without trailing slash
	Space     Space
	Metadata  Metadata
	App       store.App // zero when the Space has no OAuth app
	Secret    string    // the client secret, "" when not known
	CreatorID string
	// HFEndpoint is HF_ENDPOINT, the hub's URL for huggingface_hub and
	// gradio inside the Space; "" leaves the variable out.
	HFEndpoint string
}

// BuildEnv returns what Spaces give a Space process: the built-in
// variables (SPACE_ID, SPACE_AUTHOR_NAME, SPACE_REPO_NAME, SPACE_TITLE,
// SPACE_HOST, SPACE_CREATOR_USER_ID, SYSTEM=spaces), HF_ENDPOINT when
// p.HFEndpoint is set (without it huggingface_hub and gradio call
// huggingface.co), and, with hf_oauth,
// OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_SCOPES (space separated, as
// clients pass it straight to authorize) and OPENID_PROVIDER_URL (the
// issuer without trailing slash: clients append the discovery path).
func BuildEnv(p EnvParams) Env {
	title := p.Metadata.Title
	if title == "" {
		title = p.Space.Name
	}
	env := Env{
		{Name: "SYSTEM", Value: "spaces"},
		{Name: "SPACE_ID", Value: p.Space.ID()},
		{Name: "SPACE_AUTHOR_NAME", Value: p.Space.Owner},
		{Name: "SPACE_REPO_NAME", Value: p.Space.Name},
		{Name: "SPACE_TITLE", Value: title},
		{Name: "SPACE_HOST", Value: strings.Join(p.Space.Hosts, ",")},
		{Name: "SPACE_CREATOR_USER_ID", Value: p.CreatorID},
	}
	if p.HFEndpoint != "" {
		env = append(env, Var{Name: "HF_ENDPOINT", Value: strings.TrimSuffix(p.HFEndpoint, "/")})
	}
	if p.Metadata.HFOAuth && p.App.ClientID != "" && !p.App.Disabled {
		env = append(env,
			Var{Name: "OAUTH_CLIENT_ID", Value: p.App.ClientID},
			Var{Name: "OAUTH_CLIENT_SECRET", Value: p.Secret, Secret: true},
			Var{Name: "OAUTH_SCOPES", Value: protocol.JoinScopes(p.App.Scopes)},
			Var{Name: "OPENID_PROVIDER_URL", Value: strings.TrimSuffix(p.Issuer, "/")},
		)
	}
	return env
}

// HFEndpointOff is the value of SyncOptions.HFEndpoint (and of the
// --hf-endpoint flag) that leaves HF_ENDPOINT out of a Space's
// environment.
const HFEndpointOff = "off"

// ParseHFEndpoint checks a choice of HF_ENDPOINT: "" (the hub's issuer),
// HFEndpointOff, or an absolute http(s) URL without query or fragment,
// returned without trailing slash.
func ParseHFEndpoint(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == HFEndpointOff {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", &InputError{Msg: fmt.Sprintf("HF_ENDPOINT %q is not the hub's URL: give an http or https URL such as https://hub.example, or %q to leave HF_ENDPOINT out", s, HFEndpointOff)}
	}
	return strings.TrimSuffix(s, "/"), nil
}

// hfEndpoint is the HF_ENDPOINT a sync with choice gives, for the hub
// whose issuer is issuer ("" when off).
func hfEndpoint(choice, issuer string) string {
	switch choice {
	case "":
		return issuer
	case HFEndpointOff:
		return ""
	}
	return choice
}

// Get returns the value of name, or "".
func (e Env) Get(name string) string {
	for _, v := range e {
		if v.Name == name {
			return v.Value
		}
	}
	return ""
}

// Set sets name, adding it at the end when new.
func (e *Env) Set(name, value string, secret bool) {
	for i := range *e {
		if (*e)[i].Name == name {
			(*e)[i].Value, (*e)[i].Secret = value, secret
			return
		}
	}
	*e = append(*e, Var{Name: name, Value: value, Secret: secret})
}

// Map returns the variables as a map.
func (e Env) Map() map[string]string {
	m := make(map[string]string, len(e))
	for _, v := range e {
		m[v.Name] = v.Value
	}
	return m
}

// Public returns the variables a browser may see: static Spaces expose
// them as window.huggingface.variables. Secrets are left out.
func (e Env) Public() map[string]string {
	m := map[string]string{}
	for _, v := range e {
		if !v.Secret {
			m[v.Name] = v.Value
		}
	}
	return m
}

// List returns NAME=value strings for os/exec.
func (e Env) List() []string {
	out := make([]string, 0, len(e))
	for _, v := range e {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

// Dotenv renders the variables in dotenv format, values quoted when they
// need it.
func (e Env) Dotenv() string {
	var b strings.Builder
	for _, v := range e {
		val := v.Value
		if val == "" || strings.ContainsAny(val, " \t\"'#$\\\n=`") {
			val = strconv.Quote(val)
		}
		fmt.Fprintf(&b, "%s=%s\n", v.Name, val)
	}
	return b.String()
}

// MarshalJSON renders the environment as one JSON object with sorted keys.
func (e Env) MarshalJSON() ([]byte, error) {
	m := e.Map()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(m[k])
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// UnmarshalJSON reads an object of strings; OAUTH_CLIENT_SECRET is marked
// secret.
func (e *Env) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	*e = (*e)[:0]
	for _, k := range keys {
		*e = append(*e, Var{Name: k, Value: m[k], Secret: strings.Contains(k, "SECRET") || strings.Contains(k, "TOKEN")})
	}
	return nil
}
