package spaces

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
)

// TestSyncUnknownOrgMessage: an hf_oauth_authorized_org that does not exist
// is refused with the key, the README line, the value and the orgs the
// README could mean (closest first), or how to create one when there are
// none.
func TestSyncUnknownOrgMessage(t *testing.T) {
	ctx := context.Background()
	withOrgs := newSyncStore(t) // alice; org acme
	for id, o := range map[string]string{"cccccccccccccccccccccccc": "acme-research", "dddddddddddddddddddddddd": "zeta"} {
		if err := withOrgs.CreateOrg(ctx, store.Org{ID: id, Name: o, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	noOrgs, err := sqlite.Open(filepath.Join(t.TempDir(), "hubid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { noOrgs.Close() })
	if err := noOrgs.CreateUser(ctx, store.User{ID: "aaaaaaaaaaaaaaaaaaaaaaaa", Username: "alice", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		st     store.Store
		readme string
		want   []string // each problem's message, README line filled in
	}{
		{"typo", withOrgs, "---\ntitle: t\nhf_oauth: true\nhf_oauth_authorized_org: acmee\n---\n", []string{
			`README.md line 4: hf_oauth_authorized_org: "acmee" does not exist on this hub (did you mean "acme"?); allowed: an existing org: acme, acme-research, zeta; or create it (hubid org add acmee)`,
		}},
		{"list-two-missing", withOrgs, "---\nhf_oauth: true\nhf_oauth_authorized_org:\n  - acme\n  - nobody-here\n  - Zeta\n  - ghost\n---\n", []string{
			`README.md line 5: hf_oauth_authorized_org: "nobody-here" does not exist on this hub; allowed: an existing org: acme, zeta, acme-research; or create it (hubid org add nobody-here)`,
			`README.md line 7: hf_oauth_authorized_org: "ghost" does not exist on this hub; allowed: an existing org: acme, zeta, acme-research; or create it (hubid org add ghost)`,
		}},
		{"no-orgs", noOrgs, "---\nhf_oauth: true\nhf_oauth_authorized_org: [acme]\n---\n", []string{
			`README.md line 3: hf_oauth_authorized_org: "acme" does not exist on this hub; allowed: an existing org, and this hub has none yet: create it (hubid org add acme, then hubid org member acme USER), or remove the key to let everyone sign in`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sync(ctx, tc.st, Space{Owner: "alice", Name: "x", Hosts: []string{"alice-x.localhost"}}, mustMeta(t, tc.readme), SyncOptions{}, t0)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an InputError", err)
			}
			LocateInReadme(err, []byte(tc.readme))
			ps := MetadataErrors(err)
			if len(ps) != len(tc.want) {
				t.Fatalf("%d problems, want %d: %v", len(ps), len(tc.want), err)
			}
			for i, p := range ps {
				if got := p.Error(); got != tc.want[i] {
					t.Errorf("problem %d:\n got %s\nwant %s", i, got, tc.want[i])
				}
			}
		})
	}
}
