package storecopy_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/keys/keystest"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/secretbox"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/postgres"
	"github.com/hubid/hubid/internal/store/postgres/pgtest"
	"github.com/hubid/hubid/internal/store/sqlite"
	"github.com/hubid/hubid/internal/store/storecopy"
)

const redirectURI = "http://127.0.0.1:9999/callback"

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hub is one httptest server whose handler the test swaps from the
// provider on SQLite to the provider on PostgreSQL: the issuer, and so
// the browser's cookies, stay the same across the move.
type hub struct {
	t       *testing.T
	ts      *httptest.Server
	handler http.Handler
	client  *http.Client // the browser, with its cookie jar
}

func (h *hub) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, string(b)
}

func (h *hub) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", h.ts.URL+path, nil)
	return h.do(req)
}

func (h *hub) post(path string, form url.Values, user, pass string) (*http.Response, string) {
	req, _ := http.NewRequest("POST", h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.ts.URL)
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	return h.do(req)
}

// authorize returns the code the hub redirects to the app with, signing
// in and allowing consent when the hub asks.
func (h *hub) authorize(clientID string, login bool) string {
	h.t.Helper()
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"st"}}
	resp, body := h.get("/oauth/authorize?" + q.Encode())
	if strings.Contains(body, `name="password"`) {
		if !login {
			h.t.Fatalf("authorize asked to sign in again: the session did not survive")
		}
		next := ""
		for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
			if m[1] == "next" {
				next = html.UnescapeString(m[2])
			}
		}
		resp, body = h.post("/login", url.Values{"username": {"alice"}, "password": {"wonderland-pass"}, "next": {next}}, "", "")
	}
	if strings.Contains(body, `name="consent_token"`) {
		f := url.Values{}
		for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
			f.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		f.Set("consent", "allow")
		resp, body = h.post("/oauth/authorize", f, "", "")
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Query().Get("code") == "" {
		h.t.Fatalf("authorize: want 303 to the app with a code, got %d %s: %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return loc.Query().Get("code")
}

type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

func (h *hub) token(form url.Values, clientID, secret string) tokens {
	h.t.Helper()
	resp, body := h.post("/oauth/token", form, clientID, secret)
	var tk tokens
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &tk) != nil || tk.Access == "" {
		h.t.Fatalf("token %s: %d %s", form.Get("grant_type"), resp.StatusCode, body)
	}
	return tk
}

func (h *hub) userinfo(access string) int {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, _ := h.do(req)
	return resp.StatusCode
}

// TestFromSQLite populates an SQLite hub through the real server, copies it
// into PostgreSQL, serves the PostgreSQL copy on the same origin, and uses
// what was issued before the move: the access token at userinfo, the
// current refresh token, a retry of the rotated one (its sealed successor),
// the session cookie at authorize without signing in, and the app secret
// at the token endpoint. A second copy is refused.
func TestFromSQLite(t *testing.T) {
	pgURL := pgtest.URL(t)
	ctx := context.Background()
	key, err := secretbox.ParseKey(secretbox.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { return now }

	src, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := keystest.Seed(ctx, src); err != nil {
		t.Fatal(err)
	}
	hasher := accounts.NewHasher(0)
	pw, err := hasher.Hash(ctx, "wonderland-pass")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.CreateUser(ctx, store.User{ID: accounts.NewID(), Username: "alice", Email: "alice@example.com", EmailVerified: true, PasswordHash: pw, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	app, secret, err := apps.Create(ctx, src, apps.Spec{Name: "App", RedirectURIs: []string{redirectURI}, Scopes: []string{"email"}, RefreshTokens: true}, now)
	if err != nil {
		t.Fatal(err)
	}

	jar, _ := cookiejar.New(nil)
	h := &hub{t: t}
	h.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }))
	defer h.ts.Close()
	h.client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != strings.TrimPrefix(h.ts.URL, "http://") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	newProvider := func(st store.Store) http.Handler {
		p, err := provider.New(ctx, provider.Config{Issuer: h.ts.URL, Store: st, SecretKey: key, Passwords: hasher, Now: clock, FailedLoginDelay: -1})
		if err != nil {
			t.Fatal(err)
		}
		return p.Handler()
	}

	// Before the move: sign in, authorize, redeem, refresh once.
	h.handler = newProvider(src)
	code := h.authorize(app.ClientID, true)
	first := h.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, app.ClientID, secret)
	second := h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.Refresh}}, app.ClientID, secret)
	if h.userinfo(second.Access) != 200 {
		t.Fatal("userinfo before the move failed")
	}

	dst, err := postgres.Open(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	counts, err := storecopy.FromSQLite(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range counts {
		got[c.Table] = c.Rows
	}
	for table, min := range map[string]int64{"users": 1, "apps": 1, "consents": 1, "auth_codes": 1, "tokens": 4, "sessions": 1, "signing_keys": 2, "secrets": 2} {
		if got[table] < min {
			t.Errorf("copied %d rows of %s, want at least %d (counts %v)", got[table], table, min, counts)
		}
	}
	ks, err := dst.Keys(ctx)
	if err != nil || len(ks) == 0 || !secretbox.Sealed(ks[0].PrivatePEM) {
		t.Errorf("signing keys on PostgreSQL are not sealed as they were (err %v)", err)
	}

	// After the move, on PostgreSQL.
	h.handler = newProvider(dst)
	if c := h.userinfo(second.Access); c != 200 {
		t.Errorf("userinfo with the access token issued before the move: %d", c)
	}
	retry := h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.Refresh}}, app.ClientID, secret)
	if retry != second {
		t.Errorf("retrying the rotated refresh token within the grace window gave another pair")
	}
	third := h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.Refresh}}, app.ClientID, secret)
	if c := h.userinfo(third.Access); c != 200 {
		t.Errorf("userinfo with the token refreshed after the move: %d", c)
	}
	code = h.authorize(app.ClientID, false)
	fourth := h.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, app.ClientID, secret)
	if c := h.userinfo(fourth.Access); c != 200 {
		t.Errorf("userinfo after a code flow on the copied session and app secret: %d", c)
	}

	if _, err := storecopy.FromSQLite(ctx, src, dst); !errors.Is(err, storecopy.ErrNotEmpty) {
		t.Errorf("a second copy into the same database: %v, want ErrNotEmpty", err)
	}
}

// TestRefusesNonEmpty: a target with any row is refused before anything
// is copied.
func TestRefusesNonEmpty(t *testing.T) {
	pgURL := pgtest.URL(t)
	ctx := context.Background()
	src, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.CreateUser(ctx, store.User{ID: accounts.NewID(), Username: "alice"}); err != nil {
		t.Fatal(err)
	}
	dst, err := postgres.Open(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := dst.Secret(ctx, "x", func() ([]byte, error) { return []byte("y"), nil }); err != nil {
		t.Fatal(err)
	}
	_, err = storecopy.FromSQLite(ctx, src, dst)
	if !errors.Is(err, storecopy.ErrNotEmpty) || !strings.Contains(err.Error(), "secrets") {
		t.Fatalf("copy into a database with a secret: %v, want ErrNotEmpty naming secrets", err)
	}
	users, _ := dst.ListUsers(ctx)
	if len(users) != 0 {
		t.Errorf("the refused copy left %d users", len(users))
	}
}
