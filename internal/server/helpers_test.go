package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/keys/keystest"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/server"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	alicePassword = "correct horse battery"
	bobPassword   = "bob's long password"
)

// hub is an in-process provider on SQLite with seeded accounts and apps.
type hub struct {
	t          *testing.T
	ts         *httptest.Server
	prov       *provider.Provider
	srv        *server.Server
	db         *sqlite.DB
	clock      *clock
	alice      store.User
	bob        store.User
	org        store.Org
	conf       store.App // confidential, secret confSecret
	pub        store.App // public
	confSecret string
}

const redirectURI = "http://127.0.0.1:9999/login/callback"

var (
	testHasherOnce sync.Once
	testHasher     *accounts.Hasher
	aliceHash      string
	bobHash        string
)

func newHub(t *testing.T) *hub { return newHubWith(t, nil) }

// newHubWith is newHub with a hook that adjusts the server configuration.
func newHubWith(t *testing.T, configure func(*provider.Config)) *hub {
	t.Helper()
	testHasherOnce.Do(func() {
		testHasher = accounts.NewHasher(0)
		var err error
		if aliceHash, err = testHasher.Hash(context.Background(), alicePassword); err != nil {
			panic(err)
		}
		if bobHash, err = testHasher.Hash(context.Background(), bobPassword); err != nil {
			panic(err)
		}
	})
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &hub{t: t, db: db, clock: &clock{t: time.Now().Truncate(time.Second)}}

	var handler http.Handler
	h.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(h.ts.Close)

	if err := keystest.Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	cfg := provider.Config{
		Issuer: h.ts.URL, Store: db, Passwords: testHasher, Now: h.clock.Now, FailedLoginDelay: -1,
	}
	if configure != nil {
		configure(&cfg)
	}
	h.prov, err = provider.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := keystest.Remember(ctx, db); err != nil {
		t.Fatal(err)
	}
	h.srv = h.prov.Server
	handler = h.prov.Handler()

	now := h.clock.Now()
	h.alice = store.User{ID: accounts.NewID(), Username: "alice", FullName: "Alice Liddell", Email: "alice@example.com", EmailVerified: true, Website: "https://alice.example", PasswordHash: aliceHash, CreatedAt: now}
	h.bob = store.User{ID: accounts.NewID(), Username: "bob", FullName: "Bob", Email: "bob@example.com", EmailVerified: true, PasswordHash: bobHash, CreatedAt: now}
	h.org = store.Org{ID: accounts.NewID(), Name: "wonderland", FullName: "Wonderland", Plan: "team", CreatedAt: now}
	for _, u := range []store.User{h.alice, h.bob} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateOrg(ctx, h.org); err != nil {
		t.Fatal(err)
	}
	if err := db.SetMember(ctx, h.org.ID, h.alice.ID, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	h.conf, h.confSecret, err = apps.Create(ctx, db, apps.Spec{
		Name: "Confidential app", RedirectURIs: []string{redirectURI}, Scopes: []string{"email", "read-repos", "read-memberships"},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	h.pub, _, err = apps.Create(ctx, db, apps.Spec{
		Name: "Public app", RedirectURIs: []string{redirectURI}, Public: true, Scopes: []string{"email"},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// browser is a user agent with a cookie jar that stops at redirects leaving
// the hub, as a browser would hand them to the app.
type browser struct {
	h      *hub
	client *http.Client
}

func (h *hub) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{h: h}
	b.client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != strings.TrimPrefix(h.ts.URL, "http://") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// get fetches u (relative to the hub or absolute) following hub-internal redirects.
func (b *browser) get(u string) (*http.Response, string) {
	b.h.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.h.ts.URL + u
	}
	resp, err := b.client.Get(u)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return resp, readBody(b.h.t, resp)
}

func (b *browser) postForm(path string, v url.Values) (*http.Response, string) {
	b.h.t.Helper()
	req, _ := http.NewRequest("POST", b.h.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.h.ts.URL)
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return resp, readBody(b.h.t, resp)
}

// login signs in through the login form.
func (b *browser) login(username, password string) {
	b.h.t.Helper()
	resp, body := b.postForm("/login", url.Values{"username": {username}, "password": {password}, "next": {"/"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "@"+username) {
		b.h.t.Fatalf("login as %s: status %d, body %.300s", username, resp.StatusCode, body)
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formFields returns the hidden fields of a page's form.
func formFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// authorize walks the browser through authorize, login (if needed) and
// consent (allow), and returns the final redirect to the app.
func (b *browser) authorize(params url.Values, username, password string) *url.URL {
	b.h.t.Helper()
	resp, body := b.get("/oauth/authorize?" + params.Encode())
	if resp.StatusCode == 200 && strings.Contains(body, `name="password"`) {
		next := formFields(body).Get("next")
		resp, body = b.postForm("/login", url.Values{"username": {username}, "password": {password}, "next": {next}})
	}
	if resp.StatusCode == 200 && strings.Contains(body, `name="consent_token"`) {
		f := formFields(body)
		f.Set("consent", "allow")
		resp, body = b.postForm("/oauth/authorize", f)
	}
	if resp.StatusCode != http.StatusSeeOther {
		b.h.t.Fatalf("authorize: want 303 to the app, got %d: %.500s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.h.t.Fatal(err)
	}
	return loc
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// postToken sends a raw token request.
func (h *hub) postToken(form url.Values, basicUser, basicPass string) (int, map[string]any, http.Header) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, decodeJSON(h.t, resp), resp.Header
}
