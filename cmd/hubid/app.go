package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// runApp runs "hubid app": create, list, show, rotate-secret, delete.
func runApp(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "app", args, []verb{
		{"create", "create an OAuth app; prints its client id and, once, its secret", appCreate},
		{"list", "list the apps", appList},
		{"show", "show one app (CLIENT_ID)", appShow},
		{"rotate-secret", "give an app a new client secret, revoking its tokens", appRotate},
		{"delete", "delete an app and its tokens", appDelete},
	})
}

type appJSON struct {
	ClientID       string   `json:"client_id"`
	ClientSecret   string   `json:"client_secret,omitempty"`
	Name           string   `json:"name"`
	Public         bool     `json:"public"`
	RedirectURIs   []string `json:"redirect_uris"`
	Scopes         string   `json:"scopes"`
	TokenLifetime  int64    `json:"token_lifetime_seconds"`
	IDTokenAlg     string   `json:"id_token_signing_alg"`
	SpaceID        string   `json:"space_id,omitempty"`
	SpaceHosts     []string `json:"space_hosts,omitempty"`
	AuthorizedOrgs []string `json:"authorized_orgs,omitempty"`
	RefreshTokens  bool     `json:"refresh_tokens"`
	PostLogout     []string `json:"post_logout_redirect_uris,omitempty"`
	Registered     bool     `json:"registered"`
	RequirePKCE    bool     `json:"require_pkce"`
	ResourceServer bool     `json:"resource_server"`
	Disabled       bool     `json:"disabled"`
	CreatedAt      string   `json:"created_at"`
}

func toAppJSON(a store.App, secret string) appJSON {
	ru := a.RedirectURIs
	if ru == nil {
		ru = []string{}
	}
	return appJSON{
		ClientID: a.ClientID, ClientSecret: secret, Name: a.Name, Public: a.Public, RedirectURIs: ru,
		Scopes: protocol.JoinScopes(a.Scopes), TokenLifetime: int64(a.TokenTTL / time.Second), IDTokenAlg: a.IDTokenAlg,
		SpaceID: a.SpaceID, SpaceHosts: a.SpaceHosts, AuthorizedOrgs: a.AuthorizedOrgs, Disabled: a.Disabled,
		RefreshTokens: a.RefreshTokens, PostLogout: a.PostLogoutRedirectURIs, Registered: a.Registered,
		RequirePKCE: a.RequirePKCE, ResourceServer: a.ResourceServer,
		CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339),
	}
}

func (e *env) printApp(a store.App, secret string) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "client_id:\t%s\n", a.ClientID)
	if secret != "" {
		fmt.Fprintf(tw, "client_secret:\t%s\t(shown once; store it now)\n", secret)
	}
	fmt.Fprintf(tw, "name:\t%s\n", a.Name)
	kind := "confidential"
	if a.Public {
		kind = "public (PKCE, no secret)"
	}
	fmt.Fprintf(tw, "type:\t%s\n", kind)
	fmt.Fprintf(tw, "redirect URIs:\t%s\n", strings.Join(a.RedirectURIs, " "))
	fmt.Fprintf(tw, "scopes:\t%s\n", protocol.JoinScopes(a.Scopes))
	fmt.Fprintf(tw, "token lifetime:\t%s\n", a.TokenTTL)
	fmt.Fprintf(tw, "ID-token alg:\t%s\n", a.IDTokenAlg)
	fmt.Fprintf(tw, "refresh tokens:\t%v\n", a.RefreshTokens)
	if a.RequirePKCE && !a.Public {
		fmt.Fprintf(tw, "PKCE:\trequired\n")
	}
	if a.ResourceServer {
		fmt.Fprintf(tw, "resource server:\tmay introspect any app's tokens\n")
	}
	if a.RefreshIdle != 0 || a.RefreshAbsolute != 0 {
		fmt.Fprintf(tw, "refresh windows:\tidle %s, absolute %s\n", durationOrDefault(a.RefreshIdle), durationOrDefault(a.RefreshAbsolute))
	}
	if len(a.PostLogoutRedirectURIs) > 0 {
		fmt.Fprintf(tw, "post-logout URIs:\t%s\n", strings.Join(a.PostLogoutRedirectURIs, " "))
	}
	if a.SpaceID != "" {
		fmt.Fprintf(tw, "space:\t%s (%s)\n", a.SpaceID, strings.Join(a.SpaceHosts, ", "))
	}
	if len(a.AuthorizedOrgs) > 0 {
		fmt.Fprintf(tw, "authorized orgs:\t%s\n", strings.Join(a.AuthorizedOrgs, ", "))
	}
	if a.Registered {
		fmt.Fprintf(tw, "registered:\tby the app itself (RFC 7591); nobody has verified who runs it\n")
	}
	if a.Disabled {
		fmt.Fprintf(tw, "disabled:\ttrue\n")
	}
	tw.Flush()
}

// parseRefreshAbsolute reads --refresh-absolute: a duration, 0, or none.
func parseRefreshAbsolute(v string) (time.Duration, error) {
	if v == "none" {
		return store.NoRefreshLimit, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, usagef("--refresh-absolute %q is not a duration (e.g. 2160h), 0 or none", v)
	}
	return d, nil
}

// durationOrDefault words a refresh window for people.
func durationOrDefault(d time.Duration) string {
	switch {
	case d == 0:
		return "hub default"
	case d == store.NoRefreshLimit:
		return "none"
	}
	return d.String()
}

func appCreate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("app create", "app create --name NAME --redirect-uri URI [--redirect-uri URI…] [--scopes \"openid profile email\"] [--token-lifetime 8h] [--public] [--alg RS256|ES256] [--owner USER|ORG] [--json]")
	var spec apps.Spec
	var uris stringList
	fs.StringVar(&spec.Name, "name", "", "the app's name, shown on the consent page (required)")
	fs.Var(&uris, "redirect-uri", "an allowed redirect URI (repeatable; http only on localhost/127.0.0.1/[::1], where any port matches)")
	scopes := fs.String("scopes", "openid profile", "space-separated scopes the app may ask for (openid and profile are always included)")
	fs.DurationVar(&spec.TokenTTL, "token-lifetime", protocol.DefaultAccessTokenTTL, "access-token lifetime, 1m to 720h")
	fs.BoolVar(&spec.Public, "public", false, "a public app (browser or native): no secret, PKCE required")
	fs.StringVar(&spec.IDTokenAlg, "alg", oidc.AlgRS256, "ID-token signing algorithm: RS256 or ES256")
	owner := fs.String("owner", "", "username or org name that owns the app")
	fs.BoolVar(&spec.RefreshTokens, "refresh-tokens", false, "also issue refresh tokens (rotating) with the code flow")
	fs.BoolVar(&spec.RequirePKCE, "require-pkce", false, "refuse authorization requests without PKCE, even from this confidential app")
	fs.BoolVar(&spec.ResourceServer, "resource-server", false, "an API that checks the hub's tokens: it may introspect tokens issued to any app (others introspect only their own)")
	fs.DurationVar(&spec.RefreshIdle, "refresh-idle", 0, "how long an unused refresh token stays valid; each refresh starts it again (0: the hub's default)")
	refreshAbsolute := fs.String("refresh-absolute", "0", "how long a login's refresh family lives at most: a duration, 0 for the hub's default, or none (a client that refreshes within --refresh-idle stays signed in)")
	var logoutURIs stringList
	fs.Var(&logoutURIs, "post-logout-redirect-uri", "where RP-initiated logout may send the browser back (repeatable)")
	asJSON := fs.Bool("json", false, "print JSON: client_id, client_secret, redirect_uris, scopes, …")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q (the name goes in --name)", pos[0])
	}
	if spec.RefreshAbsolute, err = parseRefreshAbsolute(*refreshAbsolute); err != nil {
		return err
	}
	spec.RedirectURIs = uris
	spec.PostLogoutRedirectURIs = logoutURIs
	spec.Scopes = strings.Fields(*scopes)
	if err := spec.Validate(); err != nil {
		return usageError{msg: err.Error()}
	}
	st, err := openStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	if *owner != "" {
		o, err := accounts.ResolveOwner(ctx, st, *owner)
		if err != nil {
			return err
		}
		spec.OwnerID = o.ID
	}
	app, secret, err := apps.Create(ctx, st, spec, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(toAppJSON(app, secret))
	}
	e.printApp(app, secret)
	return nil
}

func appList(ctx context.Context, e *env, args []string) error {
	return e.noArgs("app list", args, func(st store.Store, asJSON bool) error {
		list, err := st.ListApps(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]appJSON, 0, len(list))
			for _, a := range list {
				out = append(out, toAppJSON(a, ""))
			}
			return e.printJSON(map[string]any{"apps": out})
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT ID\tNAME\tTYPE\tSCOPES")
		for _, a := range list {
			kind := "confidential"
			if a.Public {
				kind = "public"
			}
			if a.Registered {
				kind += ",registered"
			}
			if a.Disabled {
				kind += ",disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ClientID, a.Name, kind, protocol.JoinScopes(a.Scopes))
		}
		return tw.Flush()
	})
}

func appShow(ctx context.Context, e *env, args []string) error {
	return e.oneArg("app show", "CLIENT_ID", args, func(st store.Store, id string, asJSON bool) error {
		a, err := st.App(ctx, id)
		if err != nil {
			return notFound(err, fmt.Sprintf("app %q", id))
		}
		if asJSON {
			return e.printJSON(toAppJSON(a, ""))
		}
		e.printApp(a, "")
		return nil
	})
}

func appRotate(ctx context.Context, e *env, args []string) error {
	return e.oneArg("app rotate-secret", "CLIENT_ID", args, func(st store.Store, id string, asJSON bool) error {
		secret, err := apps.RotateSecret(ctx, st, id, time.Now())
		if err != nil {
			return notFound(err, fmt.Sprintf("app %q", id))
		}
		if asJSON {
			return e.printJSON(map[string]string{"client_id": id, "client_secret": secret})
		}
		fmt.Fprintf(e.stdout, "client_id:      %s\nclient_secret:  %s  (shown once; the old secret and the app's tokens no longer work)\n", id, secret)
		return nil
	})
}

func appDelete(ctx context.Context, e *env, args []string) error {
	return e.oneArg("app delete", "CLIENT_ID", args, func(st store.Store, id string, asJSON bool) error {
		if err := st.DeleteApp(ctx, id); err != nil {
			return notFound(err, fmt.Sprintf("app %q", id))
		}
		if asJSON {
			return e.printJSON(map[string]any{"client_id": id, "deleted": true})
		}
		fmt.Fprintf(e.stdout, "deleted app %s and its tokens\n", id)
		return nil
	})
}
