package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/server"
	"github.com/hubid/hubid/internal/spaces"
	"github.com/hubid/hubid/internal/store"
)

func runSpace(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "space", args, []verb{
		{"sync", "create or update a Space's OAuth app from its README; print its environment", spaceSync},
		{"env", "print a Space's environment (dotenv, or --json)", spaceEnv},
		{"run", "run a Space locally as Spaces do: sync, start the app, serve it at the Space host", spaceRun},
		{"delete", "delete a Space's OAuth app and its tokens", spaceDelete},
	})
}

// defaultIssuer is the issuer of the local hub when neither --issuer,
// HUBID_ISSUER nor a dev-issuer file in the data directory says otherwise:
// hubid dev's default address.
const defaultIssuer = "http://127.0.0.1:8080"

// spaceTarget says which Space and which hub a space command works on:
// the local database (--data) or a remote hub over its API (--hub, --token).
type spaceTarget struct {
	spaceID      string
	hub          string
	token        string
	tokenStdin   bool
	data         string
	database     string
	issuer       string
	spacesDomain string
	rotate       bool
	asJSON       bool
	hfEndpoint   string
}

func (e *env) spaceFlags(fs *flag.FlagSet) *spaceTarget {
	t := &spaceTarget{}
	fs.StringVar(&t.spaceID, "space", e.getenv("SPACE_ID"), "the Space, owner/name (env SPACE_ID)")
	fs.StringVar(&t.hub, "hub", "", "a remote hub's URL; sync over its API instead of the local database")
	fs.StringVar(&t.token, "token", "", "with --hub: a write user access token (hf_…) of the owner or an org admin (or env HF_TOKEN, or --token-stdin)")
	fs.BoolVar(&t.tokenStdin, "token-stdin", false, "with --hub: read the token from stdin")
	fs.StringVar(&t.data, "data", e.defaultDataDir(), "data directory of the local database, the Space CA and cached Space secrets (env HUBID_DATA)")
	e.databaseVar(fs, &t.database)
	fs.StringVar(&t.issuer, "issuer", e.getenv("HUBID_ISSUER"), "without --hub: the issuer URL of the hub serving the local database (env HUBID_ISSUER; default: the one hubid dev recorded in the data directory, else "+defaultIssuer+")")
	fs.StringVar(&t.spacesDomain, "spaces-domain", "localhost", "domain of Space hosts: {owner}-{name}.DOMAIN")
	fs.StringVar(&t.hfEndpoint, "hf-endpoint", "", "the Space's HF_ENDPOINT, the hub URL huggingface_hub and gradio call: a URL, or off to leave it out (default: the hub's issuer)")
	fs.BoolVar(&t.rotate, "rotate-secret", false, "give the Space's app a new client secret (revokes its tokens)")
	fs.BoolVar(&t.asJSON, "json", false, "print JSON")
	return t
}

func (t *spaceTarget) check(e *env) (owner, name string, err error) {
	if t.spaceID == "" {
		return "", "", usagef("--space owner/name is required (the Space's id on the hub)")
	}
	owner, name, err = spaces.ParseSpaceID(t.spaceID)
	if err != nil {
		return "", "", usageError{msg: err.Error()}
	}
	if t.issuer == "" {
		if t.issuer = readDevIssuer(t.data); t.issuer == "" {
			t.issuer = defaultIssuer
		}
	}
	if t.hfEndpoint, err = spaces.ParseHFEndpoint(t.hfEndpoint); err != nil {
		return "", "", usageError{msg: "--hf-endpoint: " + err.Error()}
	}
	if t.hub != "" {
		if t.tokenStdin {
			if t.token, err = e.readSecretLine("token"); err != nil {
				return "", "", err
			}
			t.tokenStdin = false // read once: space run checks twice
		}
		if t.token == "" {
			t.token = e.getenv("HF_TOKEN")
		}
		if t.token == "" {
			return "", "", usagef("--hub needs a user access token: --token-stdin, --token or HF_TOKEN")
		}
		t.hub = strings.TrimSuffix(t.hub, "/")
	}
	return owner, name, nil
}

// readReadme reads and parses DIR/README.md.
func readReadme(dir string) ([]byte, spaces.Metadata, error) {
	path := filepath.Join(dir, "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, spaces.Metadata{}, fmt.Errorf("read the Space's README: %w", err)
	}
	md, err := spaces.ParseReadme(b)
	if err != nil {
		return nil, md, readmeErr(path, err)
	}
	return b, md, nil
}

// readmeErr names the README in err: a metadata problem becomes a
// *readmeError, printed one line per problem; anything else is prefixed
// with the path.
func readmeErr(path string, err error) error {
	if ps := spaces.MetadataErrors(err); len(ps) > 0 {
		return &readmeError{path: path, problems: ps}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// readmeError is a README whose metadata is refused. Its lines read
// "DIR/README.md line 4: hf_oauth: …", one per problem, each with the key,
// the line, the bad value and what is allowed.
type readmeError struct {
	path     string
	problems []*spaces.MetadataError
}

func (e *readmeError) Error() string { return strings.Join(e.Lines(), "\n") }

// Lines is one line per problem (main prints each as a line of its own).
func (e *readmeError) Lines() []string {
	l := make([]string, len(e.problems))
	for i, p := range e.problems {
		l[i] = oneLine(p.In(e.path))
	}
	return l
}

func (e *readmeError) Unwrap() []error {
	errs := make([]error, len(e.problems))
	for i, p := range e.problems {
		errs[i] = p
	}
	return errs
}

// linesError is an error of several lines, each printed as a line of its
// own by main (a hub's answer listing several README problems).
type linesError []string

func (e linesError) Error() string   { return strings.Join(e, "\n") }
func (e linesError) Lines() []string { return e }

// syncOutcome is the result of a sync, local or remote.
type syncOutcome struct {
	spaces.SyncResponse
	issuer string
}

// syncSpace syncs the Space in dir. Local and remote syncs end in the same
// spaces.Sync and spaces.NewSyncResponse: locally they are called here,
// remotely by the hub's API.
// devHosts are the hosts of a local run (see spaces.SyncOptions.DevHosts):
// added to the app's accepted hosts, never replacing the Space's own.
func (e *env) syncSpace(ctx context.Context, t *spaceTarget, dir string, devHosts []string) (syncOutcome, error) {
	owner, name, err := t.check(e)
	if err != nil {
		return syncOutcome{}, err
	}
	readme, md, err := readReadme(dir)
	if err != nil {
		return syncOutcome{}, err
	}
	var out syncOutcome
	if t.hub != "" {
		out, err = remoteSync(ctx, t, owner, name, readme, devHosts)
	} else {
		out, err = localSync(ctx, t, owner, name, md, devHosts)
	}
	if err != nil {
		if len(spaces.MetadataErrors(err)) > 0 {
			// A README problem found at sync (an org that does not
			// exist): name the file and line like the parser's.
			spaces.LocateInReadme(err, readme)
			return out, readmeErr(filepath.Join(dir, "README.md"), err)
		}
		return out, err
	}
	return out, fillSecret(t.data, &out)
}

func localSync(ctx context.Context, t *spaceTarget, owner, name string, md spaces.Metadata, devHosts []string) (syncOutcome, error) {
	st, err := openExistingStore(t.data, t.database)
	if err != nil {
		return syncOutcome{}, err
	}
	defer st.Close()
	sp := spaces.Space{Owner: owner, Name: name, Hosts: []string{spaces.DefaultHost(owner, name, t.spacesDomain)}}
	creator := ""
	if u, err := st.UserByName(ctx, owner); err == nil {
		creator, sp.Owner = u.ID, u.Username
	}
	opt := spaces.SyncOptions{CreatorID: creator, RotateSecret: t.rotate, DevHosts: devHosts, HFEndpoint: t.hfEndpoint}
	res, err := spaces.Sync(ctx, st, sp, md, opt, time.Now())
	if err != nil {
		return syncOutcome{}, err
	}
	issuer := strings.TrimSuffix(t.issuer, "/")
	return syncOutcome{issuer: issuer, SyncResponse: spaces.NewSyncResponse(issuer, sp, md, opt, res)}, nil
}

func remoteSync(ctx context.Context, t *spaceTarget, owner, name string, readme []byte, devHosts []string) (syncOutcome, error) {
	body, _ := json.Marshal(server.SpaceSyncRequest{Readme: string(readme), DevHosts: devHosts, RotateSecret: t.rotate, HFEndpoint: t.hfEndpoint})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, t.hub+"/api/spaces/"+owner+"/"+name, bytes.NewReader(body))
	if err != nil {
		return syncOutcome{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return syncOutcome{}, fmt.Errorf("reach the hub at %s: %w", t.hub, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusOK {
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(b, &oe) == nil && oe.Error != "" {
			lines := strings.Split(strings.TrimSpace(oe.Description), "\n")
			lines[0] = fmt.Sprintf("the hub refused the sync (%s): %s", oe.Error, lines[0])
			return syncOutcome{}, linesError(lines)
		}
		return syncOutcome{}, fmt.Errorf("the hub answered %s", resp.Status)
	}
	var out syncOutcome
	if err := json.Unmarshal(b, &out.SyncResponse); err != nil {
		return out, fmt.Errorf("the hub's answer is not a sync response: %w", err)
	}
	out.issuer = out.Env.Get("OPENID_PROVIDER_URL")
	if out.issuer == "" {
		out.issuer = t.hub
	}
	return out, nil
}

// secretsFile caches the client secrets of Space apps, which the hub shows
// only once, so that later runs can give the app its OAUTH_CLIENT_SECRET.
// Mode 0600, in the data directory.
const secretsFile = "space-secrets.json"

type cachedSecret struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// fillSecret saves a secret the sync returned, or fills it in from the
// cache; without either it says how to get a new one.
func fillSecret(dataDir string, out *syncOutcome) error {
	if out.ClientID == "" || out.Env.Get("OAUTH_CLIENT_ID") == "" {
		return nil
	}
	path := filepath.Join(dataDir, secretsFile)
	cache := map[string]cachedSecret{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &cache); err != nil {
			return fmt.Errorf("%s is damaged (%v); delete it and sync with --rotate-secret", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	key := out.issuer + " " + out.SpaceID
	if out.ClientSecretIncluded {
		cache[key] = cachedSecret{ClientID: out.ClientID, ClientSecret: out.Env.Get("OAUTH_CLIENT_SECRET")}
		b, _ := json.MarshalIndent(cache, "", "  ")
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	c, ok := cache[key]
	if !ok || c.ClientID != out.ClientID {
		return fmt.Errorf("the Space's OAuth app %s exists but its client secret is not known here (the hub shows it once); sync again with --rotate-secret to get a new one", out.ClientID)
	}
	out.Env.Set("OAUTH_CLIENT_SECRET", c.ClientSecret, true)
	return nil
}

func (e *env) printSync(t *spaceTarget, out syncOutcome) error {
	if t.asJSON {
		return e.printJSON(out.SyncResponse)
	}
	switch {
	case !out.HFOAuth && out.Disabled:
		fmt.Fprintf(e.stderr, "hf_oauth is off: the app of %s was disabled and its tokens revoked\n", out.SpaceID)
	case !out.HFOAuth:
		fmt.Fprintf(e.stderr, "%s has no hf_oauth: no OAuth app\n", out.SpaceID)
	case out.Created:
		fmt.Fprintf(e.stderr, "created the OAuth app %s for %s\n", out.ClientID, out.SpaceID)
	case out.Changed:
		fmt.Fprintf(e.stderr, "updated the OAuth app %s of %s\n", out.ClientID, out.SpaceID)
	default:
		fmt.Fprintf(e.stderr, "the OAuth app %s of %s is up to date\n", out.ClientID, out.SpaceID)
	}
	fmt.Fprint(e.stdout, out.Env.Dotenv())
	return nil
}

func spaceSync(ctx context.Context, e *env, args []string) error {
	return e.syncAndPrint(ctx, "sync", args, e.printSync)
}

func spaceEnv(ctx context.Context, e *env, args []string) error {
	return e.syncAndPrint(ctx, "env", args, func(t *spaceTarget, out syncOutcome) error {
		if t.asJSON {
			return e.printJSON(out.Env)
		}
		fmt.Fprint(e.stdout, out.Env.Dotenv())
		return nil
	})
}

// syncAndPrint is "space sync" and "space env": both sync the Space in DIR
// (a sync of an unchanged README changes nothing) and print the result.
func (e *env) syncAndPrint(ctx context.Context, verb string, args []string, print func(*spaceTarget, syncOutcome) error) error {
	fs := e.newFlags("space "+verb, "space "+verb+" DIR --space owner/name [--hub URL --token-stdin] [--rotate-secret] [--json]")
	t := e.spaceFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give the Space's directory (the one holding README.md)")
	}
	out, err := e.syncSpace(ctx, t, pos[0], nil)
	if err != nil {
		return err
	}
	return print(t, out)
}

func spaceDelete(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("space delete", "space delete --space owner/name [--hub URL --token-stdin]")
	t := e.spaceFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	owner, name, err := t.check(e)
	if err != nil {
		return err
	}
	if t.hub != "" {
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, t.hub+"/api/spaces/"+owner+"/"+name, nil)
		req.Header.Set("Authorization", "Bearer "+t.token)
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			return fmt.Errorf("reach the hub at %s: %w", t.hub, err)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			var oe struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if json.Unmarshal(b, &oe) == nil && oe.Error != "" {
				return fmt.Errorf("the hub refused the delete (%s): %s", oe.Error, oe.Description)
			}
			return fmt.Errorf("the hub answered %s", resp.Status)
		}
	} else {
		st, err := openExistingStore(t.data, t.database)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := spaces.Delete(ctx, st, owner+"/"+name); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("the Space %s/%s has no OAuth app in %s: nothing to delete (check --space and --data)", owner, name, t.data)
		} else if err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "deleted the OAuth app of %s/%s and its tokens\n", owner, name)
	return nil
}
