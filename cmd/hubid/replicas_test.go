package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/hubid/hubid/internal/store/postgres/pgtest"
)

// roundRobin is a loopback reverse proxy that sends each request to the
// next backend in turn, so consecutive requests of one flow land on
// different replicas.
type roundRobin struct {
	mu       sync.Mutex
	backends []*url.URL
	next     int
	hits     []int
}

func (rr *roundRobin) rewrite(r *httputil.ProxyRequest) {
	rr.mu.Lock()
	i := rr.next % len(rr.backends)
	rr.next++
	rr.hits[i]++
	rr.mu.Unlock()
	r.SetURL(rr.backends[i])
	r.Out.Host = r.In.Host // the replicas see the issuer's host
}

// replicaClient drives flows through the proxy as a browser and an app do.
type replicaClient struct {
	t      *testing.T
	base   string
	client *http.Client
}

var replicaHiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

func (c *replicaClient) send(method, path string, form url.Values, user, pass, bearer string) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range replicaHiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

type replicaTokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	IDToken string `json:"id_token"`
}

func (c *replicaClient) token(form url.Values, clientID, secret string) replicaTokens {
	c.t.Helper()
	resp, body := c.send("POST", "/oauth/token", form, clientID, secret, "")
	var tk replicaTokens
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &tk) != nil || tk.Access == "" {
		c.t.Fatalf("token (%s): %d %s", form.Get("grant_type"), resp.StatusCode, body)
	}
	return tk
}

func (c *replicaClient) userinfo(access string) {
	c.t.Helper()
	resp, body := c.send("GET", "/oauth/userinfo", nil, "", "", access)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"preferred_username":"alice"`) {
		c.t.Fatalf("userinfo: %d %s", resp.StatusCode, body)
	}
}

// verifyIDToken checks the ID token's signature with the JWKS the proxy
// serves (from whichever replica answers).
func (c *replicaClient) verifyIDToken(idToken string) {
	c.t.Helper()
	jws, err := jose.ParseSigned(idToken, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil || len(jws.Signatures) != 1 {
		c.t.Fatalf("ID token: %v", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	_, body := c.send("GET", "/oauth/jwks", nil, "", "", "")
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		c.t.Fatal(err)
	}
	ks := set.Key(kid)
	if len(ks) == 0 {
		c.t.Fatalf("the ID token's key %s is not in the JWKS a replica serves", kid)
	}
	if _, err := jws.Verify(ks[0]); err != nil {
		c.t.Fatalf("ID token signature: %v", err)
	}
}

// codeFlow signs in (when asked), authorizes (with consent when asked),
// redeems the code and calls userinfo: each request on the next replica.
func (c *replicaClient) codeFlow(clientID, secret, redirect string) replicaTokens {
	c.t.Helper()
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"s"}, "nonce": {"n"}}
	resp, body := c.send("GET", "/oauth/authorize?"+q.Encode(), nil, "", "", "")
	if strings.Contains(body, `name="password"`) {
		resp, body = c.send("POST", "/login", url.Values{"username": {"alice"}, "password": {"alice's replica password"}, "next": {hiddenFields(body).Get("next")}}, "", "", "")
	}
	if strings.Contains(body, `name="consent_token"`) {
		f := hiddenFields(body)
		f.Set("consent", "allow")
		resp, body = c.send("POST", "/oauth/authorize", f, "", "", "")
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Query().Get("code") == "" {
		c.t.Fatalf("authorize: %d %s %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	tk := c.token(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect}}, clientID, secret)
	c.userinfo(tk.Access)
	c.verifyIDToken(tk.IDToken)
	return tk
}

// refresh refreshes, retries the same refresh token (as a client whose
// response was lost does; within the grace window it gets the same pair,
// from another replica), and uses the new access token.
func (c *replicaClient) refresh(tk replicaTokens, clientID, secret string) replicaTokens {
	c.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.Refresh}}
	next := c.token(form, clientID, secret)
	retry := c.token(form, clientID, secret)
	if retry.Access != next.Access || retry.Refresh != next.Refresh {
		c.t.Fatalf("a retried refresh within the grace window got another pair")
	}
	c.userinfo(next.Access)
	return next
}

// deviceFlow starts a device login, polls once (pending), has the signed-in
// browser approve it, and polls for the tokens after the interval.
func (c *replicaClient) deviceFlow(clientID string) {
	c.t.Helper()
	resp, body := c.send("POST", "/oauth/device", url.Values{"client_id": {clientID}, "scope": {"openid profile"}}, "", "", "")
	var d struct {
		DeviceCode string `json:"device_code"`
		UserCode   string `json:"user_code"`
		Interval   int    `json:"interval"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &d) != nil || d.DeviceCode == "" {
		c.t.Fatalf("device authorization: %d %s", resp.StatusCode, body)
	}
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {d.DeviceCode}, "client_id": {clientID}}
	resp, body = c.send("POST", "/oauth/token", poll, "", "", "")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "authorization_pending") {
		c.t.Fatalf("first poll: %d %s, want authorization_pending", resp.StatusCode, body)
	}
	resp, body = c.send("POST", "/oauth/device/confirm", url.Values{"user_code": {d.UserCode}}, "", "", "")
	f := hiddenFields(body)
	if resp.StatusCode != http.StatusOK || f.Get("decision_token") == "" {
		c.t.Fatalf("device confirmation page: %d %.500s", resp.StatusCode, body)
	}
	f.Set("decision", "allow")
	if resp, body = c.send("POST", "/oauth/device/decision", f, "", "", ""); resp.StatusCode != http.StatusOK {
		c.t.Fatalf("device decision: %d %.500s", resp.StatusCode, body)
	}
	time.Sleep(time.Duration(d.Interval) * time.Second) // the client's polling interval, not a timing assertion
	tk := c.token(poll, "", "")
	c.userinfo(tk.Access)
}

// TestReplicas: three hubid serve processes on one PostgreSQL database
// behind a round-robin proxy, so that every request of a flow lands on
// another replica than the one before: the code flow (login form,
// authorize, consent, token, userinfo, ID token checked against the JWKS),
// refresh with a retry inside the grace window, and the device flow all
// succeed, before and after a `hubid keys rotate --database` in the middle.
func TestReplicas(t *testing.T) {
	dbURL := pgtest.URL(t)
	dir := t.TempDir()
	keyFile := testKeyFile(t)
	const redirect = "http://127.0.0.1:9999/callback"

	if code, _, stderr := run(t, dir, "alice's replica password\n", "user", "add", "alice", "--password-stdin", "--email", "alice@example.com", "--database", dbURL); code != exitOK {
		t.Fatalf("user add: exit %d: %s", code, stderr)
	}
	var conf, pub appJSON
	for _, a := range []struct {
		into *appJSON
		args []string
	}{
		{&conf, []string{"--name", "Replicated app", "--refresh-tokens"}},
		{&pub, []string{"--name", "Device app", "--public"}},
	} {
		args := append([]string{"app", "create", "--redirect-uri", redirect, "--scopes", "openid profile email", "--json", "--database", dbURL}, a.args...)
		code, out, stderr := run(t, dir, "", args...)
		if code != exitOK || json.Unmarshal([]byte(out), a.into) != nil {
			t.Fatalf("app create: exit %d: %s%s", code, out, stderr)
		}
	}

	rr := &roundRobin{}
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: rr.rewrite})
	defer proxy.Close()
	for range 3 {
		p := startProcess(t, "serve", "--addr", "127.0.0.1:0", "--issuer", proxy.URL, "--database", dbURL, "--secret-key-file", keyFile)
		u, _ := url.Parse(p.base)
		rr.backends = append(rr.backends, u)
		rr.hits = append(rr.hits, 0)
	}

	jar, _ := cookiejar.New(nil)
	proxyHost := strings.TrimPrefix(proxy.URL, "http://")
	c := &replicaClient{t: t, base: proxy.URL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != proxyHost {
				return http.ErrUseLastResponse // the redirect to the app
			}
			return nil
		}}}

	first := c.codeFlow(conf.ClientID, conf.ClientSecret, redirect)
	second := c.refresh(first, conf.ClientID, conf.ClientSecret)
	c.deviceFlow(pub.ClientID)

	if code, _, stderr := run(t, dir, "", "keys", "rotate", "--database", dbURL, "--secret-key-file", keyFile); code != exitOK {
		t.Fatalf("keys rotate: exit %d: %s", code, stderr)
	}
	c.refresh(second, conf.ClientID, conf.ClientSecret)
	after := c.codeFlow(conf.ClientID, conf.ClientSecret, redirect)
	c.refresh(after, conf.ClientID, conf.ClientSecret)
	c.deviceFlow(pub.ClientID)

	rr.mu.Lock()
	defer rr.mu.Unlock()
	for i, n := range rr.hits {
		if n < 10 {
			t.Errorf("replica %d answered %d requests; the proxy should spread the flows (hits %v)", i, n, rr.hits)
		}
	}
}
