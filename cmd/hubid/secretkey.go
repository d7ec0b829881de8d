package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hubid/hubid/internal/secretbox"
)

// The secret key seals the database's own secrets (the code key, the
// CSRF/MAC key, the signing keys); it is kept outside the database. serve
// reads it from --secret-key-file, HUBID_SECRET_KEY_FILE or
// HUBID_SECRET_KEY; dev keeps one in its data directory (devKeyFile).

// devKeyFile is the secret key's file in hubid dev's data directory.
const devKeyFile = "secret-key"

// secretKeyFlag adds --secret-key-file, defaulting to HUBID_SECRET_KEY_FILE.
func (e *env) secretKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("secret-key-file", e.getenv("HUBID_SECRET_KEY_FILE"),
		"file holding the key that seals the database's secrets: base64 or hex of 32 bytes, made by 'hubid secret-key generate' (env HUBID_SECRET_KEY_FILE, or the key itself in HUBID_SECRET_KEY)")
}

// readKeyFile reads and parses the secret key in path.
func readKeyFile(path string) (*secretbox.Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the secret key: %w", err)
	}
	k, err := secretbox.ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// secretKey is the key given by --secret-key-file (file), else by
// HUBID_SECRET_KEY, else, when dataDir holds dev's key file, that one;
// nil when there is none.
func (e *env) secretKey(file, dataDir string) (*secretbox.Key, error) {
	if file != "" {
		return readKeyFile(file)
	}
	if v := e.getenv("HUBID_SECRET_KEY"); v != "" {
		k, err := secretbox.ParseKey([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("HUBID_SECRET_KEY: %w", err)
		}
		return k, nil
	}
	if dataDir != "" {
		path := filepath.Join(dataDir, devKeyFile)
		if _, err := os.Stat(path); err == nil {
			return readKeyFile(path)
		}
	}
	return nil, nil
}

// devSecretKey returns the secret key in dir, creating it (mode 0600) on
// first use. The file is written under a temporary name and linked into
// place, so two dev processes starting at once end with one key, and none
// reads a half-written file.
func devSecretKey(dir string) (*secretbox.Key, error) {
	path := filepath.Join(dir, devKeyFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		tmp, err := os.CreateTemp(dir, devKeyFile+".*.tmp") // mode 0600
		if err != nil {
			return nil, fmt.Errorf("create the secret key: %w", err)
		}
		defer os.Remove(tmp.Name())
		_, err = tmp.Write(secretbox.GenerateKey())
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("create the secret key: %w", err)
		}
		if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create the secret key: %w", err)
		}
	}
	return readKeyFile(path)
}

// runSecretKey runs "hubid secret-key": generate, rotate.
func runSecretKey(ctx context.Context, e *env, args []string) error {
	return e.subcommand(ctx, "secret-key", args, []verb{
		{"generate", "make a new secret key (into --out, mode 0600, or to stdout)", secretKeyGenerate},
		{"rotate", "re-seal the database's secrets from --old-key-file to --new-key-file", secretKeyRotate},
	})
}

func secretKeyGenerate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("secret-key generate", "secret-key generate [--out FILE]")
	out := fs.String("out", "", "write the key to this new file (mode 0600; an existing file is not replaced) instead of stdout")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	key := secretbox.GenerateKey()
	if *out == "" {
		_, err := e.stdout.Write(key)
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the secret key: %w", err)
	}
	_, err = f.Write(key)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return fmt.Errorf("write the secret key: %w", err)
	}
	k, _ := secretbox.ParseKey(key)
	fmt.Fprintf(e.stdout, "wrote secret key %s to %s; keep a copy apart from the database's backups\n", k.ID(), *out)
	return nil
}

func secretKeyRotate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("secret-key rotate", "secret-key rotate --old-key-file FILE --new-key-file FILE [--data DIR] [--json]")
	oldFile := fs.String("old-key-file", "", "the key the database's secrets are sealed with now (or, for a database never sealed, any key)")
	newFile := fs.String("new-key-file", "", "the key to seal them with from now on")
	asJSON := fs.Bool("json", false, "print JSON")
	data := e.dataDirFlag(fs)
	database := e.databaseFlag(fs)
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *oldFile == "" || *newFile == "" {
		return usagef("give both --old-key-file and --new-key-file (make a new key with 'hubid secret-key generate --out FILE')")
	}
	from, err := readKeyFile(*oldFile)
	if err != nil {
		return err
	}
	to, err := readKeyFile(*newFile)
	if err != nil {
		return err
	}
	st, err := openExistingStore(*data, *database)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := secretbox.Rotate(ctx, st, from, to)
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(map[string]any{"old_key": from.ID(), "new_key": to.ID(), "signing_keys_resealed": n})
	}
	fmt.Fprintf(e.stdout, "re-sealed %d signing keys from key %s to key %s; restart every hubid on this database with the new key now (it makes fresh code and CSRF keys, so codes and forms open at this moment must be started again)\n", n, from.ID(), to.ID())
	return nil
}
