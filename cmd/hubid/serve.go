package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/keys"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/secretbox"
	"github.com/hubid/hubid/internal/store"
)

// serveConfig is the configuration of serve and dev.
type serveConfig struct {
	SpacesDomain string
	Addr         string
	Issuer       string
	DataDir      string
	DatabaseURL  string
	Dev          bool
	GCInterval   time.Duration
	// HFCLIApp registers the Hugging Face CLI app (see ensureHFCLIApp).
	HFCLIApp bool
	// SpaceCustomDomains: see server.Config.SpaceCustomDomains.
	SpaceCustomDomains bool
	// MaxConnections caps the open connections (--max-connections).
	MaxConnections int
	// KeyCacheTTL: see env.keyCacheTTL (no flag).
	KeyCacheTTL time.Duration
	// Limits: the rate limits and trusted proxies (--limit-*,
	// --trusted-proxies); limitProblems, what was wrong with them (and
	// with the secret key).
	Limits        limits.Config
	limitProblems []string
	// TokenDefaultExpiry is the lifetime the tokens page proposes for new
	// access tokens (--token-default-expiry); 0 = never expire.
	TokenDefaultExpiry time.Duration
	// SecretKey seals the database's secrets: serve's --secret-key-file
	// (or HUBID_SECRET_KEY), required; dev's key file in its data directory.
	SecretKey *secretbox.Key
	// devClientID: dev only, the demo app, whose callback page
	// (/dev/callback) the hub then serves.
	devClientID string
	// Registration: who may register at /oauth/register (--registration).
	Registration protocol.RegistrationPolicy
	// RegistrationTTL: registered apps unused this long are deleted
	// (--registration-ttl); 0 keeps them.
	RegistrationTTL time.Duration
}

// Validate explains every problem at once.
func (c serveConfig) Validate() error {
	problems := append([]string(nil), c.limitProblems...)
	if c.Addr == "" {
		problems = append(problems, "--addr is empty; give host:port to listen on, e.g. :8080")
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Sprintf("--addr %q is not host:port (%v)", c.Addr, err))
	}
	if c.DataDir == "" {
		problems = append(problems, "--data is empty; give the data directory")
	}
	if c.MaxConnections < 1 {
		problems = append(problems, fmt.Sprintf("--max-connections %d: give at least 1 (the default is %d)", c.MaxConnections, defaultMaxConnections))
	}
	if c.TokenDefaultExpiry < 0 {
		problems = append(problems, fmt.Sprintf("--token-default-expiry %v is negative; give a duration such as 2160h (90 days), or 0 for tokens that never expire", c.TokenDefaultExpiry))
	}
	if c.RegistrationTTL < 0 {
		problems = append(problems, fmt.Sprintf("--registration-ttl %v is negative; give a duration such as 720h (30 days), or 0 to keep registered apps", c.RegistrationTTL))
	}
	if c.GCInterval < time.Second {
		problems = append(problems, fmt.Sprintf("--gc-interval %v is too short; give at least 1s (the default is %v)", c.GCInterval, defaultGCInterval))
	}
	if !c.Dev {
		u, err := url.Parse(c.Issuer)
		switch {
		case c.Issuer == "":
			problems = append(problems, "--issuer (or HUBID_ISSUER) is required: the public URL people and apps reach hubid at, e.g. https://hub.example.com; it is never guessed from request headers")
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			problems = append(problems, fmt.Sprintf("--issuer %q is not an absolute http(s) URL", c.Issuer))
		case u.Path != "" && u.Path != "/":
			problems = append(problems, fmt.Sprintf("--issuer %q has a path; it must be an origin such as %s://%s (huggingface.js looks for discovery at the origin)", c.Issuer, u.Scheme, u.Host))
		}
	}
	if len(problems) > 0 {
		return usageError{msg: strings.Join(problems, "; ")}
	}
	return nil
}

// parseServe reads the flags serve and dev share; dev differs only in its
// default address and in needing no issuer.
func (e *env) parseServe(args []string, dev bool) (serveConfig, error) {
	name, usage, addr := "serve", "serve --issuer URL [--addr HOST:PORT] [--data DIR] [--spaces-domain DOMAIN] [--gc-interval 10m] [--hf-cli-app] [--secret-key-file FILE] [--trusted-proxies CIDRS] [--registration off|public|open] [--limit-* N/DURATION|off]", ":8080"
	if dev {
		name, usage, addr = "dev", "dev [--addr HOST:PORT] [--data DIR] [--spaces-domain DOMAIN] [--gc-interval 10m] [--trusted-proxies CIDRS] [--registration off|public|open] [--limit-* N/DURATION|off]", "127.0.0.1:8080"
	}
	fs := e.newFlags(name, usage)
	cfg := serveConfig{Dev: dev, KeyCacheTTL: e.keyCacheTTL}
	fs.StringVar(&cfg.Addr, "addr", e.envOr("HUBID_ADDR", addr), "address to listen on (env HUBID_ADDR)")
	if !dev {
		fs.StringVar(&cfg.Issuer, "issuer", e.getenv("HUBID_ISSUER"), "public URL of this provider, an origin without path (env HUBID_ISSUER); required")
	}
	fs.StringVar(&cfg.SpacesDomain, "spaces-domain", e.envOr("HUBID_SPACES_DOMAIN", "localhost"), "Spaces are served at {owner}-{name}.DOMAIN (env HUBID_SPACES_DOMAIN)")
	fs.BoolVar(&cfg.SpaceCustomDomains, "space-custom-domains", e.getenv("HUBID_SPACE_CUSTOM_DOMAINS") == "true" || e.getenv("HUBID_SPACE_CUSTOM_DOMAINS") == "1",
		"let Space syncs give a Space hosts outside the spaces domain; they are not verified, so any Space owner can then make the hub redirect to a host they name (env HUBID_SPACE_CUSTOM_DOMAINS=true)")
	fs.StringVar(&cfg.DataDir, "data", e.defaultDataDir(), "data directory holding the database (env HUBID_DATA)")
	e.databaseVar(fs, &cfg.DatabaseURL)
	if !dev {
		fs.BoolVar(&cfg.HFCLIApp, "hf-cli-app", e.getenv("HUBID_HF_CLI_APP") == "true" || e.getenv("HUBID_HF_CLI_APP") == "1", "register a public device-flow app under huggingface_hub's CLI client id, so HF_ENDPOINT=URL hf auth login works (env HUBID_HF_CLI_APP=true; dev always does)")
	}
	var keyFile *string
	if !dev {
		keyFile = e.secretKeyFlag(fs)
	}
	maxConns := defaultMaxConnections
	if v := e.getenv("HUBID_MAX_CONNECTIONS"); v != "" {
		var err error
		if maxConns, err = strconv.Atoi(v); err != nil {
			cfg.limitProblems = append(cfg.limitProblems, fmt.Sprintf("HUBID_MAX_CONNECTIONS %q is not a number", v))
		}
	}
	fs.IntVar(&cfg.MaxConnections, "max-connections", maxConns,
		"most connections open at once; more wait in the kernel's backlog. Keep it well under the open-file limit (ulimit -n) (env HUBID_MAX_CONNECTIONS)")
	fs.DurationVar(&cfg.GCInterval, "gc-interval", defaultGCInterval, "how often expired codes, tokens and sessions are deleted")
	tokenExpiry := accounts.DefaultTokenExpiry
	if v := e.getenv("HUBID_TOKEN_DEFAULT_EXPIRY"); v != "" {
		var err error
		if tokenExpiry, err = time.ParseDuration(v); err != nil {
			cfg.limitProblems = append(cfg.limitProblems, fmt.Sprintf("HUBID_TOKEN_DEFAULT_EXPIRY %q is not a duration such as 2160h", v))
		}
	}
	fs.DurationVar(&cfg.TokenDefaultExpiry, "token-default-expiry", tokenExpiry, "lifetime proposed for new access tokens on the tokens page; 0 = never expire (env HUBID_TOKEN_DEFAULT_EXPIRY)")
	proxies := fs.String("trusted-proxies", e.getenv("HUBID_TRUSTED_PROXIES"), "CIDR prefixes of the proxies in front, whose X-Forwarded-For gives the client IP; without them the peer address is the client's (env HUBID_TRUSTED_PROXIES)")
	limitFlags := e.limitFlags(fs, &cfg)
	defRegistration := "off"
	if dev {
		defRegistration = "public"
	}
	registration := fs.String("registration", e.envOr("HUBID_REGISTRATION", defRegistration), "who may register an app by itself at /oauth/register (RFC 7591): off, public (public clients with PKCE, loopback or https redirect URIs) or open (confidential ones too) (env HUBID_REGISTRATION)")
	registrationTTL := defaultRegistrationTTL
	if v := e.getenv("HUBID_REGISTRATION_TTL"); v != "" {
		var err error
		if registrationTTL, err = time.ParseDuration(v); err != nil {
			cfg.limitProblems = append(cfg.limitProblems, fmt.Sprintf("HUBID_REGISTRATION_TTL %q is not a duration such as 720h", v))
		}
	}
	fs.DurationVar(&cfg.RegistrationTTL, "registration-ttl", registrationTTL, "registered apps nobody has allowed and without live tokens are deleted this long after they registered; 0 = keep them (env HUBID_REGISTRATION_TTL)")
	if pos, err := parse(fs, args); err != nil {
		return cfg, err
	} else if len(pos) > 0 {
		return cfg, usagef("unexpected argument %q", pos[0])
	}
	cfg.Limits = limits.Default()
	for k, l := range limitFlags {
		cfg.Limits.Limits[k] = *l
	}
	var err error
	if !dev {
		if cfg.SecretKey, err = e.secretKey(*keyFile, ""); err != nil {
			cfg.limitProblems = append(cfg.limitProblems, err.Error())
		} else if cfg.SecretKey == nil {
			cfg.limitProblems = append(cfg.limitProblems, "--secret-key-file (or HUBID_SECRET_KEY) is required: the key that seals the database's secrets, kept apart from the database; make one with 'hubid secret-key generate --out FILE'")
		}
	}
	if cfg.Registration, err = protocol.ParseRegistrationPolicy(*registration); err != nil {
		cfg.limitProblems = append(cfg.limitProblems, "--registration: "+err.Error())
	}
	if cfg.Limits.TrustedProxies, err = limits.ParseProxies(*proxies); err != nil {
		cfg.limitProblems = append(cfg.limitProblems, "--trusted-proxies: "+err.Error())
	}
	return cfg, cfg.Validate()
}

// limitFlags adds a --limit-* flag per rate limit, defaulting to
// HUBID_LIMIT_* or the built-in default.
func (e *env) limitFlags(fs *flag.FlagSet, cfg *serveConfig) map[limits.Kind]*limits.Limit {
	def := limits.Default()
	out := map[limits.Kind]*limits.Limit{}
	for _, k := range limits.Kinds() {
		l := def.Limits[k]
		name := "HUBID_" + strings.ToUpper(strings.ReplaceAll(k.Flag(), "-", "_"))
		if v := e.getenv(name); v != "" {
			if err := l.Set(v); err != nil {
				cfg.limitProblems = append(cfg.limitProblems, name+": "+err.Error())
			}
		}
		out[k] = &l
		fs.Var(&l, k.Flag(), fmt.Sprintf("rate limit on %s: N/DURATION (N at once, N more per DURATION) or off (env %s)", k.Description(), name))
	}
	return out
}

func runServe(ctx context.Context, e *env, args []string) error {
	cfg, err := e.parseServe(args, false)
	if err != nil {
		return err
	}
	st, err := openStore(cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.HFCLIApp {
		if _, err := ensureHFCLIApp(ctx, st, time.Now()); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	log.Info("hubid serving", "issuer", issuer, "addr", ln.Addr().String(), "data", cfg.DataDir)
	return serveHTTP(ctx, ln, issuer, cfg, st, log)
}

func runDev(ctx context.Context, e *env, args []string) error {
	cfg, err := e.parseServe(args, true)
	if err != nil {
		return err
	}
	st, err := openStore(cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.SecretKey, err = devSecretKey(cfg.DataDir); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("%w (is another hubid running? pick another port with --addr)", err)
	}
	issuer := devIssuer(ln.Addr().(*net.TCPAddr))
	if err := writeDevIssuer(cfg.DataDir, issuer); err != nil {
		ln.Close()
		return err
	}
	creds, err := seedDemo(ctx, st, accounts.NewHasher(0), cfg.DataDir)
	if err != nil {
		ln.Close()
		return err
	}
	if creds, err = ensureDevCallback(ctx, st, cfg.DataDir, issuer, creds); err != nil {
		ln.Close()
		return err
	}
	cfg.devClientID = creds.ClientID
	printDevBanner(e, issuer, cfg.DataDir, creds)
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	return serveHTTP(ctx, ln, issuer, cfg, st, log)
}

// devIssuer derives the dev issuer from the listening address: loopback
// stays as it is, an unspecified address becomes localhost.
func devIssuer(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// defaultGCInterval is how often serve and dev delete expired rows.
const defaultGCInterval = 10 * time.Minute

// defaultRegistrationTTL is how long a registered app may stay unused.
const defaultRegistrationTTL = 30 * 24 * time.Hour

// serveHTTP runs the provider on ln until ctx is done, then shuts down
// gracefully. Expired codes, tokens and sessions are collected at start
// and every cfg.GCInterval.
func serveHTTP(ctx context.Context, ln net.Listener, issuer string, cfg serveConfig, st store.Store, log *slog.Logger) error {
	p, err := provider.New(ctx, provider.Config{
		Issuer: issuer, Store: st, Logger: log, SpacesDomain: cfg.SpacesDomain, SpaceCustomDomains: cfg.SpaceCustomDomains, KeyCacheTTL: cfg.KeyCacheTTL,
		Passwords: commandHasher(), Limits: &cfg.Limits, SecretKey: cfg.SecretKey, DevClientID: cfg.devClientID,
		Registration: cfg.Registration, TokenDefaultExpiry: cfg.TokenDefaultExpiry, RegistrationTTL: cfg.RegistrationTTL,
	})
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("ID tokens", "rs256_signer", keys.RSABackend)
	logLimits(log, cfg.Limits)
	hs := &http.Server{
		Handler:           p.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       30 * time.Second, // an idle keep-alive holds a descriptor
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		p.RunGC(ctx, cfg.GCInterval)
	}()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(limitListen(ln, cfg.MaxConnections)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	<-gcDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// logLimits logs the rate limits in force, once at start.
func logLimits(log *slog.Logger, c limits.Config) {
	attrs := []any{"trusted_proxies", fmt.Sprint(c.TrustedProxies)}
	for _, k := range limits.Kinds() {
		attrs = append(attrs, k.String(), c.Limits[k].String())
	}
	log.Info("rate limits", attrs...)
}
