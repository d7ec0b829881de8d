package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/server"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// devCredentials are the demo login and app secret, kept in the data
// directory (mode 0600) so that every dev start can print them again: the
// database holds only their hashes.
type devCredentials struct {
	Username     string   `json:"username"`
	Password     string   `json:"password"`
	Org          string   `json:"org"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       string   `json:"scopes"`
	RedirectURIs []string `json:"redirect_uris"`
	// CLIClientID is the public "hubid CLI" app that hubid login (and any
	// huggingface_hub-style device login) uses.
	CLIClientID string `json:"cli_client_id,omitempty"`
}

const credentialsFile = "dev-credentials.json"

// Demo seed values.
const (
	demoUser = "demo"
	demoOrg  = "demo-org"
)

var demoScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeReadBilling, oidc.ScopeReadMemberships,
	oidc.ScopeReadRepos, oidc.ScopeWriteRepos, oidc.ScopeManageRepos, oidc.ScopeInferenceAPI}

// Loopback redirect URIs: any port matches, so local apps on any port work.
var demoRedirects = []string{
	"http://localhost/login/callback", "http://127.0.0.1/login/callback",
	"http://localhost/auth/callback", "http://127.0.0.1/auth/callback",
	"http://localhost/callback", "http://127.0.0.1/callback",
}

// demoLogoutRedirects are where logout may return to: the apps' home pages.
var demoLogoutRedirects = []string{"http://localhost/", "http://127.0.0.1/"}

// The "hubid CLI" app: public, no redirect URIs (device flow only), tokens
// of 30 days with a refresh token, as huggingface.co's CLI app. Its refresh
// tokens outlive them (31 days unused, 60 days per login: see
// protocol.RefreshIdle and protocol.RefreshAbsolute), so "hubid login"
// refreshing with a day left works.
const (
	cliAppName  = "hubid CLI"
	cliTokenTTL = 30 * 24 * time.Hour
	// hfCLIRefreshIdle is the HF CLI app's sliding inactivity window.
	hfCLIRefreshIdle = 90 * 24 * time.Hour
)

// seedCLIApp creates the hubid CLI app.
func seedCLIApp(ctx context.Context, st store.Store, now time.Time) (store.App, error) {
	app, _, err := apps.Create(ctx, st, apps.Spec{
		Name: cliAppName, Public: true, Scopes: demoScopes, TokenTTL: cliTokenTTL,
	}, now)
	if err != nil {
		return store.App{}, fmt.Errorf("seed the %s app: %w", cliAppName, err)
	}
	return app, nil
}

// The Hugging Face CLI app: huggingface_hub's "hf auth login" asks
// huggingface.co's device endpoint for a code with only this client id
// (its constant, overridable there with HF_DEVICE_CODE_OAUTH_CLIENT_ID).
// A hub that registers a public app under the same id lets
// "HF_ENDPOINT=https://hub hf auth login" work with nothing else set. It
// is the hubid CLI app under HF's id: public, device flow only, 30-day
// tokens with refresh tokens.
const (
	hfCLIClientID = "26be6b09-91c5-47da-9861-d2d2bb7a7e36"
	hfCLIAppName  = "Hugging Face CLI (hf auth login)"
)

// ensureHFCLIApp creates the Hugging Face CLI app under hfCLIClientID
// unless an app has that id already (left as it is: an admin may have
// changed its scopes). created says whether it was made now.
func ensureHFCLIApp(ctx context.Context, st store.Store, now time.Time) (created bool, err error) {
	if _, err := st.App(ctx, hfCLIClientID); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	// HF keeps a CLI login alive while it is used (a sliding inactivity
	// window of about three months, per huggingface_hub PR #4354): an
	// active user is never logged out.
	spec := apps.Spec{Name: hfCLIAppName, Public: true, Scopes: demoScopes, TokenTTL: cliTokenTTL,
		RefreshIdle: hfCLIRefreshIdle, RefreshAbsolute: store.NoRefreshLimit}
	if err := spec.Validate(); err != nil {
		return false, err
	}
	app, _ := apps.Build(spec, now)
	app.ClientID = hfCLIClientID
	if err := st.CreateApp(ctx, app); errors.Is(err, store.ErrAlreadyExists) {
		return false, nil // another replica made it first
	} else if err != nil {
		return false, fmt.Errorf("register the %s app: %w", hfCLIAppName, err)
	}
	return true, nil
}

// ensureDevCallback makes the hub's own callback page, issuer +
// /dev/callback (served by dev only), a redirect URI of the demo app, so
// a login by hand ends on a page that shows the code and the curl that
// redeems it. A data directory seeded before the page existed, or by a
// dev on another host, gets it added now; an http loopback URI already
// registered matches any port, so a dev on another port adds nothing.
func ensureDevCallback(ctx context.Context, st store.Store, dataDir, issuer string, c devCredentials) (devCredentials, error) {
	uri := issuer + server.DevCallbackPath
	if protocol.MatchRedirectURI(c.RedirectURIs, uri) {
		return c, nil
	}
	err := st.UpdateApp(ctx, c.ClientID, func(a *store.App) error {
		if !protocol.MatchRedirectURI(a.RedirectURIs, uri) {
			a.RedirectURIs = append(a.RedirectURIs, uri)
		}
		c.RedirectURIs = a.RedirectURIs
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return c, nil // the demo app was deleted: nothing to add it to
	} else if err != nil {
		return c, fmt.Errorf("add %s to the demo app: %w", uri, err)
	}
	return c, writeCredentials(filepath.Join(dataDir, credentialsFile), c)
}

// hasher hashes passwords.
type hasher interface {
	Hash(ctx context.Context, pw string) (string, error)
}

// seedDemo creates, the first time, a demo user with a random password, a
// demo org with the user as admin, a demo app and the hubid CLI app (and,
// at every start, the Hugging Face CLI app: see ensureHFCLIApp); later
// it reads the credentials back from the data directory (adding the CLI
// app to a data directory seeded before it existed).
func seedDemo(ctx context.Context, st store.Store, h hasher, dataDir string) (devCredentials, error) {
	if _, err := ensureHFCLIApp(ctx, st, time.Now()); err != nil {
		return devCredentials{}, err
	}
	path := filepath.Join(dataDir, credentialsFile)
	if b, err := os.ReadFile(path); err == nil {
		var c devCredentials
		if err := json.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("%s is damaged (%v); delete it and the demo user/app, or the whole data directory, to seed again", path, err)
		}
		if c.CLIClientID == "" {
			app, err := seedCLIApp(ctx, st, time.Now())
			if err != nil {
				return c, err
			}
			c.CLIClientID = app.ClientID
			return c, writeCredentials(path, c)
		}
		return c, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return devCredentials{}, err
	}
	if _, err := st.UserByName(ctx, demoUser); err == nil {
		return devCredentials{}, fmt.Errorf("user %q exists but %s is missing; set a password with 'hubid user passwd %s' and create an app with 'hubid app create', or start with an empty --data directory", demoUser, path, demoUser)
	}
	now := time.Now()
	pw, _ := store.NewSecret("")
	pw = strings.ToLower(pw[:16])
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return devCredentials{}, err
	}
	u := store.User{
		ID: accounts.NewID(), Username: demoUser, FullName: "Demo User", Email: "demo@example.com",
		EmailVerified: true, PasswordHash: hash, CreatedAt: now,
	}
	if err := st.CreateUser(ctx, u); err != nil {
		return devCredentials{}, fmt.Errorf("seed demo user: %w", err)
	}
	o := store.Org{ID: accounts.NewID(), Name: demoOrg, FullName: "Demo Org", CreatedAt: now}
	if err := st.CreateOrg(ctx, o); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return devCredentials{}, fmt.Errorf("seed demo org: %w", err)
	} else if err == nil {
		if err := st.SetMember(ctx, o.ID, u.ID, store.RoleAdmin); err != nil {
			return devCredentials{}, err
		}
	}
	app, secret, err := apps.Create(ctx, st, apps.Spec{
		Name: "Demo app", OwnerID: u.ID, RedirectURIs: demoRedirects, Scopes: demoScopes,
		RefreshTokens: true, PostLogoutRedirectURIs: demoLogoutRedirects,
	}, now)
	if err != nil {
		return devCredentials{}, fmt.Errorf("seed demo app: %w", err)
	}
	cli, err := seedCLIApp(ctx, st, now)
	if err != nil {
		return devCredentials{}, err
	}
	c := devCredentials{
		Username: demoUser, Password: pw, Org: demoOrg, ClientID: app.ClientID, ClientSecret: secret,
		Scopes: protocol.JoinScopes(app.Scopes), RedirectURIs: app.RedirectURIs, CLIClientID: cli.ClientID,
	}
	if err := writeCredentials(path, c); err != nil {
		return devCredentials{}, err
	}
	return c, nil
}

// writeCredentials writes the dev credentials file, mode 0600.
func writeCredentials(path string, c devCredentials) error {
	b, _ := json.MarshalIndent(c, "", "  ")
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

func printDevBanner(e *env, issuer, dataDir string, c devCredentials) {
	fmt.Fprintf(e.stdout, `hubid dev: an OpenID provider speaking "Sign in with HF", on embedded defaults.

  Issuer        %[1]s
  Sign in at    %[1]s/login   username %[2]s   password %[3]s

  Demo app (paste into your app's environment):
    OPENID_PROVIDER_URL=%[1]s
    OAUTH_CLIENT_ID=%[4]s
    OAUTH_CLIENT_SECRET=%[5]s
    OAUTH_SCOPES="openid profile email"
  Redirect URIs: %[6]s
                 (http on localhost/127.0.0.1 matches any port)
  Allowed scopes: %[7]s

  The hubid commands below (and hubid user, app, space…) need the binary:
    go install ./cmd/hubid     (from the repository; it lands in $(go env GOPATH)/bin, which must be on PATH)
  or run them as go run ./cmd/hubid … instead of hubid ….

  Device login (RFC 8628; hubid login, huggingface_hub-style clients), in another terminal:
    HUBID_CLIENT_ID=%[11]s hubid login --hub %[1]s
    HF_ENDPOINT=%[1]s hf auth login      (huggingface_hub's CLI, as is)

  Data          %[8]s  (database %[9]s, demo credentials in %[10]s)
  Discovery     %[1]s/.well-known/openid-configuration

`, issuer, c.Username, c.Password, c.ClientID, c.ClientSecret, strings.Join(c.RedirectURIs, " "), c.Scopes,
		dataDir, dbFile, credentialsFile, c.CLIClientID)
}
