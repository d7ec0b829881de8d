package signin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// whoami calls the hub's /api/whoami-v2 with c and returns the status and
// the name it reports.
func whoami(t *testing.T, c *http.Client, hub string) (int, string) {
	t.Helper()
	resp, err := c.Get(hub + "/api/whoami-v2")
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Name string `json:"name"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Name
}

// TestClient: Client calls the hub with the signed-in user's token, from a
// handler and from any request of the browser; once the token expired it
// refreshes it, once, and saves it in the session, where the next request
// finds it without refreshing; with nobody signed in, or a session that
// cannot be refreshed, it says ErrNotSignedIn.
func TestClient(t *testing.T) {
	clock := signintest.NewClock(time.Now())
	p := signintest.NewProvider(t, signintest.WithClock(clock.Now), signintest.WithTokenLifetime(10*time.Minute))
	tokenCalls := &countingTransport{path: "/oauth/token"}
	a := newTestApp(t, p, func(c *signin.Config) { c.HTTPClient = &http.Client{Transport: tokenCalls} })
	mux := http.NewServeMux()
	mux.Handle("/", appHandler(a.s)) // the SDK's routes, /me
	mux.Handle("GET /hub-name", a.s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.s.Client(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := c.Get(p.URL + "/oauth/userinfo")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var info struct {
			Username string `json:"preferred_username"`
		}
		json.NewDecoder(resp.Body).Decode(&info)
		fmt.Fprintf(w, "%d %s", resp.StatusCode, info.Username)
	})))
	app := httptest.NewServer(mux)
	defer app.Close()

	b := p.Browser(t)
	first := decodeMe(t, b.Get(app.URL+"/login/huggingface?_target_url=%2Fme"))
	if r := b.Get(app.URL + "/hub-name"); r.Body != "200 alice" {
		t.Fatalf("userinfo through Client in a handler: %d %q", r.StatusCode, r.Body)
	}

	// A request of the browser's, outside any middleware.
	req := httptest.NewRequest("GET", app.URL+"/anything", nil)
	for _, c := range b.Cookies(app.URL) {
		req.AddCookie(c)
	}
	client, err := a.s.Client(req)
	if err != nil {
		t.Fatal(err)
	}
	if status, name := whoami(t, client, p.URL); status != http.StatusOK || name != "alice" {
		t.Fatalf("whoami through Client: %d %q", status, name)
	}

	// The access token expires, at the hub too: the client refreshes it.
	clock.Advance(11 * time.Minute)
	before := tokenCalls.n.Load()
	if status, name := whoami(t, client, p.URL); status != http.StatusOK || name != "alice" {
		t.Fatalf("whoami after expiry: %d %q", status, name)
	}
	if n := tokenCalls.n.Load() - before; n != 1 {
		t.Errorf("%d token requests for an expired token, want one refresh", n)
	}
	fresh := a.s.Token(req)
	if fresh == nil || fresh.AccessToken == first.Token.AccessToken || fresh.Expiry.Sub(clock.Now()) != 10*time.Minute {
		t.Fatalf("the session holds %+v, want the refreshed token (the old one was %q)", fresh, first.Token.AccessToken)
	}
	// The browser's next request, and a new client, use the saved token.
	if status, name := whoami(t, client, p.URL); status != http.StatusOK || name != "alice" {
		t.Errorf("whoami again: %d %q", status, name)
	}
	if m := decodeMe(t, b.Get(app.URL+"/me")); m.Token.AccessToken != fresh.AccessToken {
		t.Errorf("the next request sees token %q, want the saved %q", m.Token.AccessToken, fresh.AccessToken)
	}
	if r := b.Get(app.URL + "/hub-name"); r.Body != "200 alice" {
		t.Errorf("userinfo through a new client: %d %q", r.StatusCode, r.Body)
	}
	if n := tokenCalls.n.Load() - before; n != 1 {
		t.Errorf("%d token requests in all, want the one refresh", n)
	}
	old := &http.Client{Transport: &bearer{first.Token.AccessToken}}
	if status, _ := whoami(t, old, p.URL); status != http.StatusUnauthorized {
		t.Errorf("the hub took the expired token (%d): the test proves nothing", status)
	}

	// Nobody signed in.
	if _, err := a.s.Client(httptest.NewRequest("GET", app.URL+"/", nil)); !errors.Is(err, signin.ErrNotSignedIn) {
		t.Errorf("Client without a session: %v", err)
	}
	// The user revokes the app: the next refresh is refused, and so is
	// the call.
	p.RevokeTokens(t)
	clock.Advance(11 * time.Minute)
	if _, err := client.Get(p.URL + "/api/whoami-v2"); !errors.Is(err, signin.ErrNotSignedIn) {
		t.Errorf("call after the session ended: %v, want ErrNotSignedIn", err)
	}
}

// bearer sends a fixed token.
type bearer struct{ token string }

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}
