package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/grants"
	"github.com/hubid/hubid/internal/keys"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/secretbox"
	"github.com/hubid/hubid/internal/server"
	"github.com/hubid/hubid/internal/store"
)

// Config is what the provider needs. Issuer and Store are required; every
// other field has a working default.
type Config struct {
	// Issuer is the public URL of the provider, an origin without path.
	Issuer string
	Store  store.Store
	// Logger receives every log line of the stack; nil discards them.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// SpacesDomain: Spaces are served at {owner}-{name}.{SpacesDomain}
	// (default "localhost").
	SpacesDomain string
	// SpaceCustomDomains: see server.Config.SpaceCustomDomains.
	SpaceCustomDomains bool
	// Refresh sets refresh-token lifetimes; zero fields take the defaults.
	Refresh grants.RefreshLifetimes
	// KeyCacheTTL is how long signing keys are cached before they are
	// reloaded from the store (keys.DefaultCacheTTL when zero).
	KeyCacheTTL time.Duration
	// Passwords checks passwords; an accounts.Hasher with the default
	// concurrency bound when nil.
	Passwords server.Passwords
	// FailedLoginDelay is added to every failed login (default 300 ms);
	// negative disables it.
	FailedLoginDelay time.Duration
	// Sleep applies FailedLoginDelay (default: a timer); tests replace it.
	Sleep func(ctx context.Context, d time.Duration)
	// Limits are the rate limits (sign-in, token, device authorization,
	// user-code entry, authorize) and the trusted proxies, on the clock
	// Now. nil: no rate limits, for in-process tests and benchmarks;
	// `hubid serve` and `hubid dev` always pass them (limits.Default()
	// unless flags change it).
	Limits *limits.Config
	// SecretKey seals the store's secrets (the CSRF/MAC key, the
	// authorization-code key, the signing keys' private keys) so that a
	// copy of the database alone opens none of them. nil: they are stored
	// as they are, for in-process tests and signintest; `hubid serve` and
	// `hubid dev` always pass one. A database sealed with another key, or
	// sealed when this is nil, is refused.
	SecretKey *secretbox.Key
	// DevClientID: `hubid dev` only, its demo app's client id, which turns
	// on the built-in callback page /dev/callback (server.Config.DevClientID).
	DevClientID string
	// Registration says which clients may register themselves (RFC 7591);
	// the zero value is off.
	Registration protocol.RegistrationPolicy
	// TokenDefaultExpiry: see server.Config.TokenDefaultExpiry (0: new
	// tokens never expire unless their creator says).
	TokenDefaultExpiry time.Duration
	// RegistrationTTL: CollectGarbage deletes registered apps that nobody
	// owns or uses once they are older than this; 0 keeps them.
	RegistrationTTL time.Duration
}

// Provider is a built provider stack.
type Provider struct {
	Store store.Store
	// Keys signs ID tokens and publishes the JWKS.
	Keys *keys.Manager
	// Passwords is the password checker the login page uses.
	Passwords server.Passwords
	// Server is the HTTP layer; Handler returns its root handler.
	Server *server.Server
	log    *slog.Logger
	now    func() time.Time
	// registrationTTL is Config.RegistrationTTL.
	registrationTTL time.Duration
	// handler is the server's, behind /healthz and /readyz.
	handler http.Handler
}

// New builds the provider: it loads (or creates) the store's secrets and
// signing keys, sealed with cfg.SecretKey (sealing plaintext ones of an
// older database first), then the token endpoint and the HTTP server.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Store == nil {
		return nil, errors.New("provider: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Passwords == nil {
		cfg.Passwords = accounts.NewHasher(0)
	}
	secrets, err := secretbox.Open(ctx, cfg.Store, cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	km := keys.New(secrets, cfg.Now, keys.WithCacheTTL(cfg.KeyCacheTTL), keys.WithLogger(cfg.Logger))
	if err := km.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	macKey, err := secrets.Secret(ctx, "csrf-key", randomKey(32))
	if err != nil {
		return nil, fmt.Errorf("load the CSRF key: %w", err)
	}
	codeKey, err := secrets.Secret(ctx, "code-key", randomKey(grants.CodeKeySize))
	if err != nil {
		return nil, fmt.Errorf("load the authorization-code key: %w", err)
	}
	codes, err := grants.NewCodes(codeKey)
	if err != nil {
		return nil, err
	}
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	minter := &grants.Minter{Issuer: issuer, Signer: km, Now: cfg.Now, Refresh: cfg.Refresh, Log: cfg.Logger}
	token := grants.NewHandler(cfg.Store, issuer, cfg.Now,
		grants.AuthorizationCode{Store: cfg.Store, Minter: minter, Codes: codes},
		grants.RefreshToken{Store: cfg.Store, Minter: minter},
		grants.DeviceCode{Store: cfg.Store, Minter: minter},
	)
	var lim *limits.Set
	if cfg.Limits != nil {
		lim = limits.New(*cfg.Limits, cfg.Now)
	}
	token.Limits = lim
	srv, err := server.New(server.Config{
		Issuer: cfg.Issuer, Store: cfg.Store, Keys: km, Passwords: cfg.Passwords, Logger: cfg.Logger, Now: cfg.Now,
		SpacesDomain: cfg.SpacesDomain, SpaceCustomDomains: cfg.SpaceCustomDomains, FailedLoginDelay: cfg.FailedLoginDelay, Sleep: cfg.Sleep,
		MACKey: macKey, Codes: codes, Token: token, Limits: lim, DevClientID: cfg.DevClientID,
		Registration: cfg.Registration, TokenDefaultExpiry: cfg.TokenDefaultExpiry,
	})
	if err != nil {
		return nil, err
	}
	p := &Provider{Store: cfg.Store, Keys: km, Passwords: cfg.Passwords, Server: srv, log: cfg.Logger, now: cfg.Now,
		registrationTTL: cfg.RegistrationTTL}
	p.handler = p.withHealth(srv.Handler())
	return p, nil
}

// Handler returns the provider's root HTTP handler: the server's, with
// GET /healthz and GET /readyz for load balancers (health.go).
func (p *Provider) Handler() http.Handler { return p.handler }

// Issuer returns the issuer URL, without trailing slash.
func (p *Provider) Issuer() string { return p.Server.Issuer() }

// CollectGarbage deletes expired codes, tokens, sessions and device codes
// once, and registered apps unused for Config.RegistrationTTL (see
// store.Store.DeleteUnusedRegisteredApps), logging what it removed.
func (p *Provider) CollectGarbage(ctx context.Context) error {
	began := time.Now()
	now := p.now()
	res, err := p.Store.GarbageCollect(ctx, now)
	if err != nil {
		return err
	}
	if p.registrationTTL > 0 {
		n, err := p.Store.DeleteUnusedRegisteredApps(ctx, now.Add(-p.registrationTTL), now)
		if err != nil {
			return err
		}
		if n > 0 {
			p.log.InfoContext(ctx, "deleted unused registered apps", "apps", n, "older_than", p.registrationTTL)
		}
	}
	if res.Codes+res.Tokens+res.Sessions+res.DeviceCodes > 0 {
		p.log.InfoContext(ctx, "garbage collected", "codes", res.Codes, "tokens", res.Tokens, "sessions", res.Sessions,
			"device_codes", res.DeviceCodes, "took", time.Since(began).Round(time.Millisecond))
	}
	return nil
}

// RunGC collects garbage now and then every interval until ctx is done.
// Errors are logged; a failed run is retried at the next tick.
func (p *Provider) RunGC(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := p.CollectGarbage(ctx); err != nil && ctx.Err() == nil {
			p.log.ErrorContext(ctx, "garbage collection", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// randomKey returns a generator of n random bytes, for store.Secret.
func randomKey(n int) func() ([]byte, error) {
	return func() ([]byte, error) {
		b := make([]byte, n)
		_, err := rand.Read(b)
		return b, err
	}
}
