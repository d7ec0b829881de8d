package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hubid/hubid/oidc"
)

// hubid login is a client of the hub's device flow (RFC 8628), the way
// huggingface_hub's "hf auth login" is one of huggingface.co's: it asks
// for a code, tells the person where to type it, polls until they approve
// in a browser, checks the token with /api/whoami-v2 and keeps it, with
// its refresh token, in a file of mode 0600. "hubid login --status" says
// who you are, refreshing first when less than a day remains.

// Client-side defaults, huggingface_hub's: a hub that omits interval or
// expires_in gets these.
const (
	defaultPollInterval = 5 * time.Second
	defaultCodeLifetime = 900 * time.Second
	slowDownStep        = 5 * time.Second
	// refreshBefore: --status refreshes a token with less than this left.
	refreshBefore = 24 * time.Hour
)

// tokenFile is what hubid login keeps. ExpiresAt is in Unix seconds, as
// huggingface_hub stores it.
type tokenFile struct {
	Hub          string `json:"hub"`
	ClientID     string `json:"client_id"`
	Username     string `json:"username"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresAt    int64  `json:"expires_at"`
	Scope        string `json:"scope,omitempty"`
}

// loginJSON is what --json prints: never a token.
type loginJSON struct {
	Hub       string `json:"hub"`
	Username  string `json:"username"`
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	ExpiresAt string `json:"expires_at"`
	TokenFile string `json:"token_file"`
	Refreshed bool   `json:"refreshed,omitempty"`
}

func runLogin(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("login", "login --hub URL [--client-id ID] [--scopes \"openid profile …\"] [--token-file PATH] [--json]\n       hubid login --status [--token-file PATH] [--json]")
	hub := fs.String("hub", "", "the hub's URL (its issuer), e.g. http://127.0.0.1:8080")
	clientID := fs.String("client-id", e.getenv("HUBID_CLIENT_ID"), "client id of a public app allowed the device flow (env HUBID_CLIENT_ID; hubid dev prints its \"hubid CLI\" app)")
	scopes := fs.String("scopes", "", "space-separated scopes to ask for (default: the app's scopes)")
	tokenPath := fs.String("token-file", e.defaultTokenFile(), "where the token is kept, mode 0600")
	status := fs.Bool("status", false, "show who you are logged in as, refreshing the token first when less than a day remains")
	asJSON := fs.Bool("json", false, "print the result as JSON (the code and URL go to stderr)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *tokenPath == "" {
		return usagef("--token-file is empty and no default could be found; give a path")
	}
	c := newDeviceClient(e)
	if *status {
		if *hub != "" || *scopes != "" {
			return usagef("--status reads the hub and client from the token file; drop --hub and --scopes")
		}
		return c.status(ctx, *tokenPath, *asJSON)
	}
	if *hub == "" {
		return usagef("--hub is required: the URL of the hub to log in to, e.g. --hub http://127.0.0.1:8080")
	}
	u, err := url.Parse(*hub)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--hub %q is not an http(s) URL", *hub)
	}
	if *clientID == "" {
		return usagef("--client-id (or HUBID_CLIENT_ID) is required: the client id of a public app for the device flow; 'hubid dev' prints its \"hubid CLI\" app")
	}
	c.hub, c.clientID = strings.TrimSuffix(*hub, "/"), *clientID
	return c.login(ctx, *scopes, *tokenPath, *asJSON)
}

// defaultTokenFile is $XDG_CONFIG_HOME/hubid/token.json, else
// ~/.config/hubid/token.json.
func (e *env) defaultTokenFile() string {
	if d := e.getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "hubid", "token.json")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".config", "hubid", "token.json")
	}
	return ""
}

// deviceClient talks to one hub as one client. Time is injected so that
// the polling rules are tested without waiting.
type deviceClient struct {
	e        *env
	http     *http.Client
	hub      string
	clientID string
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
}

func newDeviceClient(e *env) *deviceClient {
	return &deviceClient{e: e, http: &http.Client{Timeout: 30 * time.Second}, now: time.Now, sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// oauthError is an RFC 6749 §5.2 error body.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (o oauthError) Error() string {
	if o.Description == "" {
		return o.Code
	}
	return o.Code + ": " + o.Description
}

// post sends a form to the hub and returns the status and body.
func (c *deviceClient) post(ctx context.Context, path string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.hub+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// asOAuthError reads an OAuth error body; ok is false for anything else.
func asOAuthError(body []byte) (oauthError, bool) {
	var o oauthError
	if json.Unmarshal(body, &o) != nil || o.Code == "" {
		return o, false
	}
	return o, true
}

// start asks the hub for a device code.
func (c *deviceClient) start(ctx context.Context, scopes string) (oidc.DeviceAuthorizationResponse, error) {
	var da oidc.DeviceAuthorizationResponse
	form := url.Values{"client_id": {c.clientID}}
	if scopes != "" {
		form.Set("scope", scopes)
	}
	status, body, err := c.post(ctx, "/oauth/device", form)
	if err != nil {
		return da, fmt.Errorf("reach the hub at %s: %w", c.hub, err)
	}
	if status != http.StatusOK {
		if o, ok := asOAuthError(body); ok {
			return da, fmt.Errorf("the hub refused the device login (%s)", o)
		}
		return da, fmt.Errorf("the hub answered %d to POST /oauth/device; is %s a hubid or huggingface.co-compatible hub?", status, c.hub)
	}
	if err := json.Unmarshal(body, &da); err != nil || da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return da, fmt.Errorf("the hub's device authorization answer is incomplete: %.200s", body)
	}
	return da, nil
}

// errPollExpired: the code ran out before anyone approved it.
var errPollExpired = errors.New("the code expired before it was approved; run 'hubid login' again for a new one")

// poll polls the token endpoint until the login is approved, denied or
// expired, honouring interval, slow_down (+5 s for this and every later
// poll) and expires_in. Like huggingface_hub it keeps going through
// network errors, 5xx answers and bodies that are no OAuth errors, until
// the code expires.
func (c *deviceClient) poll(ctx context.Context, da oidc.DeviceAuthorizationResponse) (*oidc.TokenResponse, error) {
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = defaultPollInterval
	}
	lifetime := time.Duration(da.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = defaultCodeLifetime
	}
	deadline := c.now().Add(lifetime)
	form := url.Values{"grant_type": {oidc.GrantDeviceCode}, "device_code": {da.DeviceCode}, "client_id": {c.clientID}}
	warned := false
	for {
		if err := c.sleep(ctx, interval); err != nil {
			return nil, err
		}
		if !c.now().Before(deadline) {
			return nil, errPollExpired
		}
		status, body, err := c.post(ctx, "/oauth/token", form)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		o, isOAuth := asOAuthError(body)
		if err != nil || status >= 500 || (status != http.StatusOK && !isOAuth) {
			if !warned {
				why := fmt.Sprintf("answered %d", status)
				if err != nil {
					why = err.Error()
				}
				fmt.Fprintf(c.e.stderr, "hubid login: the hub %s; still trying until the code expires\n", why)
				warned = true
			}
			continue
		}
		warned = false
		if status == http.StatusOK {
			var tok oidc.TokenResponse
			if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
				return nil, fmt.Errorf("the hub's token answer has no access_token: %.200s", body)
			}
			return &tok, nil
		}
		switch oidc.ErrorCode(o.Code) {
		case oidc.CodeAuthorizationPending:
		case oidc.CodeSlowDown:
			interval += slowDownStep
		case oidc.CodeExpiredToken:
			return nil, errPollExpired
		case oidc.CodeAccessDenied:
			return nil, errors.New("the login was denied in the browser")
		default:
			return nil, fmt.Errorf("the hub refused the login (%s)", o)
		}
	}
}

// whoami returns the username the token belongs to.
func (c *deviceClient) whoami(ctx context.Context, accessToken string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.hub+"/api/whoami-v2", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("reach the hub at %s: %w", c.hub, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		if o, ok := asOAuthError(body); ok {
			return "", fmt.Errorf("whoami refused the token (%s)", o)
		}
		return "", fmt.Errorf("whoami answered %d", resp.StatusCode)
	}
	var who struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &who); err != nil || who.Name == "" {
		return "", fmt.Errorf("whoami's answer has no name: %.200s", body)
	}
	return who.Name, nil
}

// login runs the whole device login and saves the token.
func (c *deviceClient) login(ctx context.Context, scopes, path string, asJSON bool) error {
	da, err := c.start(ctx, scopes)
	if err != nil {
		return err
	}
	// With --json, stdout is for the result; the person reads stderr.
	out := c.e.stdout
	if asJSON {
		out = c.e.stderr
	}
	lifetime := time.Duration(da.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = defaultCodeLifetime
	}
	fmt.Fprintf(out, "Open %s and enter the code %s\n", da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" && da.VerificationURIComplete != da.VerificationURI {
		fmt.Fprintf(out, "  (or open %s)\n", da.VerificationURIComplete)
	}
	fmt.Fprintf(out, "Waiting for you to approve in the browser; the code expires in %s.\n", lifetime)
	tok, err := c.poll(ctx, da)
	if err != nil {
		return err
	}
	username, err := c.whoami(ctx, tok.AccessToken)
	if err != nil {
		return fmt.Errorf("the hub issued a token, but %w", err)
	}
	tf := tokenFile{
		Hub: c.hub, ClientID: c.clientID, Username: username, AccessToken: tok.AccessToken,
		RefreshToken: tok.RefreshToken, ExpiresAt: expiresAt(c.now(), tok.ExpiresIn), Scope: tok.Scope,
	}
	if err := writeTokenFile(path, tf); err != nil {
		return err
	}
	return c.report(tf, path, false, asJSON)
}

// status shows the saved login, refreshing it first when it expires
// within a day.
func (c *deviceClient) status(ctx context.Context, path string, asJSON bool) error {
	tf, err := readTokenFile(path)
	if err != nil {
		return err
	}
	c.hub, c.clientID = tf.Hub, tf.ClientID
	refreshed := false
	if left := time.Unix(tf.ExpiresAt, 0).Sub(c.now()); left < refreshBefore {
		switch err := c.refresh(ctx, &tf); {
		case err == nil:
			if err := writeTokenFile(path, tf); err != nil {
				return err
			}
			refreshed = true
		case left > 0:
			fmt.Fprintf(c.e.stderr, "hubid login: could not refresh the token: %v; it still works for %s\n", err, left.Round(time.Second))
		default:
			return err
		}
	}
	username, err := c.whoami(ctx, tf.AccessToken)
	if err != nil {
		return fmt.Errorf("%w; run 'hubid login --hub %s' again", err, tf.Hub)
	}
	tf.Username = username
	return c.report(tf, path, refreshed, asJSON)
}

// errLoginGone: the refresh token is no longer accepted.
var errLoginGone = errors.New("the login has expired or was revoked")

// refresh exchanges tf's refresh token for new tokens (refresh_token grant
// with client_id, as huggingface_hub does), keeping the old refresh token
// when no new one comes back.
func (c *deviceClient) refresh(ctx context.Context, tf *tokenFile) error {
	if tf.RefreshToken == "" {
		return fmt.Errorf("%w: the token has no refresh token; run 'hubid login --hub %s' again", errLoginGone, tf.Hub)
	}
	status, body, err := c.post(ctx, "/oauth/token", url.Values{
		"grant_type": {oidc.GrantRefreshToken}, "refresh_token": {tf.RefreshToken}, "client_id": {tf.ClientID},
	})
	if err != nil {
		return fmt.Errorf("reach the hub at %s: %w", tf.Hub, err)
	}
	if status != http.StatusOK {
		if o, ok := asOAuthError(body); ok {
			if oidc.ErrorCode(o.Code) == oidc.CodeInvalidGrant {
				return fmt.Errorf("%w (%s); run 'hubid login --hub %s' again", errLoginGone, o.Description, tf.Hub)
			}
			return fmt.Errorf("the hub refused the refresh (%s)", o)
		}
		return fmt.Errorf("the hub answered %d to the refresh", status)
	}
	var tok oidc.TokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return fmt.Errorf("the hub's refresh answer has no access_token: %.200s", body)
	}
	tf.AccessToken, tf.ExpiresAt = tok.AccessToken, expiresAt(c.now(), tok.ExpiresIn)
	if tok.RefreshToken != "" {
		tf.RefreshToken = tok.RefreshToken
	}
	if tok.Scope != "" {
		tf.Scope = tok.Scope
	}
	return nil
}

func (c *deviceClient) report(tf tokenFile, path string, refreshed, asJSON bool) error {
	exp := time.Unix(tf.ExpiresAt, 0)
	if asJSON {
		return c.e.printJSON(loginJSON{
			Hub: tf.Hub, Username: tf.Username, ClientID: tf.ClientID, Scope: tf.Scope,
			ExpiresAt: exp.UTC().Format(time.RFC3339), TokenFile: path, Refreshed: refreshed,
		})
	}
	note := ""
	if refreshed {
		note = " (just refreshed)"
	}
	fmt.Fprintf(c.e.stdout, "Logged in to %s as %s.\nThe token expires %s (in %s)%s; it is kept in %s.\n",
		tf.Hub, tf.Username, exp.Local().Format(time.RFC1123), humanDuration(exp.Sub(c.now())), note, path)
	return nil
}

// humanDuration says how long is left the way people say it.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Round(time.Hour)/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	case d > time.Minute:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	case d == time.Minute:
		return "1 minute"
	default:
		return "less than a minute"
	}
}

// expiresAt turns expires_in into a Unix time; a token without expires_in
// is taken to last the HF default of 8 hours.
func expiresAt(now time.Time, expiresIn int64) int64 {
	if expiresIn <= 0 {
		expiresIn = int64(8 * time.Hour / time.Second)
	}
	return now.Unix() + expiresIn
}

func readTokenFile(path string) (tokenFile, error) {
	var tf tokenFile
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return tf, fmt.Errorf("not logged in: there is no %s; run 'hubid login --hub URL'", path)
	}
	if err != nil {
		return tf, err
	}
	if err := json.Unmarshal(b, &tf); err != nil || tf.Hub == "" || tf.AccessToken == "" {
		return tf, fmt.Errorf("%s is not a hubid login token file; run 'hubid login --hub URL' to write it again", path)
	}
	return tf, nil
}

// writeTokenFile writes tf to path with mode 0600, creating the directory
// with mode 0700, through a temporary file renamed into place, so that a
// reader never sees half a file and the token is never readable by others.
func writeTokenFile(path string, tf tokenFile) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".token-*.json")
	if err != nil {
		return fmt.Errorf("save the token: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("save the token: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("save the token: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("save the token: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save the token: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save the token: %w", err)
	}
	return nil
}
