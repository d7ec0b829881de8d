package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hubid/hubid/oidc"
)

// runKeys runs "hubid keys": list, rotate (ID-token signing keys).
func runKeys(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "keys", args, []verb{
		{"list", "list the signing keys and their states (next, active, verify-only)", keysList},
		{"rotate", "rotate: the next key signs, the old one stays published for verification", keysRotate},
	})
}

func keysList(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("keys list", "keys list [--secret-key-file FILE] [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	keyFile := e.secretKeyFlag(fs)
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	key, err := e.secretKey(*keyFile, *data)
	if err != nil {
		return err
	}
	st, err := openExistingStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	km, err := openKeys(ctx, st, key)
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
	fs := e.newFlags("keys rotate", "keys rotate [--alg RS256|ES256|all] [--secret-key-file FILE] [--json]")
	alg := fs.String("alg", "all", "which algorithm's key to rotate")
	asJSON := fs.Bool("json", false, "print JSON")
	keyFile := e.secretKeyFlag(fs)
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
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
	key, err := e.secretKey(*keyFile, *data)
	if err != nil {
		return err
	}
	st, err := openStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	km, err := openKeys(ctx, st, key)
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
