package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestCrashKeepsIssuedTokens kills hubid dev with SIGKILL while flows run
// against it, three times: after each restart on the same data directory
// every access token that was answered before the kill still works at
// userinfo, and the database passes SQLite's integrity check.
func TestCrashKeepsIssuedTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and kills hubid (skipped with -short)")
	}
	data := t.TempDir()
	var issued []string
	for round := range 3 {
		dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data, "--limit-authorize", "off", "--limit-token", "off")
		issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
		for _, tok := range issued {
			if status := userinfoStatus(t, issuer, tok); status != http.StatusOK {
				t.Fatalf("round %d: a token answered before a kill gets %d at userinfo after the restart", round, status)
			}
		}
		got := flowsUntilKilled(t, issuer, data, dev, 40)
		t.Logf("round %d: %d tokens answered before SIGKILL", round, len(got))
		issued = append(issued, got...)
		checkIntegrity(t, filepath.Join(data, "hubid.db"))
	}
	dev := start(t, "dev", "--addr", "127.0.0.1:0", "--data", data)
	issuer := dev.await(t, `Issuer\s+(http://127\.0\.0\.1:\d+)`)
	lost := 0
	for _, tok := range issued {
		if userinfoStatus(t, issuer, tok) != http.StatusOK {
			lost++
		}
	}
	if lost > 0 || len(issued) == 0 {
		t.Errorf("%d of %d answered tokens lost after three kills", lost, len(issued))
	}
}

// flowsUntilKilled signs the demo user in, then runs code flows from four
// workers; once at least min tokens were answered it kills the process
// with SIGKILL while the workers keep going, and returns the access tokens
// whose answers arrived whole.
func flowsUntilKilled(t *testing.T, issuer, data string, dev *process, min int) []string {
	t.Helper()
	var creds struct {
		Password     string   `json:"password"`
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		RedirectURIs []string `json:"redirect_uris"`
	}
	b, err := os.ReadFile(filepath.Join(data, "dev-credentials.json"))
	if err != nil || json.Unmarshal(b, &creds) != nil || creds.ClientSecret == "" {
		t.Fatalf("dev-credentials.json: %v %s", err, b)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) *http.Response {
		req, _ := http.NewRequest("POST", issuer+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", issuer)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post("/login", url.Values{"username": {"demo"}, "password": {creds.Password}, "next": {"/"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	redirect := "http://localhost:9/login/callback"
	authorize := issuer + "/oauth/authorize?" + url.Values{"client_id": {creds.ClientID}, "redirect_uri": {redirect}, "scope": {"openid"}, "state": {"s"}}.Encode()
	resp, err := client.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK { // the consent page, the first time
		body, _ := io.ReadAll(resp.Body)
		form := url.Values{"consent": {"allow"}}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(string(body), -1) {
			form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		post("/oauth/authorize", form).Body.Close()
	}
	resp.Body.Close()

	var mu sync.Mutex
	var tokens []string
	flow := func() error {
		resp, err := client.Get(authorize)
		if err != nil {
			return err
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			return fmt.Errorf("authorize: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect}}
		req, _ := http.NewRequest("POST", issuer+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(creds.ClientID, creds.ClientSecret)
		tr, err := client.Do(req)
		if err != nil {
			return err
		}
		defer tr.Body.Close()
		var body struct {
			AccessToken string `json:"access_token"`
		}
		if tr.StatusCode != http.StatusOK || json.NewDecoder(tr.Body).Decode(&body) != nil || body.AccessToken == "" {
			return fmt.Errorf("token: %d", tr.StatusCode)
		}
		mu.Lock()
		tokens = append(tokens, body.AccessToken)
		mu.Unlock()
		return nil
	}
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
				if err := flow(); err != nil {
					select {
					case <-killed:
						return // the process is gone: the failure is expected
					default:
						t.Errorf("flow before the kill: %v", err)
						return
					}
				}
			}
		}()
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(tokens)
		mu.Unlock()
		if n >= min {
			break
		}
	}
	close(killed)
	if err := dev.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	dev.cmd.Wait()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return tokens
}

func userinfoStatus(t *testing.T, issuer, token string) int {
	t.Helper()
	return bearerStatus(t, issuer+"/oauth/userinfo", token)
}

// bearerStatus is the status of a GET of u with token as a bearer token.
func bearerStatus(t *testing.T, u, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// checkIntegrity runs SQLite's integrity check on the database a killed
// hubid left behind.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity check after SIGKILL: %q %v", res, err)
	}
}
