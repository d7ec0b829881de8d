package signin

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hubid/hubid/oidc"
)

// Defaults used by New for fields left zero.
const (
	// DefaultLeeway is the clock skew tolerated when checking an ID token's
	// exp and iat.
	DefaultLeeway = 60 * time.Second
	// DefaultSessionLifetime caps a session that the provider can refresh:
	// after this long since login the user signs in again.
	DefaultSessionLifetime = 30 * 24 * time.Hour
	// DefaultCookieName is the session cookie's name (over https it gets
	// the __Host- prefix).
	DefaultCookieName = "hf_signin"
	// DefaultHTTPTimeout bounds each call to the provider when Config.HTTPClient is nil.
	DefaultHTTPTimeout = 10 * time.Second
)

// FlowLifetime is how long a login may take, from the click on the button
// to the provider's answer at the callback (sign-in and consent included).
const FlowLifetime = 10 * time.Minute

// MaxRedirects is how many times a login whose flow cookie was lost is
// restarted before the user is sent to the Space host at top level (see
// the package documentation).
const MaxRedirects = 2

// Config is everything a SignIn needs. Only Issuer and ClientID are
// required; FromEnv fills in what a Space provides.
type Config struct {
	// Issuer is the OpenID provider, as in OPENID_PROVIDER_URL:
	// https://huggingface.co, or a hubid such as http://127.0.0.1:8080.
	// Discovery is read from Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID identifies the app (OAUTH_CLIENT_ID).
	ClientID string
	// ClientSecret authenticates the app at the token endpoint
	// (OAUTH_CLIENT_SECRET, sent as HTTP Basic). With none the app is a
	// public client and proves itself with PKCE alone; PKCE (S256) is used
	// in any case.
	ClientSecret string
	// Scopes to ask for; "openid" is always added. Default "openid profile".
	Scopes []string

	// Hosts are the hosts ("host" or "host:port") the app is served at,
	// primary first, as in SPACE_HOST. The callback URL is built on the
	// request's host when it is one of these, else on the first; see the
	// package documentation for the whole rule. Empty means local
	// development: only loopback hosts (localhost, *.localhost, 127.0.0.1,
	// [::1]) are served, over http.
	Hosts []string
	// RedirectURL, when set, is the one callback URL used whatever the
	// request, e.g. "https://app.example.com/auth/callback"; its path is
	// then where Handler serves the callback.
	RedirectURL string
	// Prefix is where Handler's routes live: Prefix+"/login/huggingface",
	// Prefix+"/login/callback" and Prefix+"/logout". "" (the default) or a
	// path such as "/app", without trailing slash.
	Prefix string
	// CallbackPath overrides the callback's path (default
	// Prefix+"/login/callback"), e.g. "/auth/callback".
	CallbackPath string
	// AfterLogout is where logout sends the browser when the request names
	// no page to return to: a path on the app (default Prefix+"/").
	AfterLogout string
	// LocalLogout keeps logout local: the session is cleared but the
	// browser is not sent to the provider's end_session_endpoint, so the
	// user stays signed in at the provider.
	LocalLogout bool
	// TrustForwardedProto makes the SDK believe the X-Forwarded-Proto
	// header when it decides whether a loopback host was reached over
	// https. Set it only when every request comes through a proxy that sets
	// the header and drops what clients send (Spaces and "hubid space run"
	// do; FromEnv sets it when SYSTEM=spaces). It never changes the host.
	TrustForwardedProto bool

	// AuthParams are extra authorization request parameters, e.g.
	// url.Values{"orgIds": {"<org sub>"}} to ask for an organization.
	// Parameters the SDK sets itself (state, nonce, PKCE, client_id,
	// redirect_uri, response_type, scope) are refused.
	AuthParams url.Values

	// Store keeps flows and sessions (default: a MemoryStore with
	// DefaultMemoryStoreSize entries).
	Store Store
	// HTTPClient makes every call to the provider (discovery, JWKS, token,
	// userinfo). Default: a client with a DefaultHTTPTimeout timeout.
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Leeway is the clock skew tolerated on ID-token times (default
	// DefaultLeeway). The nonce is always checked.
	Leeway time.Duration
	// SessionLifetime caps how long a refreshable session lasts (default
	// DefaultSessionLifetime). A session without a refresh token ends when
	// its access token expires.
	SessionLifetime time.Duration
	// Cookie tunes the cookies.
	Cookie CookieOptions
	// OnLogin, when set, is called once per login, at the callback, after
	// the provider's answer passed every check and before the session
	// starts, with the callback request and copies of the user and token
	// the session will hold: the place to create a local user row or to
	// restrict who signs in. It is not called when a session is refreshed.
	// An error refuses the login: no session starts (a session the browser
	// already had is left as it was), the error is logged, and the browser
	// gets a page saying so: 403 with the reason for an error made by
	// Refuse, else 500 asking to try again (the error's text is not shown).
	OnLogin func(r *http.Request, u *User, t *Token) error
	// Logger receives what went wrong behind an error page (never a token).
	// Default slog.Default().
	Logger *slog.Logger
}

// CookieOptions tune the SDK's cookies. The defaults fit Spaces: see the
// package documentation.
type CookieOptions struct {
	// Name is the session cookie's name (default DefaultCookieName); flow
	// cookies are named Name+"_flow_"+a short hash. Over https the names
	// get the __Host- prefix.
	Name string
	// SameSite overrides the automatic choice (None over https so that the
	// cookie works inside the Spaces iframe, Lax over http). None is
	// ignored over http, where browsers would drop the cookie.
	SameSite http.SameSite
	// Unpartitioned leaves out the Partitioned attribute (CHIPS) that
	// cookies get over https.
	Unpartitioned bool
}

// reservedAuthParams are set by the SDK on every authorization request.
var reservedAuthParams = []string{
	"state", "nonce", "code_challenge", "code_challenge_method", "client_id",
	"redirect_uri", "response_type", "scope",
}

// Validate reports every problem with c in one error.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if c.Issuer == "" {
		add("Issuer is empty: set it to the provider's URL, e.g. https://huggingface.co (OPENID_PROVIDER_URL)")
	} else if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		add("Issuer %q is not an absolute http(s) URL", c.Issuer)
	} else if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		add("Issuer %q uses http on a host that is not loopback; use https", c.Issuer)
	}
	if c.ClientID == "" {
		add("ClientID is empty: set it to the app's client id (OAUTH_CLIENT_ID)")
	}
	for _, h := range c.Hosts {
		if !validHost(h) {
			add("host %q is not a host or host:port (no scheme, no path)", h)
		}
	}
	if c.RedirectURL != "" {
		u, err := url.Parse(c.RedirectURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			add("RedirectURL %q is not an absolute http(s) URL", c.RedirectURL)
		case u.Scheme == "http" && !isLoopback(u.Hostname()):
			add("RedirectURL %q uses http on a host that is not loopback; providers accept only https there", c.RedirectURL)
		case u.Fragment != "" || strings.Contains(c.RedirectURL, "#"):
			add("RedirectURL %q has a fragment", c.RedirectURL)
		case u.Path == "" || u.Path == "/":
			add("RedirectURL %q has no path; give the callback's path, e.g. /login/callback", c.RedirectURL)
		case strings.ContainsAny(u.Path, "{} "):
			add("RedirectURL %q has braces or spaces in its path", c.RedirectURL)
		}
	}
	if c.Prefix != "" && (!strings.HasPrefix(c.Prefix, "/") || strings.HasSuffix(c.Prefix, "/") || strings.ContainsAny(c.Prefix, "?#{} ")) {
		add("Prefix %q must start with / and not end with / (e.g. /app), or be empty", c.Prefix)
	}
	if c.CallbackPath != "" && (!strings.HasPrefix(c.CallbackPath, "/") || strings.ContainsAny(c.CallbackPath, "?#{} ")) {
		add("CallbackPath %q must be a path starting with /", c.CallbackPath)
	}
	if c.AfterLogout != "" && safeReturn(c.AfterLogout) != c.AfterLogout {
		add("AfterLogout %q must be a path on this app, such as /", c.AfterLogout)
	}
	for _, p := range reservedAuthParams {
		if c.AuthParams.Has(p) {
			add("AuthParams sets %q, which the SDK sets itself", p)
		}
	}
	if c.Leeway < 0 {
		add("Leeway is negative")
	}
	if c.SessionLifetime < 0 {
		add("SessionLifetime is negative")
	}
	if c.Cookie.Name != "" && !validCookieName(c.Cookie.Name) {
		add("Cookie.Name %q must be letters, digits, '_' or '-'", c.Cookie.Name)
	}
	if len(problems) > 0 {
		return errors.New("signin: configuration: " + strings.Join(problems, "; "))
	}
	return nil
}

// EnvError is FromEnv's error: which variables are missing.
type EnvError struct {
	// Missing names the variables that are unset or empty.
	Missing []string
}

// Error names every missing variable and says where they come from.
func (e *EnvError) Error() string {
	var b strings.Builder
	verb := "is"
	if len(e.Missing) > 1 {
		verb = "are"
	}
	fmt.Fprintf(&b, "signin: %s %s not set", strings.Join(e.Missing, ", "), verb)
	oauth := slices.ContainsFunc(e.Missing, func(s string) bool { return s != "SPACE_HOST" })
	if oauth {
		b.WriteString(". OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_SCOPES and OPENID_PROVIDER_URL come from `hf_oauth: true` in the front matter of the Space's README.md" +
			" (on huggingface.co, or locally with `hubid space run DIR --space owner/name -- CMD`); for a plain local run, start `hubid dev` and export the variables it prints")
	}
	if slices.Contains(e.Missing, "SPACE_HOST") {
		b.WriteString(". SPACE_HOST is set by Spaces and by `hubid space run`; for a plain local run set it to where the app listens, e.g. SPACE_HOST=localhost:8000")
	}
	return b.String()
}

// FromEnv returns the configuration a Space's environment describes:
// OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_SCOPES (space separated),
// OPENID_PROVIDER_URL and SPACE_HOST (comma separated, primary first). A
// missing variable is an *EnvError naming it. When SYSTEM=spaces (set on
// Spaces and by "hubid space run", which both put a proxy in front of the
// app) it also sets TrustForwardedProto. Adjust the other fields before
// calling New.
func FromEnv() (Config, error) {
	names := []string{"OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_SCOPES", "OPENID_PROVIDER_URL", "SPACE_HOST"}
	vals := map[string]string{}
	var missing []string
	for _, n := range names {
		v := strings.TrimSpace(os.Getenv(n))
		if v == "" {
			missing = append(missing, n)
		}
		vals[n] = v
	}
	if len(missing) > 0 {
		return Config{}, &EnvError{Missing: missing}
	}
	cfg := Config{
		Issuer:              strings.TrimSuffix(vals["OPENID_PROVIDER_URL"], "/"),
		ClientID:            vals["OAUTH_CLIENT_ID"],
		ClientSecret:        vals["OAUTH_CLIENT_SECRET"],
		Scopes:              splitScopes(vals["OAUTH_SCOPES"]),
		Hosts:               splitHosts(vals["SPACE_HOST"]),
		TrustForwardedProto: os.Getenv("SYSTEM") == "spaces",
	}
	return cfg, cfg.Validate()
}

// splitScopes accepts space or comma separated scope lists.
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// splitHosts splits SPACE_HOST: comma separated, primary first. A scheme
// or trailing slash someone added by hand is dropped.
func splitHosts(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(h)
		if i := strings.Index(h, "://"); i >= 0 {
			h = h[i+3:]
		}
		h = strings.ToLower(strings.TrimSuffix(h, "/"))
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	c.Issuer = strings.TrimSuffix(c.Issuer, "/")
	if len(c.Scopes) == 0 {
		c.Scopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile}
	}
	if !slices.Contains(c.Scopes, oidc.ScopeOpenID) {
		c.Scopes = append([]string{oidc.ScopeOpenID}, c.Scopes...)
	}
	c.Scopes = slices.Clone(c.Scopes)
	hosts := make([]string, 0, len(c.Hosts))
	for _, h := range c.Hosts {
		hosts = append(hosts, strings.ToLower(h))
	}
	c.Hosts = hosts
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.SessionLifetime == 0 {
		c.SessionLifetime = DefaultSessionLifetime
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.Store == nil {
		c.Store = NewMemoryStore(0, c.Now)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Cookie.Name == "" {
		c.Cookie.Name = DefaultCookieName
	}
	if c.CallbackPath == "" {
		c.CallbackPath = c.Prefix + "/login/callback"
	}
	if c.RedirectURL != "" {
		u, _ := url.Parse(c.RedirectURL)
		c.CallbackPath = u.EscapedPath()
	}
	if c.AfterLogout == "" {
		c.AfterLogout = c.Prefix + "/"
	}
	return c
}

// validHost accepts "host" or "host:port".
func validHost(h string) bool {
	if h == "" || strings.ContainsAny(h, "/?#@ \t") {
		return false
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = h, ""
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			return false
		}
	}
	if port != "" {
		for _, r := range port {
			if r < '0' || r > '9' {
				return false
			}
		}
	}
	return host != ""
}

func validCookieName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return s != ""
}
