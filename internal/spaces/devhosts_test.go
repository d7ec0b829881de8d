package spaces

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSyncDevHosts: a local run adds its hosts to the app's accepted hosts
// without dropping the Space's own (custom domains included), replaces an
// earlier run's, and a plain sync drops them.
func TestSyncDevHosts(t *testing.T) {
	ctx := context.Background()
	db := newSyncStore(t)
	md := mustMeta(t, syncReadme)
	deployed := []string{"app.example.com", "alice-x.hf.space"}
	sync := func(hosts, dev []string) []string {
		t.Helper()
		res, err := Sync(ctx, db, Space{Owner: "alice", Name: "x", Hosts: hosts}, md, SyncOptions{DevHosts: dev}, t0)
		if err != nil {
			t.Fatal(err)
		}
		return res.App.SpaceHosts
	}
	check := func(step string, got, want []string) {
		t.Helper()
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: hosts (-want +got):\n%s", step, d)
		}
	}
	// A first local run of a Space without an app: the default host and the run's.
	check("first run", sync([]string{"alice-x.localhost"}, []string{"alice-x.localhost:4001", "127.0.0.1:4001"}),
		[]string{"alice-x.localhost", "alice-x.localhost:4001", "127.0.0.1:4001"})
	check("deploy", sync(deployed, nil), deployed)
	check("run", sync([]string{"alice-x.localhost"}, []string{"alice-x.localhost:5001", "127.0.0.1:5001"}),
		[]string{"app.example.com", "alice-x.hf.space", "alice-x.localhost:5001", "127.0.0.1:5001"})
	check("another run", sync([]string{"alice-x.localhost"}, []string{"127.0.0.1:6001"}),
		[]string{"app.example.com", "alice-x.hf.space", "127.0.0.1:6001"})
	check("plain sync", sync(deployed, nil), deployed)

	if _, err := Sync(ctx, db, Space{Owner: "alice", Name: "x", Hosts: deployed}, md, SyncOptions{DevHosts: []string{"evil.example:443"}}, t0); err == nil {
		t.Error("a dev host that is not loopback was accepted")
	}
	for h, want := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:8080": true, "localhost:1": true, "a-b.localhost:7860": true,
		"127.0.0.1": false, "a-b.localhost": false, "example.com:80": false, "10.0.0.1:80": false, "localhost.example:80": false,
	} {
		if IsDevHost(h) != want {
			t.Errorf("IsDevHost(%q) = %v, want %v", h, !want, want)
		}
	}
}

// TestCheckHosts: a Space may have its own host under the spaces domain
// (any port) and loopback hosts; another Space's host never; a custom
// domain only when the policy allows them.
func TestCheckHosts(t *testing.T) {
	sp := func(hosts ...string) Space { return Space{Owner: "Alice", Name: "my_app", Hosts: hosts} }
	strict := HostPolicy{SpacesDomain: "hf.example"}
	custom := HostPolicy{SpacesDomain: "hf.example", CustomDomains: true}
	for _, tc := range []struct {
		name     string
		sp       Space
		pol      HostPolicy
		wantFail bool
	}{
		{"own host", sp("alice-my-app.hf.example"), strict, false},
		{"own host, port and case", sp("Alice-My-App.hf.example:8443"), strict, false},
		{"loopback", sp("alice-my-app.hf.example", "127.0.0.1:7860", "demo.localhost:4000", "[::1]:80", "localhost"), strict, false},
		{"custom domain refused", sp("alice-my-app.hf.example", "evil.example"), strict, true},
		{"custom domain allowed", sp("alice-my-app.hf.example", "app.example.com"), custom, false},
		{"another Space's host", sp("bob-x.hf.example"), custom, true},
		{"the spaces domain itself", sp("hf.example"), custom, true},
		{"suffix trick", sp("alice-my-app.hf.example.evil.example"), strict, true},
		{"not a host", sp("https://alice-my-app.hf.example/"), custom, true},
		{"none", sp(), custom, true},
	} {
		err := CheckHosts(tc.sp, tc.pol)
		if (err != nil) != tc.wantFail {
			t.Errorf("%s: CheckHosts(%q) = %v, want failure %v", tc.name, tc.sp.Hosts, err, tc.wantFail)
		}
	}
}
