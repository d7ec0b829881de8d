package signintest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/keys"
	"github.com/hubid/hubid/internal/keys/keystest"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
	"github.com/hubid/hubid/oidc"
	"github.com/hubid/hubid/signin"
)

// The seeded account. Every user a Provider creates has Password.
const (
	// Username is the seeded user, a member (admin) of OrgName.
	Username = "alice"
	// Password is the password of every user of a test provider.
	Password = "signintest password 1"
	// OrgName is the seeded organization.
	OrgName = "demo-org"
)

// DefaultRedirectURIs are registered for the test app: with the RFC 8252
// rule the provider applies to http on loopback, they match an
// httptest.Server on any port using the default callback path.
var DefaultRedirectURIs = []string{"http://127.0.0.1/login/callback", "http://localhost/login/callback"}

// DefaultPostLogoutRedirectURIs are where the provider's end_session
// endpoint may send the browser back to: the SDK's logout route on
// loopback, any port.
var DefaultPostLogoutRedirectURIs = []string{"http://127.0.0.1/logout", "http://localhost/logout"}

// DefaultScopes are the scopes the test app may ask for besides openid and
// profile, and what Config asks for.
var DefaultScopes = []string{oidc.ScopeEmail, oidc.ScopeReadRepos}

// User is an account on a test provider.
type User struct {
	// ID is the user's id, the sub the SDK reports.
	ID string
	// Username is the handle, the SDK's User.Username.
	Username string
	// Password signs the user in (always Password).
	Password string
	// Email is username@example.com, verified.
	Email string
}

// Provider is a hubid provider running in-process on an httptest.Server,
// with an SQLite database in a temporary directory, signing keys, the
// seeded user Username (password Password) who is an admin of OrgName, and
// one confidential OAuth app, which gets refresh tokens (rotated at each
// use) unless WithRefreshTokens(false). It is closed when the test ends.
type Provider struct {
	// URL is the issuer, e.g. http://127.0.0.1:41234.
	URL string
	// ClientID is the test app's client id.
	ClientID string
	// ClientSecret is the test app's client secret.
	ClientSecret string
	// Scopes are what the app may ask for, openid and profile included.
	Scopes []string
	// User is the seeded user.
	User User
	// OrgID is the seeded organization's id (the value for orgIds).
	OrgID string

	now   func() time.Time
	hosts []string
	srv   *httptest.Server
	db    *sqlite.DB
	keys  *keys.Manager
	org   store.Org
	once  sync.Once
}

type options struct {
	now          func() time.Time
	spaceHosts   []string
	scopes       []string
	redirectURIs []string
	ttl          time.Duration
	orgs         []string
	noRefresh    bool
}

// Option configures NewProvider.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithClock makes the provider read the time from now; Config passes the
// same clock to the SDK, so one Clock.Advance ages both.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(o *options) { o.now = now })
}

// WithSpaceHosts makes the test app a Space app served at hosts ("host"
// or "host:port", primary first): any https URL on them (http on loopback)
// is then an accepted redirect URI, as on Spaces. Config sets them as
// Config.Hosts.
func WithSpaceHosts(hosts ...string) Option {
	return optionFunc(func(o *options) { o.spaceHosts = append(o.spaceHosts, hosts...) })
}

// WithScopes replaces DefaultScopes: the extra scopes the app may ask for.
func WithScopes(scopes ...string) Option {
	return optionFunc(func(o *options) { o.scopes = scopes })
}

// WithRedirectURIs registers more redirect URIs for the app.
func WithRedirectURIs(uris ...string) Option {
	return optionFunc(func(o *options) { o.redirectURIs = append(o.redirectURIs, uris...) })
}

// WithTokenLifetime sets the access-token lifetime (default 8 hours).
func WithTokenLifetime(d time.Duration) Option {
	return optionFunc(func(o *options) { o.ttl = d })
}

// WithRefreshTokens says whether the code flow also issues refresh tokens
// (rotated at each use). On by default, as for Space apps.
func WithRefreshTokens(on bool) Option {
	return optionFunc(func(o *options) { o.noRefresh = !on })
}

// WithAuthorizedOrgs lets only members of these orgs sign in to the app,
// as hf_oauth_authorized_org does.
func WithAuthorizedOrgs(orgs ...string) Option {
	return optionFunc(func(o *options) { o.orgs = orgs })
}

// NewProvider starts a provider for the test. It fails the test if
// anything goes wrong.
func NewProvider(t testing.TB, opts ...Option) *Provider {
	t.Helper()
	o := options{scopes: DefaultScopes}
	for _, opt := range opts {
		opt.apply(&o)
	}
	if o.now == nil {
		o.now = time.Now
	}
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatalf("signintest: %v", err)
	}
	p := &Provider{now: o.now, db: db}

	// The handler is set once the server (and so the issuer URL) exists.
	var handler http.Handler
	ready := make(chan struct{})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready
		handler.ServeHTTP(w, r)
	}))
	p.URL = p.srv.URL
	t.Cleanup(func() {
		p.Close()
		db.Close()
	})

	if err := keystest.Seed(ctx, db); err != nil {
		t.Fatalf("signintest: keys: %v", err)
	}
	hub, err := provider.New(ctx, provider.Config{
		Issuer: p.URL, Store: db, Passwords: hasher, Now: o.now,
		Logger: quietLogger, FailedLoginDelay: -1,
	})
	if err != nil {
		t.Fatalf("signintest: %v", err)
	}
	if err := keystest.Remember(ctx, db); err != nil {
		t.Fatalf("signintest: keys: %v", err)
	}
	p.keys = hub.Keys
	handler = hub.Handler()
	close(ready)

	now := o.now()
	p.org = store.Org{ID: accounts.NewID(), Name: OrgName, FullName: "Demo Org", Plan: "team", CreatedAt: now}
	if err := db.CreateOrg(ctx, p.org); err != nil {
		t.Fatalf("signintest: %v", err)
	}
	p.OrgID = p.org.ID
	p.User = p.AddUser(t, Username, OrgName)

	spec := apps.Spec{
		Name:         "signintest app",
		OwnerID:      p.User.ID,
		RedirectURIs: append(slices.Clone(DefaultRedirectURIs), o.redirectURIs...),
		Scopes:       o.scopes,
		TokenTTL:     o.ttl,

		RefreshTokens:          !o.noRefresh,
		PostLogoutRedirectURIs: DefaultPostLogoutRedirectURIs,
	}
	app, secret, err := apps.Create(ctx, db, spec, now)
	if err != nil {
		t.Fatalf("signintest: create app: %v", err)
	}
	p.ClientID, p.ClientSecret = app.ClientID, secret
	p.Scopes = append([]string{oidc.ScopeOpenID, oidc.ScopeProfile}, app.Scopes...)
	p.Scopes = slices.Compact(p.Scopes)
	if len(o.orgs) > 0 {
		p.update(t, func(a *store.App) { a.AuthorizedOrgs = o.orgs })
	}
	if len(o.spaceHosts) > 0 {
		p.AllowHosts(t, o.spaceHosts...)
	}
	return p
}

// Config returns a signin.Config for the test app: issuer, client id and
// secret, every scope the app may ask for, the provider's clock, and the
// Space hosts if any. Adjust it before calling signin.New.
func (p *Provider) Config() signin.Config {
	return signin.Config{
		Issuer:       p.URL,
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		Scopes:       slices.Clone(p.Scopes),
		Hosts:        slices.Clone(p.hosts),
		Now:          p.now,
	}
}

// AllowHosts makes the test app a Space app (if it is not one yet) served
// at these hosts as well: any https URL on them, and any http URL on the
// loopback ones, becomes an accepted redirect URI. Use it for an app
// server started after the provider, e.g. with the host of an
// httptest.Server.
func (p *Provider) AllowHosts(t testing.TB, hosts ...string) {
	t.Helper()
	p.update(t, func(a *store.App) {
		if a.SpaceID == "" {
			a.SpaceID = Username + "/signintest"
		}
		for _, h := range hosts {
			h = strings.ToLower(h)
			if !slices.Contains(a.SpaceHosts, h) {
				a.SpaceHosts = append(a.SpaceHosts, h)
			}
		}
		p.hosts = slices.Clone(a.SpaceHosts)
	})
}

func (p *Provider) update(t testing.TB, f func(*store.App)) {
	t.Helper()
	err := p.db.UpdateApp(context.Background(), p.ClientID, func(a *store.App) error {
		f(a)
		a.UpdatedAt = p.now()
		return nil
	})
	if err != nil {
		t.Fatalf("signintest: update app: %v", err)
	}
}

// AddUser creates a user with password Password, member (admin) of the
// given orgs, which must exist (OrgName does).
func (p *Provider) AddUser(t testing.TB, username string, orgs ...string) User {
	t.Helper()
	ctx := context.Background()
	hash, err := passwordHash()
	if err != nil {
		t.Fatalf("signintest: hash password: %v", err)
	}
	u := store.User{
		ID: accounts.NewID(), Username: username, FullName: strings.ToUpper(username[:1]) + username[1:] + " Tester",
		Email: username + "@example.com", EmailVerified: true, PasswordHash: hash, CreatedAt: p.now(),
	}
	if err := p.db.CreateUser(ctx, u); err != nil {
		t.Fatalf("signintest: add user %s: %v", username, err)
	}
	for _, name := range orgs {
		o, err := p.db.OrgByName(ctx, name)
		if err != nil {
			t.Fatalf("signintest: org %s: %v", name, err)
		}
		if err := p.db.SetMember(ctx, o.ID, u.ID, store.RoleAdmin); err != nil {
			t.Fatalf("signintest: membership: %v", err)
		}
	}
	return User{ID: u.ID, Username: u.Username, Password: Password, Email: u.Email}
}

// RotateKeys rotates the provider's signing keys twice, so that the next
// ID tokens are signed with a key that was never published before: a
// relying party must fetch the JWKS again to verify them.
func (p *Provider) RotateKeys(t testing.TB) {
	t.Helper()
	for range 2 {
		for _, alg := range keys.Algorithms() {
			if err := p.keys.Rotate(context.Background(), alg); err != nil {
				t.Fatalf("signintest: rotate keys: %v", err)
			}
		}
	}
}

// Close stops the provider: from then on it refuses connections, as a
// provider that is down does. The test's cleanup calls it too.
func (p *Provider) Close() {
	p.once.Do(func() {
		p.srv.CloseClientConnections()
		p.srv.Close()
	})
}

var quietLogger = slog.New(slog.DiscardHandler)

// The password hash and the signing keys are made once per test binary:
// argon2id and RSA key generation dominate the cost of a provider.
var (
	hasher   = accounts.NewHasher(0)
	hashOnce sync.Once
	hashed   string
	hashErr  error
)

func passwordHash() (string, error) {
	hashOnce.Do(func() { hashed, hashErr = hasher.Hash(context.Background(), Password) })
	return hashed, hashErr
}

// RevokeTokens revokes every token the test app holds, as a user who
// removes the app from their connected applications does: access tokens
// stop working and refresh tokens are refused.
func (p *Provider) RevokeTokens(t testing.TB) {
	t.Helper()
	if _, err := p.db.RevokeTokens(context.Background(), store.TokenFilter{ClientID: p.ClientID}, p.now()); err != nil {
		t.Fatalf("signintest: revoke tokens: %v", err)
	}
}
