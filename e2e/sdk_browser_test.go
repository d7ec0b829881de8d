package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoSDKInBrowser runs examples/space-go (the signin SDK) with "hubid
// space run" and signs in through it in headless Chromium with third-party
// cookies blocked: at top level over https on the Space host, and with the
// Space inside an iframe on another site, where the login breaks out to a
// new top-level tab and must end signed in without a redirect loop.
func TestGoSDKInBrowser(t *testing.T) {
	needChromium(t)
	app := filepath.Join(t.TempDir(), "space-go")
	if out, err := exec.Command("go", "build", "-o", app, "../examples/space-go").CombinedOutput(); err != nil {
		t.Fatalf("build examples/space-go: %v\n%s", err, out)
	}
	data := t.TempDir()
	dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
	space := start(t, "space", "run", "../examples/space-go", "--space", "demo/space-go", "--data", data, "--issuer", issuer, "--", app)
	primary := space.await(t, `https://(demo-space-go\.localhost:\d+)/`)
	space.await(t, `running `)
	// Go's resolver does not map *.localhost to loopback (Chromium does):
	// poll the same listener by address.
	_, port, _ := net.SplitHostPort(primary)
	waitFor(t, "https://127.0.0.1:"+port+"/")

	// A page on another site that frames the Space, as huggingface.co does.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	framer := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>a hub page</title><h1>Space</h1><iframe src="https://%s/" width="800" height="500"></iframe>`, primary)
	})}
	go framer.Serve(ln)
	defer framer.Close()
	framerURL := "http://localhost:" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port) + "/"

	shots := screenshotDir(t)
	out := runClient(t, "node", "clients/sdk_browser.mjs", "https://"+primary+"/", framerURL, "demo", devPassword(t, data), shots)
	var got struct {
		Chromium string `json:"chromium"`
		TopLevel struct {
			SignedIn bool   `json:"signedIn"`
			Logins   int    `json:"logins"`
			Me       string `json:"me"`
		} `json:"topLevel"`
		ThirdPartyCookies struct {
			SetAtTopLevel     bool `json:"setAtTopLevel"`
			FramedRequestSeen bool `json:"framedRequestSeen"`
			SentToFrame       bool `json:"sentToFrame"`
			ReadableInFrame   bool `json:"readableInFrame"`
		} `json:"thirdPartyCookies"`
		FramedTarget string `json:"framedTarget"`
		Framed       struct {
			SignedInTopLevel bool   `json:"signedInTopLevel"`
			Logins           int    `json:"logins"`
			URL              string `json:"url"`
		} `json:"framed"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("browser output: %v\n%s", err, out)
	}
	t.Logf("drove the signin SDK (examples/space-go) in Chromium %s", got.Chromium)
	if !got.TopLevel.SignedIn || got.TopLevel.Logins != 1 || !strings.Contains(got.TopLevel.Me, "demo") {
		t.Errorf("top level: %+v", got.TopLevel)
	}
	// The framed case only proves something if Chromium really withholds
	// the Space's cookies from the cross-site frame: check it, so a change
	// of Chromium's defaults cannot silently weaken the test.
	t.Logf("third-party cookie probe: %+v", got.ThirdPartyCookies)
	if c := got.ThirdPartyCookies; !c.SetAtTopLevel || !c.FramedRequestSeen || c.SentToFrame || c.ReadableInFrame {
		t.Errorf("third-party cookies are not blocked in the framed context: %+v", c)
	}
	if got.FramedTarget != "_blank" {
		t.Errorf("framed button target = %q, want _blank", got.FramedTarget)
	}
	// Logins counts every request to /login/huggingface in the browser
	// context from before the click, in any tab or frame: the break-out
	// tab starts exactly one login; a loop would show as many.
	t.Logf("framed: %d login start(s)", got.Framed.Logins)
	if !got.Framed.SignedInTopLevel || got.Framed.Logins < 1 || got.Framed.Logins > 2 || !strings.HasPrefix(got.Framed.URL, "https://"+primary+"/") {
		t.Errorf("framed: %+v", got.Framed)
	}
}

// waitFor polls u until it answers (the app behind the Space proxy is up).
func waitFor(t *testing.T, u string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: insecureTLS()}}
	for i := 0; i < 600; i++ {
		if resp, err := c.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return
			}
		}
		sleep()
	}
	t.Fatalf("%s never answered", u)
}
