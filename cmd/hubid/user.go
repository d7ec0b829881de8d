package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/store"
)

// runUser runs "hubid user": add, list, passwd, update, delete.
func runUser(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "user", args, []verb{
		{"add", "add a user (password on stdin with --password-stdin)", userAdd},
		{"list", "list the users", userList},
		{"passwd", "set a user's password (read from stdin)", userPasswd},
		{"update", "change a user's full name, email, canPay or isPro", userUpdate},
		{"delete", "delete a user with their memberships, sessions and tokens", userDelete},
	})
}

type userJSON struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	FullName      string `json:"full_name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	IsPro         bool   `json:"is_pro"`
	CanPay        bool   `json:"can_pay"`
	HasPassword   bool   `json:"has_password"`
	CreatedAt     string `json:"created_at"`
}

func toUserJSON(u store.User) userJSON {
	return userJSON{u.ID, u.Username, u.FullName, u.Email, u.EmailVerified, u.IsPro, u.CanPay, u.PasswordHash != "", u.CreatedAt.UTC().Format(time.RFC3339)}
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("user add", "user add USERNAME [--full-name NAME] [--email ADDR] [--password-stdin] [--pro] [--json]")
	fullName := fs.String("full-name", "", "full name shown to apps")
	email := fs.String("email", "", "email address (treated as verified)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	pro := fs.Bool("pro", false, "mark the user as PRO (isPro)")
	asJSON := fs.Bool("json", false, "print the user as JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
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
	st, err := openStore(*data, *database)
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
	return e.noArgs("user list", args, func(st store.Store, asJSON bool) error {
		users, err := st.ListUsers(ctx)
		if err != nil {
			return err
		}
		if asJSON {
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
	})
}

func userPasswd(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("user passwd", "user passwd USERNAME [--json]  (new password on the first line of stdin)")
	fs.Bool("password-stdin", true, "read the password from stdin (always on)")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
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
	st, err := openStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	u, ended, err := accounts.SetPassword(ctx, st, accounts.NewHasher(0), pos[0], pw, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"username": u.Username, "password_changed": true, "sessions_ended": ended.Sessions, "tokens_revoked": ended.Tokens})
	}
	fmt.Fprintf(e.stdout, "password of %s changed; signed out of %d sessions, %d tokens revoked\n", u.Username, ended.Sessions, ended.Tokens)
	return nil
}

// userUpdate changes what an admin may change of a user (see
// accounts.UpdateUser); only the flags given change anything.
func userUpdate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("user update", "user update USERNAME [--can-pay=true|false] [--is-pro=true|false] [--full-name NAME] [--email ADDR] [--json]")
	canPay := fs.Bool("can-pay", false, "canPay in whoami-v2 and userinfo")
	isPro := fs.Bool("is-pro", false, "isPro (PRO) in whoami-v2 and userinfo")
	fullName := fs.String("full-name", "", "full name shown to apps (empty: the username)")
	email := fs.String("email", "", "email address (treated as verified; empty removes it)")
	asJSON := fs.Bool("json", false, "print the user as JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one USERNAME")
	}
	var up accounts.UserUpdate
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "can-pay":
			up.CanPay = canPay
		case "is-pro":
			up.IsPro = isPro
		case "full-name":
			up.FullName = fullName
		case "email":
			up.Email = email
		}
	})
	if up == (accounts.UserUpdate{}) {
		return usagef("nothing to update: give --can-pay, --is-pro, --full-name or --email")
	}
	st, err := openExistingStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.UpdateUser(ctx, st, pos[0], up)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(toUserJSON(u))
	}
	fmt.Fprintf(e.stdout, "updated user %s: full name %q, email %q, canPay %v, isPro %v\n", u.Username, u.FullName, u.Email, u.CanPay, u.IsPro)
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
