package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/spaces"
)

// TestSpaceRunBanner: the first URL space run prints is the http one that
// opens without a certificate warning, and the https one comes with the
// commands that trust the local CA on Debian/Ubuntu and macOS.
func TestSpaceRunBanner(t *testing.T) {
	var b strings.Builder
	out := syncOutcome{issuer: "http://127.0.0.1:8080", SyncResponse: spaces.SyncResponse{SpaceID: "demo/x", Env: spaces.Env{{Name: "OAUTH_CLIENT_ID", Value: "cid"}}}}
	printSpaceRunBanner(&b, out, []string{"demo-x.localhost:7000", "127.0.0.1:7000"}, "/data/space-ca/ca.pem")
	got := b.String()
	first := strings.Index(got, "://")
	if first < 0 || !strings.HasSuffix(got[:first], "http") || !strings.HasPrefix(got[first:], "://demo-x.localhost:7000/") {
		t.Errorf("the first URL is not http://demo-x.localhost:7000/:\n%s", got)
	}
	for _, want := range []string{
		"http://127.0.0.1:7000/",
		"https://demo-x.localhost:7000/",
		"sudo cp /data/space-ca/ca.pem /usr/local/share/ca-certificates/hubid-space-ca.crt && sudo update-ca-certificates",
		"sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain /data/space-ca/ca.pem",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

// TestReadCommandsNeedADatabase: commands that only read (or that need the
// hub a server serves) refuse a data directory without a database, naming
// it and saying how to make one, and leave it as it was.
func TestReadCommandsNeedADatabase(t *testing.T) {
	spaceDir := t.TempDir()
	os.WriteFile(filepath.Join(spaceDir, "README.md"), []byte("---\nsdk: static\nhf_oauth: true\n---\n"), 0o644)
	for _, args := range [][]string{
		{"user", "list"}, {"org", "list"}, {"app", "list"}, {"app", "show", "x"}, {"keys", "list"},
		{"token", "list", "--user", "demo"}, {"user", "update", "demo", "--is-pro"},
		{"space", "env", spaceDir, "--space", "demo/x"}, {"space", "sync", spaceDir, "--space", "demo/x"},
	} {
		dir := filepath.Join(t.TempDir(), "mistyped")
		code, _, stderr := run(t, dir, "", append(args, "--data", dir)...)
		want := "no hubid database in " + dir
		if code != exitFailure || !strings.Contains(stderr, want) || !strings.Contains(stderr, "hubid dev") || !strings.Contains(stderr, "hubid migrate --data "+dir) {
			t.Errorf("%v: exit %d, %q; want a failure saying %q and how to create one", args, code, stderr, want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%v created %s", args, dir)
		}
	}
}

// TestDevIssuerRecorded: hubid dev on another port records its issuer in
// the data directory, and space commands on that directory use it.
func TestDevIssuerRecorded(t *testing.T) {
	data := t.TempDir()
	issuer := startDev(t, data)
	fi, err := os.Stat(filepath.Join(data, devIssuerFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("dev-issuer: %v %v", fi, err)
	}
	if got := readDevIssuer(data); got != issuer {
		t.Fatalf("recorded %q, want %q", got, issuer)
	}
	spaceDir := t.TempDir()
	os.WriteFile(filepath.Join(spaceDir, "README.md"), []byte("---\nsdk: static\nhf_oauth: true\n---\n"), 0o644)
	code, out, stderr := run(t, data, "", "space", "env", spaceDir, "--space", "demo/issuer", "--data", data)
	if code != exitOK || !strings.Contains(out, "OPENID_PROVIDER_URL="+issuer+"\n") {
		t.Errorf("space env without --issuer: %d %s %s", code, out, stderr)
	}
	// --issuer still wins.
	code, out, _ = run(t, data, "", "space", "env", spaceDir, "--space", "demo/issuer2", "--data", data, "--issuer", "http://127.0.0.1:9")
	if code != exitOK || !strings.Contains(out, "OPENID_PROVIDER_URL=http://127.0.0.1:9\n") {
		t.Errorf("space env --issuer: %d %s", code, out)
	}
}

// TestGroupHelp: a group's --help lists each subcommand with what it does,
// one line each.
func TestGroupHelp(t *testing.T) {
	for noun, want := range map[string][]string{
		"user":  {"add ", "list ", "passwd ", "update ", "delete "},
		"org":   {"add ", "list ", "member "},
		"app":   {"create ", "list ", "show ", "rotate-secret ", "delete "},
		"token": {"create ", "list "},
		"keys":  {"list ", "rotate "},
		"space": {"sync ", "env ", "run ", "delete "},
	} {
		code, _, stderr := run(t, t.TempDir(), "", noun, "--help")
		if code != exitOK {
			t.Errorf("%s --help: exit %d", noun, code)
		}
		lines := strings.Split(stderr, "\n")
		for _, v := range want {
			found := false
			for _, l := range lines {
				if f := strings.Fields(l); len(f) > 2 && strings.HasPrefix(l, "  "+v) {
					found = true
				}
			}
			if !found {
				t.Errorf("hubid %s --help has no described line for %q:\n%s", noun, v, stderr)
			}
		}
	}
}

// TestUnknownFlag: an unknown flag is named first, with the closest known
// one; a far-off name gets no guess.
func TestUnknownFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "list", "--dat", "x"}, "hubid user list: unknown flag --dat; did you mean --data?\n"},
		{[]string{"user", "list", "--jsno"}, "hubid user list: unknown flag --jsno; did you mean --json?\n"},
		{[]string{"space", "run", ".", "--spcae", "a/b"}, "hubid space run: unknown flag --spcae; did you mean --space?\n"},
		{[]string{"user", "add", "bob", "--fullname", "Bob"}, "hubid user add: unknown flag --fullname; did you mean --full-name?\n"},
		{[]string{"user", "list", "--zzzzzz"}, "hubid user list: unknown flag --zzzzzz\n"},
		{[]string{"user", "lst"}, `hubid user: unknown subcommand "lst"; did you mean "list"?`},
		{[]string{"usr", "list"}, `hubid: unknown command "usr"; did you mean "user"?`},
	} {
		code, _, stderr := run(t, t.TempDir(), "", tc.args...)
		if code != exitUsage || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want it to start with %q", tc.args, code, stderr, tc.want)
		}
	}
}
