package signin_test

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/hubid/hubid/signin"
)

// A whole app: the Space's environment, the routes, a page with the
// button, a page for signed-in users. Run it on a Space with hf_oauth:
// true, or locally with "hubid space run DIR --space you/app -- go run .".
func ExampleNew() {
	cfg, err := signin.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux) // /login/huggingface, /login/callback, /logout
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html><h1>Hello</h1>%s", s.LoginButton(r))
	})
	mux.Handle("GET /me", s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html>Signed in as @%s", html.EscapeString(s.User(r).Username))
	})))
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), mux))
}

// FromEnv reads what a Space with hf_oauth: true receives.
func ExampleFromEnv() {
	// Spaces and "hubid space run" set these for the app.
	os.Setenv("OAUTH_CLIENT_ID", "8aa814a2-d3de-4fa8-9629-2846eb4d1680")
	os.Setenv("OAUTH_CLIENT_SECRET", "hf_oauth_secret_example")
	os.Setenv("OAUTH_SCOPES", "openid profile email read-repos")
	os.Setenv("OPENID_PROVIDER_URL", "https://huggingface.co")
	os.Setenv("SPACE_HOST", "julien-c-demo.hf.space,demo.example.com")

	cfg, err := signin.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Issuer)
	fmt.Println(cfg.Scopes)
	fmt.Println(cfg.Hosts)

	os.Unsetenv("OAUTH_CLIENT_SECRET")
	_, err = signin.FromEnv()
	fmt.Println(err.(*signin.EnvError).Missing)
	// Output:
	// https://huggingface.co
	// [openid profile email read-repos]
	// [julien-c-demo.hf.space demo.example.com]
	// [OAUTH_CLIENT_SECRET]
}

// A Config for an app outside Spaces: a fixed callback URL, routes under
// /app, an organization asked for at consent with orgIds, sessions capped
// at a week.
func ExampleConfig() {
	cfg := signin.Config{
		Issuer:          "https://huggingface.co",
		ClientID:        "a1b2c3d4-0000-0000-0000-000000000000",
		ClientSecret:    os.Getenv("OAUTH_CLIENT_SECRET"),
		Scopes:          []string{"openid", "profile", "read-repos"},
		RedirectURL:     "https://app.example.com/app/login/callback",
		Prefix:          "/app",
		AuthParams:      url.Values{"orgIds": {"5e67bd5b1009063689407478"}},
		SessionLifetime: 7 * 24 * time.Hour,
		HTTPClient:      &http.Client{Timeout: 5 * time.Second},
	}
	fmt.Println(cfg.Validate())
	// Output: <nil>
}

// OnLogin runs once per login, before the session starts: here it keeps
// a row per user in the app's own table and lets only members of
// demo-org in. Refuse shows its reason to the user; any other error
// refuses the login with a generic page.
func ExampleConfig_onLogin() {
	cfg, err := signin.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	users := map[string]string{} // sub → username: the app's user table
	cfg.OnLogin = func(r *http.Request, u *signin.User, _ *signin.Token) error {
		if !u.InOrg("demo-org") {
			return signin.Refuse("This app is for members of demo-org.")
		}
		mu.Lock()
		defer mu.Unlock()
		users[u.Sub] = u.Username // key on Sub: it survives renames
		return nil
	}
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), mux))
}

// Gate a page on membership of an organization: members see it, others a
// 403 page, signed-out visitors go to the login first.
func ExampleSignIn_RequireOrg() {
	var s *signin.SignIn // from signin.New
	mux := http.NewServeMux()
	s.Register(mux)
	mux.Handle("GET /team", s.RequireOrg("demo-org")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Welcome, member of demo-org")
	})))
}

// The button in an html/template page: LoginButton returns template.HTML,
// safe to insert as is.
func ExampleSignIn_LoginButton() {
	var s *signin.SignIn // from signin.New
	page := template.Must(template.New("").Parse(`<!doctype html><header>{{.Button}}</header>`))
	http.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]any{"Button": s.LoginButton(r)})
	})
}

// Call the hub's API on the user's behalf: Client sends their access
// token and refreshes it when it expires.
func ExampleSignIn_Client() {
	var s *signin.SignIn // from signin.New
	http.Handle("GET /whoami", s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !signin.TokenFrom(r.Context()).HasScope("read-repos") {
			http.Error(w, "this app was not granted read-repos", http.StatusForbidden)
			return
		}
		c, err := s.Client(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		resp, err := c.Get(s.Config().Issuer + "/api/whoami-v2")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		fmt.Fprintf(w, "whoami: %s\n", resp.Status)
	})))
}

// Code far from the handler needs only the context: what RequireLogin
// put there, UserFrom and TokenFrom read back.
func ExampleUserFrom() {
	var s *signin.SignIn // from signin.New
	greeting := func(ctx context.Context) string {
		if u := signin.UserFrom(ctx); u != nil {
			return "Hello @" + u.Username
		}
		return "Hello"
	}
	http.Handle("GET /hello", s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, html.EscapeString(greeting(r.Context())))
	})))
}

func ExampleUser_InOrg() {
	u := &signin.User{Username: "alice", Orgs: []signin.Org{{Sub: "5e67bd5b1009063689407478", Name: "demo-org"}}}
	fmt.Println(u.InOrg("Demo-Org"), u.InOrg("5e67bd5b1009063689407478"), u.InOrg("other"))
	// Output: true true false
}

func ExampleNewMemoryStore() {
	ctx := context.Background()
	store := signin.NewMemoryStore(1000, nil)
	store.Put(ctx, "k", []byte("v"), time.Now().Add(time.Minute))
	v, err := store.Get(ctx, "k")
	fmt.Println(string(v), err)
	_, err = store.Get(ctx, "other")
	fmt.Println(err)
	// Output:
	// v <nil>
	// signin: not found
}
