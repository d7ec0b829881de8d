package resource

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hubid/hubid/oidc"
)

// Config configures a Server: an API (a repo API, an
// inference gateway) that accepts the hub's OAuth access tokens and checks
// them with the hub's introspection endpoint (RFC 7662).
type Config struct {
	// Issuer is the hub, e.g. OPENID_PROVIDER_URL.
	Issuer string
	// ClientID and ClientSecret authenticate the resource server to the
	// hub's introspection endpoint: a confidential app of its own.
	ClientID, ClientSecret string
	// CacheTTL is how long an answer is reused. A revoked token keeps
	// working at most this long. Default 30 s; negative disables the cache.
	CacheTTL time.Duration
	// CacheSize bounds the cache (default 10,000 tokens).
	CacheSize int
	// HTTPClient talks to the hub (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server checks bearer tokens against the hub. It is safe for concurrent
// use. Make it with New.
type Server struct {
	cfg      Config
	endpoint string

	mu    sync.Mutex
	cache map[[32]byte]cachedIntrospection
}

// TokenInfo is what the hub says about a bearer token. TokenType is
// "bearer" for an access token (RFC 7662 §2.2, RFC 6749 §5.1; compared
// case-insensitively); the hub answers another value, such as
// "refresh_token", for tokens that are not access tokens.
type TokenInfo struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope"`
	ClientID  string `json:"client_id"`
	Username  string `json:"username"`
	Sub       string `json:"sub"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	TokenType string `json:"token_type"`
	// Orgs are the organizations the token's grant reaches: the ones the
	// user ticked for the app on the consent page (hubid's introspection
	// extension). Scopes that reach orgs (read-repos, inference-api, …)
	// apply to these orgs and to no other.
	Orgs []Org `json:"orgs,omitempty"`
}

// Org is an organization a token's grant reaches.
type Org struct {
	// Sub is the org's id.
	Sub string `json:"sub"`
	// Name is the org's handle, e.g. "demo-org".
	Name string `json:"preferred_username"`
}

// ReachesOrg says whether the token's grant reaches the org named org (its
// handle, compared ignoring case, or its id).
func (t *TokenInfo) ReachesOrg(org string) bool {
	for _, o := range t.Orgs {
		if o.Sub == org || strings.EqualFold(o.Name, org) {
			return true
		}
	}
	return false
}

// IsAccessToken says whether the hub described an access token, the only
// kind a resource server accepts: token_type "bearer". A live refresh token
// is active too, but is no bearer credential.
func (t *TokenInfo) IsAccessToken() bool { return strings.EqualFold(t.TokenType, oidc.TokenTypeBearer) }

// Scopes returns the token's scopes.
func (t *TokenInfo) Scopes() []string { return strings.Fields(t.Scope) }

type cachedIntrospection struct {
	info    TokenInfo
	expires time.Time
}

// New reads the hub's discovery document for its introspection
// endpoint.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("resource: a Server needs Issuer, ClientID and ClientSecret (a confidential app of its own on the hub)")
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 30 * time.Second
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 10000
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, err
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("resource: read the hub's discovery document: %w", err)
	}
	defer resp.Body.Close()
	var d oidc.Discovery
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("resource: the hub's discovery document answered %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return nil, fmt.Errorf("resource: the hub's discovery document: %w", err)
	}
	if d.IntrospectionEndpoint == "" {
		return nil, errors.New("resource: the hub advertises no introspection_endpoint; a resource server cannot check its tokens")
	}
	return &Server{cfg: cfg, endpoint: d.IntrospectionEndpoint, cache: map[[32]byte]cachedIntrospection{}}, nil
}

// Introspect asks the hub about token, or answers from the cache.
func (rs *Server) Introspect(ctx context.Context, token string) (TokenInfo, error) {
	key := sha256.Sum256([]byte(token))
	now := rs.cfg.Now()
	if rs.cfg.CacheTTL > 0 {
		rs.mu.Lock()
		c, ok := rs.cache[key]
		rs.mu.Unlock()
		if ok && now.Before(c.expires) {
			return c.info, nil
		}
	}
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rs.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return TokenInfo{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(rs.cfg.ClientID), url.QueryEscape(rs.cfg.ClientSecret))
	resp, err := rs.cfg.HTTPClient.Do(req)
	if err != nil {
		return TokenInfo{}, fmt.Errorf("resource: introspect: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return TokenInfo{}, fmt.Errorf("resource: introspect: the hub answered %s", resp.Status)
	}
	var info TokenInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return TokenInfo{}, fmt.Errorf("resource: introspect: %w", err)
	}
	if info.Active && info.Exp != 0 && !now.Before(time.Unix(info.Exp, 0)) {
		info = TokenInfo{}
	}
	if rs.cfg.CacheTTL > 0 {
		expires := now.Add(rs.cfg.CacheTTL)
		if info.Active && info.Exp != 0 && time.Unix(info.Exp, 0).Before(expires) {
			expires = time.Unix(info.Exp, 0)
		}
		rs.mu.Lock()
		if len(rs.cache) >= rs.cfg.CacheSize {
			for k, c := range rs.cache { // drop what has expired, else one entry
				if !now.Before(c.expires) || len(rs.cache) >= rs.cfg.CacheSize {
					delete(rs.cache, k)
				}
				if len(rs.cache) < rs.cfg.CacheSize/2 {
					break
				}
			}
		}
		rs.cache[key] = cachedIntrospection{info: info, expires: expires}
		rs.mu.Unlock()
	}
	return info, nil
}

type tokenInfoKey struct{}

// TokenInfoFrom returns what the hub said about the request's bearer
// token, which RequireScope put in the request's context, for code that
// has only ctx (r.Context() or a context derived from it); nil outside
// RequireScope.
func TokenInfoFrom(ctx context.Context) *TokenInfo {
	t, _ := ctx.Value(tokenInfoKey{}).(*TokenInfo)
	return t
}

// RequireScope returns a middleware that lets through requests whose
// bearer token is an access token (token_type "bearer") active on the hub
// and carrying every scope in scopes:
//
//	mux.Handle("GET /api/repos", rs.RequireScope("read-repos")(repos))
//
// Others get 401 invalid_token (no, bad, expired or revoked token, or a
// refresh token) or 403 insufficient_scope, with the WWW-Authenticate
// header of RFC 6750 §3; a hub that cannot be reached gives 503. Inside
// the handler, TokenInfoFrom(r.Context()) says whose token it is.
func (rs *Server) RequireScope(scopes ...string) func(http.Handler) http.Handler {
	scopes = slices.Clone(scopes)
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rs.serveChecked(w, r, h, scopes, "")
		})
	}
}

// RequireOrgAccess returns middleware that lets through requests whose
// access token's grant reaches the org named org (its handle or id), as
// RequireScope does for scopes: the user ticked the org for the app on the
// consent page. Others get 401 invalid_token or 403 insufficient_scope.
// Combine it with RequireScope for the scope the handler needs:
//
//	mux.Handle("GET /api/orgs/acme/repos", rs.RequireScope("read-repos")(rs.RequireOrgAccess("acme")(repos)))
func (rs *Server) RequireOrgAccess(org string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rs.serveChecked(w, r, h, nil, org)
		})
	}
}

// serveChecked serves r with h when its bearer token passes (its scopes,
// and its grant reaches org when org is not ""), else refuses it.
func (rs *Server) serveChecked(w http.ResponseWriter, r *http.Request, h http.Handler, scopes []string, org string) {
	deny := func(status int, code, desc string) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error=%q, error_description=%q, scope=%q`, code, desc, strings.Join(scopes, " ")))
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	auth := r.Header.Get("Authorization")
	if len(auth) < 8 || !strings.EqualFold(auth[:7], "Bearer ") {
		deny(http.StatusUnauthorized, "invalid_token", "send Authorization: Bearer <access token>")
		return
	}
	info, err := rs.Introspect(r.Context(), strings.TrimSpace(auth[7:]))
	if err != nil {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable", "error_description": "the hub could not check the token; try again"})
		return
	}
	if !info.Active {
		deny(http.StatusUnauthorized, "invalid_token", "the access token is not active (expired, revoked or unknown)")
		return
	}
	if !info.IsAccessToken() {
		deny(http.StatusUnauthorized, "invalid_token", "the token is not an access token")
		return
	}
	for _, s := range scopes {
		if !slices.Contains(info.Scopes(), s) {
			deny(http.StatusForbidden, "insufficient_scope", "the token lacks the scope "+s)
			return
		}
	}
	if org != "" && !info.ReachesOrg(org) {
		deny(http.StatusForbidden, "insufficient_scope", "the user did not grant this app the organization "+org)
		return
	}
	h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenInfoKey{}, &info)))
}

// writeJSON writes v with its headers set before the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
