package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/grants"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
)

// KeySet signs ID tokens and publishes the verification keys.
type KeySet interface {
	grants.Signer
	// JWKSJSON returns the JSON Web Key Set document.
	JWKSJSON(ctx context.Context) ([]byte, error)
	// Verify checks a JWS signed by one of the published keys and returns
	// its payload (id_token_hint at logout).
	Verify(ctx context.Context, token string) ([]byte, error)
}

// Passwords checks passwords against stored hashes, and hashes the new
// password of a change (/settings/password).
type Passwords interface {
	// Hash hashes pw into the PHC string to store.
	Hash(ctx context.Context, pw string) (string, error)
	// Verify reports whether pw matches the PHC-encoded hash.
	Verify(ctx context.Context, phc, pw string) (bool, error)
	// VerifyDummy spends the cost of one verification, so that an unknown
	// username takes as long as a wrong password.
	VerifyDummy(ctx context.Context, pw string) error
}

// Config is what the server needs. Everything but Logger, Now, SpacesDomain,
// FailedLoginDelay, Sleep and Limits is required. internal/provider builds it.
type Config struct {
	// Issuer is the public URL of the provider, without trailing slash.
	// It is never derived from request headers.
	Issuer    string
	Store     store.Store
	Keys      KeySet
	Passwords Passwords
	Logger    *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// SpacesDomain is the domain Space hosts live under by default:
	// {owner}-{name}.{SpacesDomain}. Default "localhost".
	SpacesDomain string
	// SpaceCustomDomains lets the Spaces API give a Space hosts outside
	// SpacesDomain (see spaces.HostPolicy); off by default, since custom
	// domains are not verified.
	SpaceCustomDomains bool
	// FailedLoginDelay is added to every failed login (default 300 ms);
	// negative disables it (tests).
	FailedLoginDelay time.Duration
	// Sleep waits d or until ctx is done; it applies FailedLoginDelay.
	// Default: a timer. Tests replace it to see the delay without waiting.
	Sleep func(ctx context.Context, d time.Duration)
	// MACKey binds forms and proofs to a session (CSRF tokens, consent and
	// logout forms, re-authentication proofs).
	MACKey []byte
	// Codes seals the authorization codes the authorize endpoint issues.
	Codes *grants.Codes
	// Token is the token endpoint, which also serves device authorization,
	// revocation and introspection.
	Token *grants.Handler
	// Limits rate-limits sign-in, user-code entry and authorization
	// requests; nil: none.
	Limits *limits.Set
	// DevClientID is set by `hubid dev` only, to its demo app's client id:
	// then GET /dev/callback is the built-in callback page (see
	// serveDevCallback). Empty (serve): no such route.
	DevClientID string
	// Registration says which clients may register themselves at
	// /oauth/register (RFC 7591); the zero value is off.
	Registration protocol.RegistrationPolicy
	// TokenDefaultExpiry is the lifetime the tokens page proposes for a
	// new user access token; 0 proposes tokens that never expire.
	TokenDefaultExpiry time.Duration
}

// Server is the HTTP side of the provider.
type Server struct {
	issuer  string
	issuerU *url.URL
	store   store.Store
	keys    KeySet
	pw      Passwords
	log     *slog.Logger
	now     func() time.Time
	delay   time.Duration
	sleep   func(ctx context.Context, d time.Duration)
	csrfKey []byte
	codes   *grants.Codes // seals and opens authorization codes
	secure  bool          // cookies get Secure (issuer is https)
	token   *grants.Handler
	limits  *limits.Set // nil: none
	// registration: who may register at /oauth/register.
	registration protocol.RegistrationPolicy
	// spacesDomain: Spaces live at {owner}-{name}.{spacesDomain}.
	spacesDomain string
	customHosts  bool          // Config.SpaceCustomDomains
	tokenExpiry  time.Duration // Config.TokenDefaultExpiry
	handler      http.Handler
	pages        *pages
	devClientID  string // "": no /dev/callback (see Config.DevClientID)
}

// New checks cfg and builds the server.
func New(cfg Config) (*Server, error) {
	var problems []string
	iss, err := url.Parse(cfg.Issuer)
	switch {
	case cfg.Issuer == "":
		problems = append(problems, "issuer is empty: set the public URL of the provider, e.g. https://hub.example.com")
	case err != nil || (iss.Scheme != "https" && iss.Scheme != "http") || iss.Host == "":
		problems = append(problems, fmt.Sprintf("issuer %q is not an absolute http(s) URL", cfg.Issuer))
	case iss.Path != "" && iss.Path != "/":
		problems = append(problems, fmt.Sprintf("issuer %q has a path; huggingface.js derives discovery from the origin, so the issuer must be an origin such as %s://%s", cfg.Issuer, iss.Scheme, iss.Host))
	case iss.RawQuery != "" || iss.Fragment != "":
		problems = append(problems, fmt.Sprintf("issuer %q has a query or fragment", cfg.Issuer))
	}
	if cfg.Store == nil {
		problems = append(problems, "no store")
	}
	if cfg.Keys == nil {
		problems = append(problems, "no signing keys")
	}
	if cfg.Passwords == nil {
		problems = append(problems, "no password checker")
	}
	if len(cfg.MACKey) < 32 {
		problems = append(problems, "no MAC key of at least 32 bytes")
	}
	if cfg.Codes == nil {
		problems = append(problems, "no authorization-code sealer")
	}
	if cfg.Token == nil {
		problems = append(problems, "no token endpoint")
	}
	if len(problems) > 0 {
		return nil, errors.New("server configuration: " + strings.Join(problems, "; "))
	}
	s := &Server{
		issuer:       strings.TrimSuffix(cfg.Issuer, "/"),
		store:        cfg.Store,
		keys:         cfg.Keys,
		pw:           cfg.Passwords,
		log:          cfg.Logger,
		now:          cfg.Now,
		delay:        cfg.FailedLoginDelay,
		sleep:        cfg.Sleep,
		secure:       iss.Scheme == "https",
		spacesDomain: cfg.SpacesDomain,
		customHosts:  cfg.SpaceCustomDomains,
		csrfKey:      cfg.MACKey,
		codes:        cfg.Codes,
		token:        cfg.Token,
		limits:       cfg.Limits,
		devClientID:  cfg.DevClientID,
		registration: cfg.Registration,
		tokenExpiry:  cfg.TokenDefaultExpiry,
	}
	if s.spacesDomain == "" {
		s.spacesDomain = "localhost"
	}
	s.issuerU, _ = url.Parse(s.issuer)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.delay == 0 {
		s.delay = 300 * time.Millisecond
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	if s.pages, err = loadPages(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Issuer returns the issuer URL.
func (s *Server) Issuer() string { return s.issuer }
