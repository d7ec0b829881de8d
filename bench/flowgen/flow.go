package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// provider is what discovery and the JWKS say about the OpenID provider.
type provider struct {
	Issuer   string `json:"issuer"`
	AuthzURL string `json:"authorization_endpoint"`
	TokenURL string `json:"token_endpoint"`
	UserURL  string `json:"userinfo_endpoint"`
	JWKSURL  string `json:"jwks_uri"`
	keys     []jose.JSONWebKey
}

// loopbackOnly refuses, at connect time, every address that is not a
// loopback address: the load generator never leaves the machine, whatever
// a discovery document or a redirect says.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("flowgen connects to loopback addresses only, not %s", address)
	}
	return nil
}

// newTransport is one connection pool shared by all workers, with keep-alive
// and enough idle connections per host for every worker to keep its own.
func newTransport(workers int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	return &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        4*workers + 16,
		MaxIdleConnsPerHost: 2*workers + 8,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
}

// discover fetches the discovery document and the JWKS once.
func discover(ctx context.Context, c *http.Client, issuer string) (*provider, error) {
	var p provider
	if err := getJSON(ctx, c, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &p); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if p.Issuer != issuer {
		return nil, fmt.Errorf("discovery: issuer is %q, want %q", p.Issuer, issuer)
	}
	for name, v := range map[string]string{"authorization_endpoint": p.AuthzURL, "token_endpoint": p.TokenURL, "userinfo_endpoint": p.UserURL, "jwks_uri": p.JWKSURL} {
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			return nil, fmt.Errorf("discovery: %s %q is not an absolute URL", name, v)
		}
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := getJSON(ctx, c, p.JWKSURL, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() {
			continue // a key type we cannot use (e.g. an encryption key)
		}
		if k.Use == "" || k.Use == "sig" {
			p.keys = append(p.keys, k)
		}
	}
	if len(p.keys) == 0 {
		return nil, fmt.Errorf("jwks: no usable signature key at %s", p.JWKSURL)
	}
	return &p, nil
}

func getJSON(ctx context.Context, c *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %v", u, err)
	}
	return nil
}

// idClaims are the ID-token claims the flow checks.
type idClaims struct {
	Iss   string   `json:"iss"`
	Sub   string   `json:"sub"`
	Aud   audience `json:"aud"`
	Exp   int64    `json:"exp"`
	Nonce string   `json:"nonce"`
}

// audience is a JWT aud: one string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

var idTokenAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA}

// verifyIDToken checks the signature against the JWKS and the claims the
// flow depends on.
func (p *provider) verifyIDToken(raw, clientID, nonce string, now time.Time) (idClaims, error) {
	var c idClaims
	jws, err := jose.ParseSigned(raw, idTokenAlgs)
	if err != nil {
		return c, fmt.Errorf("id_token: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return c, errors.New("id_token: not exactly one signature")
	}
	h := jws.Signatures[0].Header
	var payload []byte
	for _, k := range p.keys {
		if (h.KeyID != "" && k.KeyID != h.KeyID) || (k.Algorithm != "" && k.Algorithm != h.Algorithm) {
			continue
		}
		if payload, err = jws.Verify(k.Key); err == nil {
			break
		}
	}
	if payload == nil {
		return c, fmt.Errorf("id_token: no JWKS key verifies the signature (alg %s, kid %q)", h.Algorithm, h.KeyID)
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, fmt.Errorf("id_token claims: %v", err)
	}
	switch {
	case c.Iss != p.Issuer:
		return c, fmt.Errorf("id_token: iss %q, want %q", c.Iss, p.Issuer)
	case !slices.Contains(c.Aud, clientID):
		return c, fmt.Errorf("id_token: aud %q does not contain %q", c.Aud, clientID)
	case c.Nonce != nonce:
		return c, fmt.Errorf("id_token: nonce %q, want %q", c.Nonce, nonce)
	case c.Sub == "":
		return c, errors.New("id_token: no sub")
	case c.Exp <= now.Unix():
		return c, fmt.Errorf("id_token: expired at %d", c.Exp)
	}
	return c, nil
}

// stepTimes are the durations of a flow's steps.
type stepTimes struct {
	authorize, token, verify, userinfo time.Duration
}

// flowError is a failed flow, with the step and what the server said.
type flowError struct {
	step string
	msg  string
}

func (e *flowError) Error() string { return e.step + ": " + e.msg }

func failf(step, format string, a ...any) *flowError {
	return &flowError{step: step, msg: fmt.Sprintf(format, a...)}
}

// client is one worker's view: its browser (with the session cookie) and
// a plain client for the back channel, sharing one connection pool.
type client struct {
	cfg     *config
	p       *provider
	browser *http.Client // cookie jar, never follows redirects
	back    *http.Client // no cookies: token and userinfo
}

// authorizeURL is the authorization request of one flow.
func (c *client) authorizeURL(state, nonce string) string {
	q := url.Values{
		"client_id":     {c.cfg.clientID},
		"response_type": {"code"},
		"scope":         {c.cfg.scope},
		"redirect_uri":  {c.cfg.redirectURI},
		"state":         {state},
		"nonce":         {nonce},
	}
	sep := "?"
	if strings.Contains(c.p.AuthzURL, "?") {
		sep = "&"
	}
	return c.p.AuthzURL + sep + q.Encode()
}

// isRedirectURI reports whether loc goes to the client's redirect_uri.
func (c *client) isRedirectURI(loc *url.URL) bool {
	want := c.cfg.redirect
	return loc.Scheme == want.Scheme && loc.Host == want.Host && loc.Path == want.Path
}

// codeFrom checks that loc is the redirect back to the client with a code
// and the flow's state (and the issuer, when the provider sends iss, RFC
// 9207), and returns the code.
func (c *client) codeFrom(loc *url.URL, state string) (string, error) {
	if !c.isRedirectURI(loc) {
		return "", fmt.Errorf("redirect to %s, not to the redirect_uri %s", loc.Redacted(), c.cfg.redirectURI)
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("error redirect: %s: %s", e, q.Get("error_description"))
	}
	if got := q.Get("state"); got != state {
		return "", fmt.Errorf("state %q, want %q", got, state)
	}
	if iss := q.Get("iss"); iss != "" && iss != c.p.Issuer {
		return "", fmt.Errorf("iss %q, want %q", iss, c.p.Issuer)
	}
	code := q.Get("code")
	if code == "" {
		return "", fmt.Errorf("no code in %s", loc.Redacted())
	}
	return code, nil
}

// runFlow runs one authorization-code flow with the worker's session:
// authorize (no redirect following) -> token -> ID-token check -> userinfo.
func (c *client) runFlow(ctx context.Context, state, nonce string) (stepTimes, error) {
	var st stepTimes
	t0 := time.Now()

	// 1. Authorize: the session cookie is enough; the answer is a redirect
	// to the client with a code.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.authorizeURL(state, nonce), nil)
	resp, err := c.browser.Do(req)
	if err != nil {
		return st, failf("authorize", "%v", err)
	}
	body := drain(resp)
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return st, failf("authorize", "status %s (want 303 to the redirect_uri): %.500s", resp.Status, body)
	}
	loc, err := resp.Location()
	if err != nil {
		return st, failf("authorize", "%s without a usable Location: %v", resp.Status, err)
	}
	code, err := c.codeFrom(loc, state)
	if err != nil {
		return st, failf("authorize", "%v", err)
	}
	t1 := time.Now()
	st.authorize = t1.Sub(t0)

	// 2. Token: client_secret_basic (RFC 6749 §2.3.1 form-encodes both parts).
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.cfg.redirectURI}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, c.p.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.cfg.clientID), url.QueryEscape(c.cfg.clientSecret))
	resp, err = c.back.Do(req)
	if err != nil {
		return st, failf("token", "%v", err)
	}
	body = drain(resp)
	if resp.StatusCode != http.StatusOK {
		return st, failf("token", "status %s: %.500s", resp.Status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		return st, failf("token", "%v: %.300s", err, body)
	}
	if tok.AccessToken == "" || tok.IDToken == "" {
		return st, failf("token", "no access_token or no id_token in %.300s", body)
	}
	t2 := time.Now()
	st.token = t2.Sub(t1)

	// 3. The ID token: signature against the JWKS, iss, aud, nonce, exp.
	claims, err := c.p.verifyIDToken(tok.IDToken, c.cfg.clientID, nonce, t2)
	if err != nil {
		return st, failf("verify", "%v", err)
	}
	t3 := time.Now()
	st.verify = t3.Sub(t2)

	// 4. Userinfo with the access token.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, c.p.UserURL, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = c.back.Do(req)
	if err != nil {
		return st, failf("userinfo", "%v", err)
	}
	body = drain(resp)
	if resp.StatusCode != http.StatusOK {
		return st, failf("userinfo", "status %s: %.500s", resp.Status, body)
	}
	var ui struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(body, &ui); err != nil {
		return st, failf("userinfo", "%v: %.300s", err, body)
	}
	if ui.Sub == "" || ui.Sub != claims.Sub {
		return st, failf("userinfo", "sub %q, ID token's sub %q", ui.Sub, claims.Sub)
	}
	st.userinfo = time.Since(t3)
	return st, nil
}

// drain reads a response body (up to 1 MiB) and closes it, so that the
// connection goes back to the pool.
func drain(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return b
}
