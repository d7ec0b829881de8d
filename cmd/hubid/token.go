package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/grants"
	"github.com/hubid/hubid/internal/store"
)

// runToken runs "hubid token": create, list (user access tokens, hf_…).
func runToken(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "token", args, []verb{
		{"create", "create a user access token (hf_…); printed once", tokenCreate},
		{"list", "list a user's access tokens", tokenList},
	})
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("token create", "token create --user USERNAME [--name NAME] [--role read|write] [--expires 720h] [--json]")
	user := fs.String("user", "", "the user the token acts as (required)")
	name := fs.String("name", "cli", "display name of the token")
	role := fs.String("role", store.RoleRead, "read or write")
	expires := fs.Duration("expires", 0, "lifetime; 0 = never expires")
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
