package server_test

import (
	"html"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/provider"
)

// TestDevCallbackEscapes: the dev callback page reflects its query, so a
// hostile state or code is shown as text (HTML-escaped) and quoted in the
// curl so that the shell reads it back as the same one word; the page is
// no-store, in the shared layout, and absent unless the server runs as dev.
func TestDevCallbackEscapes(t *testing.T) {
	h := newHubWith(t, func(c *provider.Config) { c.DevClientID = "demo-client" })
	evil := `"><script>alert(1)</script><img src=x onerror=alert(2)>'$(touch /tmp/pwned)` + "`id`"
	resp, err := http.Get(h.ts.URL + "/dev/callback?" + url.Values{"code": {evil}, "state": {evil}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
		t.Fatalf("the page reflects markup:\n%s", body)
	}
	if !strings.Contains(body, html.EscapeString(evil)) && !strings.Contains(body, "&lt;script&gt;alert(1)") {
		t.Errorf("the state is not shown as text:\n%s", body)
	}
	if !strings.Contains(body, `<link rel="stylesheet" href="/static/hubid.css">`) || !strings.Contains(body, "Authorization code received") {
		t.Errorf("not the layout's page:\n%s", body)
	}
	m := regexp.MustCompile(`(?s)<pre class="cmd"><code>(curl -s -u .*?)</code></pre>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no curl:\n%s", body)
	}
	curl := html.UnescapeString(m[1])
	if !strings.HasPrefix(curl, `curl -s -u "demo-client:$OAUTH_CLIENT_SECRET" `+h.ts.URL+"/oauth/token") ||
		!strings.Contains(curl, "redirect_uri="+h.ts.URL+"/dev/callback") || strings.Contains(curl, "touch /tmp/pwned)` ") {
		t.Errorf("curl:\n%s", curl)
	}
	// The shell reads the quoted code back as exactly the code: print the
	// words of the command instead of running curl.
	out, err := exec.Command("sh", "-c", "printf '%s\\n' "+strings.TrimPrefix(curl, "curl ")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "\ncode="+evil+"\n") {
		t.Errorf("the shell reads the command as:\n%s", out)
	}

	// A leading tilde is quoted too (the shell would expand it).
	resp, _ = http.Get(h.ts.URL + "/dev/callback?code=" + url.QueryEscape("~root"))
	body = readBody(t, resp)
	if m := regexp.MustCompile(`code=(\S+)`).FindStringSubmatch(html.UnescapeString(body)); m == nil || m[1] != "'~root'" {
		t.Errorf("a code starting with ~ in the curl: %v", m)
	}

	// An error from the hub, and no query at all.
	resp, _ = http.Get(h.ts.URL + "/dev/callback?error=access_denied&error_description=" + url.QueryEscape("<b>no</b>") + "&state=s1")
	if body := readBody(t, resp); !strings.Contains(body, "access_denied") || strings.Contains(body, "<b>no") || !strings.Contains(body, "s1") {
		t.Errorf("error page:\n%s", body)
	}
	resp, _ = http.Get(h.ts.URL + "/dev/callback")
	if body := readBody(t, resp); !strings.Contains(body, "No authorization code") {
		t.Errorf("empty query:\n%s", body)
	}

	// Not dev: no such page.
	plain := newHub(t)
	resp, _ = http.Get(plain.ts.URL + "/dev/callback?code=abc")
	readBody(t, resp)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("without DevClientID: %d, want 404", resp.StatusCode)
	}
}
