package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/grants"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// readSecretLine reads one line from stdin: passwords never come from
// arguments, where other users of the machine could see them.
func (e *env) readSecretLine(what string) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read %s from stdin: nothing was given (pipe it in, e.g. printf '%%s\\n' \"$PW\" | hubid …)", what)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// flagError is the usage error for a broken rule of internal/accounts:
// a rule named like its flag (kind: "role …" from --role, "plan …" from
// --plan) speaks of the flag; any other (a name) is quoted as it is.
func flagError(err, kind error) error {
	if errors.Is(err, kind) {
		return usageError{msg: "--" + err.Error()}
	}
	return usageError{msg: err.Error()}
}

func notFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s not found", what)
	}
	return err
}

// ---- user ----

func runUser(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "user", args, map[string]func(context.Context, *env, []string) error{
		"add": userAdd, "list": userList, "passwd": userPasswd, "delete": userDelete,
	}, []string{"add", "list", "passwd", "delete"})
}

type userJSON struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	FullName      string `json:"full_name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	IsPro         bool   `json:"is_pro"`
	HasPassword   bool   `json:"has_password"`
	CreatedAt     string `json:"created_at"`
}

func toUserJSON(u store.User) userJSON {
	return userJSON{u.ID, u.Username, u.FullName, u.Email, u.EmailVerified, u.IsPro, u.PasswordHash != "", u.CreatedAt.UTC().Format(time.RFC3339)}
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("user add", "user add USERNAME [--full-name NAME] [--email ADDR] [--password-stdin] [--pro] [--json]")
	fullName := fs.String("full-name", "", "full name shown to apps")
	email := fs.String("email", "", "email address (treated as verified)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	pro := fs.Bool("pro", false, "mark the user as PRO (isPro)")
	asJSON := fs.Bool("json", false, "print the user as JSON")
	data := e.dataDirFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one USERNAME")
	}
	// An admin gives the email: it is treated as verified.
	spec := accounts.UserSpec{Username: pos[0], FullName: *fullName, Email: *email, EmailVerified: *email != "", IsPro: *pro}
	// Check what can be checked before reading stdin and opening the store
	// (which creates the data directory).
	if err := spec.Validate(); err != nil {
		return usageError{msg: err.Error()}
	}
	if *pwStdin {
		if spec.Password, err = e.readSecretLine("password"); err != nil {
			return err
		}
		// An empty line is a too-short password, not "no password".
		if err := accounts.CheckPassword(spec.Password); err != nil {
			return err
		}
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.CreateUser(ctx, st, accounts.NewHasher(0), spec, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(toUserJSON(u))
	}
	fmt.Fprintf(e.stdout, "created user %s (id %s)\n", u.Username, u.ID)
	if u.PasswordHash == "" {
		fmt.Fprintf(e.stdout, "no password set: the user cannot sign in until you run 'hubid user passwd %s' with the password on stdin\n", u.Username)
	}
	return nil
}

func userList(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("user list", "user list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]userJSON, 0, len(users))
		for _, u := range users {
			out = append(out, toUserJSON(u))
		}
		return e.printJSON(map[string]any{"users": out})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tID\tFULL NAME\tEMAIL\tPASSWORD")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", u.Username, u.ID, u.FullName, u.Email, u.PasswordHash != "")
	}
	return tw.Flush()
}

func userPasswd(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("user passwd", "user passwd USERNAME [--json]  (new password on the first line of stdin)")
	fs.Bool("password-stdin", true, "read the password from stdin (always on)")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one USERNAME")
	}
	pw, err := e.readSecretLine("password")
	if err != nil {
		return err
	}
	// The policy is checked again by SetPassword; checking it first keeps
	// a refused password from creating the data directory.
	if err := accounts.CheckPassword(pw); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.SetPassword(ctx, st, accounts.NewHasher(0), pos[0], pw)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"username": u.Username, "password_changed": true})
	}
	fmt.Fprintf(e.stdout, "password of %s changed\n", u.Username)
	return nil
}

// userDelete deletes a user with everything the user signed in to (see
// accounts.DeleteUser); apps the user owns stay.
func userDelete(ctx context.Context, e *env, args []string) error {
	return e.oneArg("user delete", "USERNAME", args, func(st store.Store, name string, asJSON bool) error {
		u, err := accounts.DeleteUser(ctx, st, name)
		if err != nil {
			return err
		}
		if asJSON {
			return e.printJSON(map[string]any{"username": u.Username, "id": u.ID, "deleted": true})
		}
		fmt.Fprintf(e.stdout, "deleted user %s (id %s) with its tokens, consents, sessions and memberships\n", u.Username, u.ID)
		return nil
	})
}

// ---- org ----

func runOrg(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "org", args, map[string]func(context.Context, *env, []string) error{
		"add": orgAdd, "list": orgList, "member": orgMember,
	}, []string{"add", "list", "member"})
}

type orgJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	FullName  string `json:"full_name"`
	Plan      string `json:"plan,omitempty"`
	CreatedAt string `json:"created_at"`
}

func orgAdd(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("org add", "org add NAME [--full-name NAME] [--plan team|enterprise] [--json]")
	fullName := fs.String("full-name", "", "full name")
	plan := fs.String("plan", "", `plan: "", team or enterprise`)
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one org NAME")
	}
	spec := accounts.OrgSpec{Name: pos[0], FullName: *fullName, Plan: *plan}
	if err := spec.Validate(); err != nil {
		return flagError(err, accounts.ErrInvalidPlan)
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	o, err := accounts.CreateOrg(ctx, st, spec, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(orgJSON{o.ID, o.Name, o.FullName, o.Plan, o.CreatedAt.UTC().Format(time.RFC3339)})
	}
	fmt.Fprintf(e.stdout, "created org %s (id %s)\n", o.Name, o.ID)
	return nil
}

func orgList(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("org list", "org list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]orgJSON, 0, len(orgs))
		for _, o := range orgs {
			out = append(out, orgJSON{o.ID, o.Name, o.FullName, o.Plan, o.CreatedAt.UTC().Format(time.RFC3339)})
		}
		return e.printJSON(map[string]any{"orgs": out})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tFULL NAME\tPLAN")
	for _, o := range orgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Name, o.ID, o.FullName, o.Plan)
	}
	return tw.Flush()
}

func orgMember(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("org member", "org member ORG USERNAME --role admin|write|contributor|read|none [--json]")
	role := fs.String("role", store.RoleRead, "role in the org; none removes the member")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("give ORG and USERNAME")
	}
	r, err := accounts.ParseRole(*role)
	if err != nil {
		return flagError(err, accounts.ErrInvalidRole)
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	o, u, err := accounts.SetMember(ctx, st, pos[0], pos[1], *role)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]string{"org": o.Name, "username": u.Username, "role": *role})
	}
	if r == "" {
		fmt.Fprintf(e.stdout, "%s is no longer a member of %s\n", u.Username, o.Name)
	} else {
		fmt.Fprintf(e.stdout, "%s is now %s of %s\n", u.Username, r, o.Name)
	}
	return nil
}

// ---- app ----

func runApp(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "app", args, map[string]func(context.Context, *env, []string) error{
		"create": appCreate, "list": appList, "show": appShow, "rotate-secret": appRotate, "delete": appDelete,
	}, []string{"create", "list", "show", "rotate-secret", "delete"})
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
		RefreshTokens: a.RefreshTokens, PostLogout: a.PostLogoutRedirectURIs,
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
	if len(a.PostLogoutRedirectURIs) > 0 {
		fmt.Fprintf(tw, "post-logout URIs:\t%s\n", strings.Join(a.PostLogoutRedirectURIs, " "))
	}
	if a.SpaceID != "" {
		fmt.Fprintf(tw, "space:\t%s (%s)\n", a.SpaceID, strings.Join(a.SpaceHosts, ", "))
	}
	if len(a.AuthorizedOrgs) > 0 {
		fmt.Fprintf(tw, "authorized orgs:\t%s\n", strings.Join(a.AuthorizedOrgs, ", "))
	}
	if a.Disabled {
		fmt.Fprintf(tw, "disabled:\ttrue\n")
	}
	tw.Flush()
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
	var logoutURIs stringList
	fs.Var(&logoutURIs, "post-logout-redirect-uri", "where RP-initiated logout may send the browser back (repeatable)")
	asJSON := fs.Bool("json", false, "print JSON: client_id, client_secret, redirect_uris, scopes, …")
	data := e.dataDirFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q (the name goes in --name)", pos[0])
	}
	spec.RedirectURIs = uris
	spec.PostLogoutRedirectURIs = logoutURIs
	spec.Scopes = strings.Fields(*scopes)
	if err := spec.Validate(); err != nil {
		return usageError{msg: err.Error()}
	}
	st, err := openStore(*data)
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
	fs := e.newFlags("app list", "app list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListApps(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
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
		if a.Disabled {
			kind += ",disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ClientID, a.Name, kind, protocol.JoinScopes(a.Scopes))
	}
	return tw.Flush()
}

// oneArg runs a command that takes exactly one ARG (and --json, --data)
// with the store open.
func (e *env) oneArg(cmd, arg string, args []string, run func(st store.Store, value string, asJSON bool) error) error {
	fs := e.newFlags(cmd, cmd+" "+arg+" [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one %s", arg)
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(st, pos[0], *asJSON)
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

// ---- token ----

func runToken(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "token", args, map[string]func(context.Context, *env, []string) error{
		"create": tokenCreate, "list": tokenList,
	}, []string{"create", "list"})
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("token create", "token create --user USERNAME [--name NAME] [--role read|write] [--expires 720h] [--json]")
	user := fs.String("user", "", "the user the token acts as (required)")
	name := fs.String("name", "cli", "display name of the token")
	role := fs.String("role", store.RoleRead, "read or write")
	expires := fs.Duration("expires", 0, "lifetime; 0 = never expires")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q (the user goes in --user)", pos[0])
	}
	if *user == "" {
		return usagef("--user is required")
	}
	if *role != store.RoleRead && *role != store.RoleWrite {
		return usagef("--role %q: use read or write", *role)
	}
	if *expires < 0 {
		return usagef("--expires must not be negative")
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.FindUser(ctx, st, *user)
	if err != nil {
		return err
	}
	tok, digest := store.NewSecret(grants.PrefixUserToken)
	now := time.Now()
	t := store.Token{Hash: digest, Kind: store.KindUser, UserID: u.ID, Name: *name, Role: *role, CreatedAt: now}
	if *expires > 0 {
		t.ExpiresAt = now.Add(*expires)
	}
	if err := st.CreateToken(ctx, t); err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"token": tok, "username": u.Username, "name": *name, "role": *role})
	}
	fmt.Fprintf(e.stdout, "%s\n", tok)
	fmt.Fprintf(e.stderr, "user access token %q for %s (role %s); shown once\n", *name, u.Username, *role)
	return nil
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("token list", "token list --user USERNAME [--json]")
	user := fs.String("user", "", "whose tokens (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return usagef("--user is required")
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.FindUser(ctx, st, *user)
	if err != nil {
		return err
	}
	list, err := st.ListTokens(ctx, u.ID, store.KindUser)
	if err != nil {
		return err
	}
	type tj struct {
		Name      string `json:"name"`
		Role      string `json:"role"`
		CreatedAt string `json:"created_at"`
		ExpiresAt string `json:"expires_at,omitempty"`
		Revoked   bool   `json:"revoked"`
	}
	out := make([]tj, 0, len(list))
	for _, t := range list {
		j := tj{Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339), Revoked: !t.RevokedAt.IsZero()}
		if !t.ExpiresAt.IsZero() {
			j.ExpiresAt = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		out = append(out, j)
	}
	if *asJSON {
		return e.printJSON(map[string]any{"tokens": out})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tEXPIRES\tREVOKED")
	for _, t := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", t.Name, t.Role, t.CreatedAt, t.ExpiresAt, t.Revoked)
	}
	return tw.Flush()
}

// ---- keys ----

func runKeys(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "keys", args, map[string]func(context.Context, *env, []string) error{
		"list": keysList, "rotate": keysRotate,
	}, []string{"list", "rotate"})
}

func keysList(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("keys list", "keys list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	km, err := openKeys(ctx, st)
	if err != nil {
		return err
	}
	list, err := km.List(ctx)
	if err != nil {
		return err
	}
	type kj struct {
		KID       string `json:"kid"`
		Alg       string `json:"alg"`
		State     string `json:"state"`
		CreatedAt string `json:"created_at"`
		Since     string `json:"since"`
	}
	out := make([]kj, 0, len(list))
	for _, k := range list {
		out = append(out, kj{k.ID, k.Alg, k.State, k.CreatedAt.UTC().Format(time.RFC3339), k.RotatedAt.UTC().Format(time.RFC3339)})
	}
	if *asJSON {
		return e.printJSON(map[string]any{"keys": out})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tSINCE")
	for _, k := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.KID, k.Alg, k.State, k.CreatedAt, k.Since)
	}
	return tw.Flush()
}

func keysRotate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("keys rotate", "keys rotate [--alg RS256|ES256|all] [--json]")
	alg := fs.String("alg", "all", "which algorithm's key to rotate")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	algs := []string{oidc.AlgRS256, oidc.AlgES256}
	switch *alg {
	case "all":
	case oidc.AlgRS256, oidc.AlgES256:
		algs = []string{*alg}
	default:
		return usagef("--alg %q: use RS256, ES256 or all", *alg)
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	km, err := openKeys(ctx, st)
	if err != nil {
		return err
	}
	for _, a := range algs {
		if err := km.Rotate(ctx, a); err != nil {
			return err
		}
	}
	if *asJSON {
		return e.printJSON(map[string]any{"rotated": algs})
	}
	fmt.Fprintf(e.stdout, "rotated %s: the next key now signs, the old one stays published for verification; running servers pick it up within seconds\n", strings.Join(algs, ", "))
	return nil
}

// ---- migrate ----

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("migrate", "migrate [--data DIR] [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"database": filepath.Join(*data, dbFile), "up_to_date": true})
	}
	fmt.Fprintf(e.stdout, "database %s is up to date\n", filepath.Join(*data, dbFile))
	return nil
}
