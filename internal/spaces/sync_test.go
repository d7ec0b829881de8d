package spaces

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newSyncStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.CreateUser(ctx, store.User{ID: "aaaaaaaaaaaaaaaaaaaaaaaa", Username: "alice", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOrg(ctx, store.Org{ID: "bbbbbbbbbbbbbbbbbbbbbbbb", Name: "acme", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	return db
}

func mustMeta(t *testing.T, readme string) Metadata {
	t.Helper()
	md, err := ParseReadme([]byte(readme))
	if err != nil {
		t.Fatal(err)
	}
	return md
}

const syncReadme = "---\ntitle: Demo\nsdk: gradio\nhf_oauth: true\nhf_oauth_scopes: [email, read-repos]\nhf_oauth_expiration_minutes: 60\n---\n"

func TestSyncLifecycle(t *testing.T) {
	ctx := context.Background()
	db := newSyncStore(t)
	sp := Space{Owner: "alice", Name: "demo", Hosts: []string{"alice-demo.localhost"}}
	md := mustMeta(t, syncReadme)

	res, err := Sync(ctx, db, sp, md, SyncOptions{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Secret == "" || res.App.SpaceID != "alice/demo" || res.App.Public {
		t.Fatalf("create: %+v", res)
	}
	want := []string{"openid", "profile", "email", "read-repos"}
	if d := cmp.Diff(want, res.App.Scopes); d != "" || res.App.TokenTTL != time.Hour || res.App.Name != "Demo" || res.App.OwnerID != "aaaaaaaaaaaaaaaaaaaaaaaa" {
		t.Errorf("app: scopes %s ttl %s name %q owner %q", d, res.App.TokenTTL, res.App.Name, res.App.OwnerID)
	}
	id, secretHash := res.App.ClientID, res.App.SecretHash

	// Unchanged README: nothing changes, not even UpdatedAt.
	before, _ := db.Dump(ctx)
	res2, err := Sync(ctx, db, sp, md, SyncOptions{}, t0.Add(time.Hour))
	after, _ := db.Dump(ctx)
	if err != nil || res2.Created || res2.Changed || res2.Secret != "" || res2.App.ClientID != id {
		t.Fatalf("re-sync: %+v %v", res2, err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("re-sync changed the store:\n%s", d)
	}

	// A token issued to the app, to see what revokes it.
	tok := store.Token{Hash: store.Hash("tok"), Kind: store.KindAccess, UserID: "aaaaaaaaaaaaaaaaaaaaaaaa", ClientID: id, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}

	// Changed scopes and hosts: updated in place, same id and secret.
	sp.Hosts = []string{"alice-demo.localhost:8443", "127.0.0.1:8443"}
	md2 := mustMeta(t, "---\nhf_oauth: true\nhf_oauth_scopes: email\n---\n")
	res3, err := Sync(ctx, db, sp, md2, SyncOptions{}, t0.Add(2*time.Hour))
	if err != nil || !res3.Changed || res3.App.ClientID != id || res3.App.SecretHash != secretHash || res3.Secret != "" {
		t.Fatalf("change: %+v %v", res3, err)
	}
	if d := cmp.Diff([]string{"openid", "profile", "email"}, res3.App.Scopes); d != "" || res3.App.Name != "alice/demo" || res3.App.TokenTTL != 480*time.Minute {
		t.Errorf("changed app: %s %q %s", d, res3.App.Name, res3.App.TokenTTL)
	}
	if d := cmp.Diff(sp.Hosts, res3.App.SpaceHosts); d != "" {
		t.Errorf("hosts: %s", d)
	}

	// hf_oauth off: disabled, tokens revoked.
	res4, err := Sync(ctx, db, sp, mustMeta(t, "---\ntitle: x\n---\n"), SyncOptions{}, t0.Add(3*time.Hour))
	if err != nil || !res4.Disabled || !res4.App.Disabled || res4.Revoked != 1 {
		t.Fatalf("off: %+v %v", res4, err)
	}
	if got, _ := db.Token(ctx, tok.Hash); got.RevokedAt.IsZero() {
		t.Error("turning hf_oauth off did not revoke the app's token")
	}
	// And on again: enabled, same app.
	res5, err := Sync(ctx, db, sp, md, SyncOptions{}, t0.Add(4*time.Hour))
	if err != nil || res5.App.Disabled || res5.App.ClientID != id || res5.Created {
		t.Fatalf("on again: %+v %v", res5, err)
	}

	// Rotation is explicit and returns the new secret once.
	res6, err := Sync(ctx, db, sp, md, SyncOptions{RotateSecret: true}, t0.Add(5*time.Hour))
	if err != nil || res6.Secret == "" || res6.Secret == res.Secret || store.Hash(res6.Secret) != res6.App.SecretHash {
		t.Fatalf("rotate: %+v %v", res6, err)
	}

	// Deleting the Space removes the app.
	if err := Delete(ctx, db, "alice/demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppBySpace(ctx, "alice/demo"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

func TestSyncWithoutOAuthCreatesNothing(t *testing.T) {
	ctx := context.Background()
	db := newSyncStore(t)
	res, err := Sync(ctx, db, Space{Owner: "alice", Name: "plain", Hosts: []string{"h"}}, mustMeta(t, "---\nsdk: static\n---\n"), SyncOptions{}, t0)
	if err != nil || res.App.ClientID != "" || res.Created {
		t.Fatalf("%+v %v", res, err)
	}
	if apps, _ := db.ListApps(ctx); len(apps) != 0 {
		t.Errorf("apps: %v", apps)
	}
}

func TestSyncInputErrors(t *testing.T) {
	ctx := context.Background()
	db := newSyncStore(t)
	md := mustMeta(t, syncReadme)
	cases := []struct {
		name string
		sp   Space
		md   Metadata
		want string
	}{
		{"unknown-owner", Space{Owner: "nobody", Name: "x", Hosts: []string{"h"}}, md, `space owner "nobody" is neither a user nor an org`},
		{"bad-name", Space{Owner: "alice", Name: "a/b", Hosts: []string{"h"}}, md, "is not owner/name"},
		{"no-hosts", Space{Owner: "alice", Name: "x"}, md, "at least one host"},
		{"host-with-scheme", Space{Owner: "alice", Name: "x", Hosts: []string{"https://h"}}, md, "is not a host or host:port"},
		{"unknown-org", Space{Owner: "alice", Name: "x", Hosts: []string{"h"}}, mustMeta(t, "---\nhf_oauth: true\nhf_oauth_authorized_org: [acme, ghost]\n---\n"), `hf_oauth_authorized_org: "ghost" does not exist`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sync(ctx, db, tc.sp, tc.md, SyncOptions{}, t0)
			var ie *InputError
			if !errors.As(err, &ie) || !contains(ie.Msg, tc.want) {
				t.Errorf("got %v, want an InputError with %q", err, tc.want)
			}
		})
	}
	if apps, _ := db.ListApps(ctx); len(apps) != 0 {
		t.Errorf("failed syncs created apps: %v", apps)
	}
	// An org owner and an authorized org that exists are fine.
	res, err := Sync(ctx, db, Space{Owner: "acme", Name: "x", Hosts: []string{"acme-x.localhost"}}, mustMeta(t, "---\nhf_oauth: true\nhf_oauth_authorized_org: ACME\n---\n"), SyncOptions{}, t0)
	if err != nil || res.App.OwnerID != "bbbbbbbbbbbbbbbbbbbbbbbb" || len(res.App.AuthorizedOrgs) != 1 {
		t.Errorf("org space: %+v %v", res, err)
	}
}

// TestSyncConcurrentCreate: two syncs of a new Space at once end with one app.
func TestSyncConcurrentCreate(t *testing.T) {
	ctx := context.Background()
	db := newSyncStore(t)
	md := mustMeta(t, syncReadme)
	sp := Space{Owner: "alice", Name: "race", Hosts: []string{"alice-race.localhost"}}
	var wg sync.WaitGroup
	created := make(chan bool, 8)
	for range 8 {
		wg.Go(func() {
			res, err := Sync(ctx, db, sp, md, SyncOptions{}, t0)
			if err != nil {
				t.Error(err)
			}
			created <- res.Created
		})
	}
	wg.Wait()
	close(created)
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	apps, _ := db.ListApps(ctx)
	if n != 1 || len(apps) != 1 {
		t.Errorf("%d syncs created, %d apps; want 1 and 1", n, len(apps))
	}
}

func TestDefaultHostAndEnv(t *testing.T) {
	if got := DefaultHost("Alice", "My_Space.v2", "hf.space"); got != "alice-my-space-v2.hf.space" {
		t.Errorf("DefaultHost = %q", got)
	}
	md := mustMeta(t, syncReadme)
	app := store.App{ClientID: "cid", Scopes: []string{"openid", "profile", "email"}}
	env := BuildEnv(EnvParams{Issuer: "https://hub.example/", Space: Space{Owner: "alice", Name: "demo", Hosts: []string{"a", "b"}}, Metadata: md, App: app, Secret: "s3cret", CreatorID: "u1"})
	want := map[string]string{
		"SYSTEM": "spaces", "SPACE_ID": "alice/demo", "SPACE_AUTHOR_NAME": "alice", "SPACE_REPO_NAME": "demo", "SPACE_TITLE": "Demo",
		"SPACE_HOST": "a,b", "SPACE_CREATOR_USER_ID": "u1", "OAUTH_CLIENT_ID": "cid", "OAUTH_CLIENT_SECRET": "s3cret",
		"OAUTH_SCOPES": "openid profile email", "OPENID_PROVIDER_URL": "https://hub.example",
	}
	if d := cmp.Diff(want, env.Map()); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	if _, ok := env.Public()["OAUTH_CLIENT_SECRET"]; ok {
		t.Error("Public() leaks the secret")
	}
	if got := env.Dotenv(); !contains(got, "SPACE_HOST=a,b\n") || !contains(got, "OAUTH_SCOPES=\"openid profile email\"\n") {
		t.Errorf("dotenv:\n%s", got)
	}
	md.HFOAuth = false
	if got := BuildEnv(EnvParams{Space: Space{Owner: "a", Name: "b"}, Metadata: md, App: app}).Get("OAUTH_CLIENT_ID"); got != "" {
		t.Errorf("OAuth variables without hf_oauth: %q", got)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestSyncTitleCleaned: a Space title becomes the app's name on the
// consent page without direction-changing or invisible characters, and
// a title that is the hub's or Hugging Face's name gives way to the Space
// id.
func TestSyncTitleCleaned(t *testing.T) {
	ctx := context.Background()
	db := newSyncStore(t)
	sp := Space{Owner: "alice", Name: "demo", Hosts: []string{"alice-demo.localhost"}}
	for title, want := range map[string]string{
		"\"Pay \u202eFDP.exe\"":  "Pay FDP.exe",
		"\"Hugging Face\"":       "alice/demo",
		"\"hugging\u200b-face\"": "alice/demo",
		"\"👩\u200d💻 Demo\"":      "👩\u200d💻 Demo",
	} {
		md := mustMeta(t, "---\ntitle: "+title+"\nsdk: static\nhf_oauth: true\n---\n")
		res, err := Sync(ctx, db, sp, md, SyncOptions{}, t0)
		if err != nil {
			t.Fatalf("title %s: %v", title, err)
		}
		if res.App.Name != want {
			t.Errorf("title %s: app name %q, want %q", title, res.App.Name, want)
		}
	}
}
