package signin_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// loginCall is one call of Config.OnLogin.
type loginCall struct {
	path  string
	user  signin.User
	token signin.Token
}

// TestOnLogin: the hook runs once per login, at the callback, with the
// user and token the session then holds; not on later requests.
func TestOnLogin(t *testing.T) {
	p := signintest.NewProvider(t)
	var mu sync.Mutex
	var calls []loginCall
	a := newTestApp(t, p, func(c *signin.Config) {
		c.OnLogin = func(r *http.Request, u *signin.User, tok *signin.Token) error {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, loginCall{r.URL.Path, *u, *tok})
			return nil
		}
	})
	b := p.Browser(t)
	m := decodeMe(t, b.Get(a.url("/login/huggingface?_target_url=%2Fme")))
	decodeMe(t, b.Get(a.url("/me")))
	decodeMe(t, b.Get(a.url("/org")))

	mu.Lock()
	got := append([]loginCall(nil), calls...)
	mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("OnLogin called %d times for one login and two requests, want once", len(got))
	}
	c := got[0]
	if c.path != "/login/callback" || c.user.Sub != p.User.ID || c.user.Username != "alice" || !c.user.InOrg(signintest.OrgName) {
		t.Errorf("OnLogin got %s %+v", c.path, c.user)
	}
	if c.token.AccessToken != m.Token.AccessToken || !c.token.HasScope("read-repos") {
		t.Errorf("OnLogin got token %+v, the session holds %+v", c.token, m.Token)
	}

	// A second login, by another user, is a second call.
	bob := p.AddUser(t, "bob")
	decodeMe(t, p.BrowserAs(t, bob).Get(a.url("/login/huggingface?_target_url=%2Fme")))
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || calls[1].user.Sub != bob.ID {
		t.Errorf("second login: %d calls, last %+v", len(calls), calls[len(calls)-1].user)
	}
}

// TestOnLoginRefuses: an error from the hook refuses the login: an error
// page (the reason shown for Refuse, a generic one otherwise) and no
// session, neither in the store nor as a cookie.
func TestOnLoginRefuses(t *testing.T) {
	p := signintest.NewProvider(t)
	for _, c := range []struct {
		name     string
		err      error
		status   int
		want     string
		unwanted string
	}{
		{"Refuse", signin.Refuse("Only bob may sign in."), http.StatusForbidden, "Only bob may sign in.", ""},
		{"wrapped Refuse", errors.Join(errors.New("checked the list"), signin.Refuse("Not on the list.")), http.StatusForbidden, "Not on the list.", "checked the list"},
		{"error", errors.New("users table: connection refused"), http.StatusInternalServerError, "could not complete your sign-in", "connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := signin.NewMemoryStore(0, nil)
			var calls atomic.Int32
			a := newTestApp(t, p, func(cfg *signin.Config) {
				cfg.Store = store
				cfg.OnLogin = func(*http.Request, *signin.User, *signin.Token) error {
					calls.Add(1)
					return c.err
				}
			})
			b := p.Browser(t)
			r := b.Get(a.url("/login/huggingface?_target_url=%2Fme"))
			if r.URL.Path != "/login/callback" || r.StatusCode != c.status || !strings.Contains(r.Body, c.want) {
				t.Fatalf("login ended at %s with %d, want %d with %q:\n%.1500s", r.URL.Path, r.StatusCode, c.status, c.want, r.Body)
			}
			if c.unwanted != "" && strings.Contains(r.Body, c.unwanted) {
				t.Errorf("the page shows %q", c.unwanted)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("OnLogin called %d times", n)
			}
			if n := store.Len(); n != 0 {
				t.Errorf("%d entries in the store after a refused login, want none", n)
			}
			for _, ck := range b.Cookies(a.url("/")) {
				if ck.Name == "hf_signin" {
					t.Errorf("session cookie set by a refused login")
				}
			}
			if r := b.Do(mustRequest(t, "GET", a.url("/me"))); r.StatusCode != http.StatusSeeOther {
				t.Errorf("/me after a refused login: %d, want a redirect to sign in", r.StatusCode)
			}
		})
	}
}
