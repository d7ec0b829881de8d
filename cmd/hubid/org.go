package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/store"
)

// runOrg runs "hubid org": add, list, member.
func runOrg(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "org", args, []verb{
		{"add", "add an org", orgAdd},
		{"list", "list the orgs", orgList},
		{"member", "set a user's role in an org (none removes them)", orgMember},
	})
}

type orgJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	FullName  string `json:"full_name"`
	Plan      string `json:"plan,omitempty"`
	CreatedAt string `json:"created_at"`
}

func orgAdd(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("org add", "org add NAME [--full-name NAME] [--plan team|enterprise] [--can-pay] [--json]")
	fullName := fs.String("full-name", "", "full name")
	plan := fs.String("plan", "", `plan: "", team or enterprise`)
	canPay := fs.Bool("can-pay", false, "the org has a payment method (userinfo's canPay for apps granted the org, with read-billing)")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one org NAME")
	}
	spec := accounts.OrgSpec{Name: pos[0], FullName: *fullName, Plan: *plan, CanPay: *canPay}
	if err := spec.Validate(); err != nil {
		return flagError(err, accounts.ErrInvalidPlan)
	}
	st, err := openStore(*data, *database)
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
	return e.noArgs("org list", args, func(st store.Store, asJSON bool) error {
		orgs, err := st.ListOrgs(ctx)
		if err != nil {
			return err
		}
		if asJSON {
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
	})
}

func orgMember(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("org member", "org member ORG USERNAME --role admin|write|contributor|read|none [--json]")
	role := fs.String("role", store.RoleRead, "role in the org; none removes the member")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
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
	st, err := openStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	o, u, revoked, err := accounts.SetMember(ctx, st, pos[0], pos[1], *role, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"org": o.Name, "username": u.Username, "role": *role, "tokens_revoked": revoked})
	}
	if r == "" {
		fmt.Fprintf(e.stdout, "%s is no longer a member of %s; %d tokens of apps restricted to it revoked\n", u.Username, o.Name, revoked)
	} else {
		fmt.Fprintf(e.stdout, "%s is now %s of %s\n", u.Username, r, o.Name)
	}
	return nil
}
