// Command space-go is a Space written in Go with "Sign in with HF": a home
// page with the login button, /me with the signed-in profile and the
// token's scopes, /orgs with the orgs the user granted the app on the
// consent page, and /org for members of demo-org only. It reads the
// Space's environment (hf_oauth: true in README.md) and listens on $PORT
// (default 7860, the app_port of Docker Spaces).
//
//	hubid space run examples/space-go --space demo/space-go -- go run .
package main

import (
	"context"
	"html/template"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/hubid/hubid/signin"
)

// org is the organization /org is reserved for; hubid dev seeds it.
const org = "demo-org"

func main() {
	cfg, err := signin.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	s, err := signin.New(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "7860"
	}
	srv := &http.Server{Addr: ":" + port, Handler: newHandler(s), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("space-go: listening on :%s, signing in with %s", port, cfg.Issuer)
	log.Fatal(srv.ListenAndServe())
}

// newHandler wires the pages and the SDK's routes.
func newHandler(s *signin.SignIn) http.Handler {
	mux := http.NewServeMux()
	s.Register(mux) // /login/huggingface, /login/callback, /logout
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		render(w, homePage, pageData{Button: s.LoginButton(r), User: s.User(r), Org: org})
	})
	mux.Handle("GET /me", s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context() // RequireLogin put the user and token there
		render(w, mePage, pageData{Button: s.LoginButton(r), User: signin.UserFrom(ctx), Token: signin.TokenFrom(ctx), Org: org})
	})))
	mux.Handle("GET /orgs", s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, orgsPage, pageData{Button: s.LoginButton(r), User: signin.UserFrom(r.Context()), Org: org})
	})))
	mux.Handle("GET /org", s.RequireOrg(org)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, orgPage, pageData{Button: s.LoginButton(r), User: signin.UserFrom(r.Context()), Org: org})
	})))
	return mux
}

type pageData struct {
	Button template.HTML
	User   *signin.User
	Token  *signin.Token
	Org    string
}

func render(w http.ResponseWriter, t *template.Template, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := t.Execute(w, d); err != nil {
		log.Printf("render: %v", err)
	}
}

const layout = `{{define "layout"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{template "title" .}} · Sign in with HF from Go</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:42em;margin:2em auto;padding:0 1em;line-height:1.5;color:#111}
header{display:flex;justify-content:space-between;align-items:center;gap:1em;border-bottom:1px solid #ddd;padding-bottom:1em}
nav a{margin-right:1em}
img.avatar{width:64px;height:64px;border-radius:50%;vertical-align:middle}
dt{font-weight:600}
code{background:#f4f4f4;padding:0 .2em;border-radius:.2em}
</style>
</head>
<body>
<header><nav><a href="/">Home</a><a href="/me">My profile</a><a href="/orgs">Granted orgs</a><a href="/org">{{.Org}} only</a></nav>{{.Button}}</header>
<main>{{template "main" .}}</main>
</body>
</html>{{end}}`

var (
	homePage = page(`{{define "title"}}Home{{end}}{{define "main"}}
<h1>Sign in with HF, from Go</h1>
{{with .User}}<p>Welcome back, <strong>{{or .Name .Username}}</strong>. See <a href="/me">your profile</a>.</p>
{{else}}<p>This Space uses the Go SDK <code>signin</code>. Sign in to see what the app learns about you.</p>{{end}}
<p>The <a href="/org">{{.Org}} page</a> is for members of the organization <code>{{.Org}}</code> only.</p>
{{end}}`)
	mePage = page(`{{define "title"}}My profile{{end}}{{define "main"}}
<h1>{{with .User.Picture}}<img class="avatar" src="{{.}}" alt=""> {{end}}{{or .User.Name .User.Username}}</h1>
<dl>
<dt>Username</dt><dd>@{{.User.Username}}</dd>
<dt>User id (sub)</dt><dd><code>{{.User.Sub}}</code></dd>
{{with .User.Email}}<dt>Email</dt><dd>{{.}}{{if $.User.EmailVerified}} (verified){{end}}</dd>{{end}}
<dt>PRO</dt><dd>{{if .User.IsPro}}yes{{else}}no{{end}}</dd>
<dt>Organizations</dt><dd>{{range $i, $o := .User.Orgs}}{{if $i}}, {{end}}{{$o.Name}}{{with $o.Role}} ({{.}}){{end}}{{else}}none{{end}}</dd>
<dt>Token scopes</dt><dd>{{range $i, $s := .Token.Scopes}}{{if $i}} {{end}}<code>{{$s}}</code>{{end}}</dd>
<dt>Token expires</dt><dd>{{if .Token.Expiry.IsZero}}not said{{else}}{{.Token.Expiry.UTC.Format "2006-01-02 15:04 UTC"}}{{end}}</dd>
</dl>
{{end}}`)
	orgsPage = page(`{{define "title"}}Granted orgs{{end}}{{define "main"}}
<h1>Organizations this app may reach</h1>
<p>Scopes such as <code>read-repos</code> apply to your own account and to the organizations you ticked for this app on the consent page.</p>
<ul>
{{range .User.Orgs}}<li><strong>{{.Name}}</strong>: {{if .Granted}}granted ({{.Role}}){{else}}not granted{{end}}</li>
{{else}}<li>You are not a member of any organization.</li>
{{end}}</ul>
{{end}}`)
	orgPage = page(`{{define "title"}}{{.Org}}{{end}}{{define "main"}}
<h1>Members of {{.Org}}</h1>
<p>Hello @{{.User.Username}}: you are a member of <code>{{.Org}}</code>, so you can see this page.</p>
{{end}}`)
)

func page(body string) *template.Template {
	t := template.Must(template.New("page").Parse(layout))
	template.Must(t.Parse(body))
	return template.Must(t.Parse(`{{template "layout" .}}`))
}
