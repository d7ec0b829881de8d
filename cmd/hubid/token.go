package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/store"
)

// runToken runs "hubid token": create, list, revoke, rotate (user access
// tokens, hf_…), with the rules of internal/accounts the tokens page uses.
func runToken(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "token", args, []verb{
		{"create", "create a user access token (hf_…); printed once", tokenCreate},
		{"list", "list a user's access tokens", tokenList},
		{"revoke", "revoke a user's access token by its id (from token list)", tokenRevoke},
		{"rotate", "replace a user's access token by a new one (same name, role and lifetime); printed once", tokenRotate},
	})
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("token create", "token create --user USERNAME [--name NAME] [--role read|write] [--expires 2160h|0] [--json]")
	user := fs.String("user", "", "the user the token acts as (required)")
	name := fs.String("name", "cli", "display name of the token")
	role := fs.String("role", store.RoleRead, "read or write")
	expires := fs.Duration("expires", accounts.DefaultTokenExpiry, "lifetime; 0 = never expires")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
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
	st, err := openStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.FindUser(ctx, st, *user)
	if err != nil {
		return err
	}
	tok, info, err := accounts.CreateToken(ctx, st, u.ID, accounts.TokenSpec{Name: *name, Role: *role, Expiry: *expires}, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(tokenJSONWithSecret(tok, u.Username, info))
	}
	fmt.Fprintf(e.stdout, "%s\n", tok)
	fmt.Fprintf(e.stderr, "user access token %q for %s (role %s, %s, id %s); shown once\n", info.Name, u.Username, info.Role, expiresIn(info), info.ID)
	return nil
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("token list", "token list --user USERNAME [--json]")
	user := fs.String("user", "", "whose tokens (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return usagef("--user is required")
	}
	st, err := openExistingStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.FindUser(ctx, st, *user)
	if err != nil {
		return err
	}
	list, err := accounts.ListTokens(ctx, st, u.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]tokenJSON, 0, len(list))
	for _, t := range list {
		out = append(out, newTokenJSON(t, now))
	}
	if *asJSON {
		return e.printJSON(map[string]any{"tokens": out})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tEXPIRES\tSTATUS")
	for _, t := range out {
		exp := t.ExpiresAt
		if exp == "" {
			exp = "never"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt, exp, t.Status)
	}
	return tw.Flush()
}

// tokenJSON is a user access token in --json output. Nothing records when
// a token was last used, so there is no last-used field.
type tokenJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedAt string `json:"created_at"`
	ExpiresAt string `json:"expires_at,omitempty"`
	Revoked   bool   `json:"revoked"`
	RevokedAt string `json:"revoked_at,omitempty"`
	Status    string `json:"status"` // active, expired or revoked
}

func newTokenJSON(t accounts.TokenInfo, now time.Time) tokenJSON {
	j := tokenJSON{ID: t.ID, Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339),
		Revoked: !t.RevokedAt.IsZero(), Status: t.Status(now)}
	if !t.ExpiresAt.IsZero() {
		j.ExpiresAt = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if !t.RevokedAt.IsZero() {
		j.RevokedAt = t.RevokedAt.UTC().Format(time.RFC3339)
	}
	return j
}

// tokenJSONWithSecret is a new token in --json output, with its secret
// (printed once) and its owner.
func tokenJSONWithSecret(secret, username string, t accounts.TokenInfo) map[string]any {
	j := map[string]any{"token": secret, "username": username, "id": t.ID, "name": t.Name, "role": t.Role,
		"created_at": t.CreatedAt.UTC().Format(time.RFC3339)}
	if !t.ExpiresAt.IsZero() {
		j["expires_at"] = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return j
}

// expiresIn says when t expires, for people.
func expiresIn(t accounts.TokenInfo) string {
	if t.ExpiresAt.IsZero() {
		return "never expires"
	}
	return "expires " + t.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
}

// tokenTarget parses the flags revoke and rotate share: --user and the
// token id, and opens the store.
func (e *env) tokenTarget(ctx context.Context, verb string, args []string) (st store.Store, u store.User, id string, asJSON bool, err error) {
	fs := e.newFlags("token "+verb, "token "+verb+" --user USERNAME [--json] ID")
	user := fs.String("user", "", "whose token (required)")
	j := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	pos, err := parse(fs, args)
	switch {
	case err != nil:
		return nil, u, "", false, err
	case *user == "":
		return nil, u, "", false, usagef("--user is required")
	case len(pos) != 1:
		return nil, u, "", false, usagef("give the id of one token (the ID column of 'hubid token list --user %s')", *user)
	}
	if st, err = openExistingStore(*data, *database); err != nil {
		return nil, u, "", false, err
	}
	if u, err = accounts.FindUser(ctx, st, *user); err != nil {
		st.Close()
		return nil, u, "", false, err
	}
	return st, u, pos[0], *j, nil
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	st, u, id, asJSON, err := e.tokenTarget(ctx, "revoke", args)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	t, err := accounts.RevokeToken(ctx, st, u.ID, id, now)
	if err != nil {
		return err
	}
	if asJSON {
		return e.printJSON(map[string]any{"revoked": newTokenJSON(t, now), "username": u.Username})
	}
	fmt.Fprintf(e.stdout, "revoked token %q (%s) of %s; it no longer works\n", t.Name, t.ID, u.Username)
	return nil
}

func tokenRotate(ctx context.Context, e *env, args []string) error {
	st, u, id, asJSON, err := e.tokenTarget(ctx, "rotate", args)
	if err != nil {
		return err
	}
	defer st.Close()
	tok, info, err := accounts.RotateToken(ctx, st, u.ID, id, time.Now())
	if err != nil {
		return err
	}
	if asJSON {
		j := tokenJSONWithSecret(tok, u.Username, info)
		j["replaces"] = id
		return e.printJSON(j)
	}
	fmt.Fprintf(e.stdout, "%s\n", tok)
	fmt.Fprintf(e.stderr, "token %q of %s rotated: %s revoked, the new one (id %s, %s) is shown once\n", info.Name, u.Username, id, info.ID, expiresIn(info))
	return nil
}
