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
