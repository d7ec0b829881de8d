package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/internal/store/sqlite"
	"github.com/hubid/hubid/oidc"
)

// benchIssuer is the issuer of the in-process provider; nothing listens
// there, requests go straight to the handler.
const benchIssuer = "http://hub.bench"

// flowBench is an in-process provider on an SQLite file (as `hubid dev`
// runs it) with one user and a confidential app per ID-token algorithm.
type flowBench struct {
	h       http.Handler
	apps    map[string]store.App
	secrets map[string]string
}

func newFlowBench(b *testing.B) *flowBench {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "hubid.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	pw := accounts.NewHasher(0)
	srv, err := provider.New(ctx, provider.Config{Issuer: benchIssuer, Store: db, Passwords: pw, FailedLoginDelay: -1})
	if err != nil {
		b.Fatal(err)
	}
	hash, err := pw.Hash(ctx, alicePassword)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	u := store.User{ID: accounts.NewID(), Username: "alice", FullName: "Alice Liddell", Email: "alice@example.com", EmailVerified: true, PasswordHash: hash, CreatedAt: now}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	fb := &flowBench{h: srv.Handler(), apps: map[string]store.App{}, secrets: map[string]string{}}
	for _, alg := range []string{oidc.AlgRS256, oidc.AlgES256} {
		app, secret, err := apps.Create(ctx, db, apps.Spec{
			Name: "Bench " + alg, RedirectURIs: []string{redirectURI}, Scopes: []string{"email"}, IDTokenAlg: alg,
		}, now)
		if err != nil {
			b.Fatal(err)
		}
		fb.apps[alg], fb.secrets[alg] = app, secret
	}
	return fb
}

// serve runs one request through the handler and returns the time the
// handler took.
func (fb *flowBench) serve(r *http.Request) (*httptest.ResponseRecorder, time.Duration) {
	w := httptest.NewRecorder()
	t := time.Now()
	fb.h.ServeHTTP(w, r)
	return w, time.Since(t)
}

var benchHiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// session signs alice in through the login form, grants consent for the
// app of alg through the consent page, and returns the session cookie.
func (fb *flowBench) session(b *testing.B, alg string) string {
	b.Helper()
	form := url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {"/"}}
	r := httptest.NewRequest("POST", benchIssuer+"/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w, _ := fb.serve(r)
	var cookie string
	for _, c := range w.Result().Cookies() {
		if c.Name == "hubid_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if w.Code != http.StatusSeeOther || cookie == "" {
		b.Fatalf("login: %d %.300s", w.Code, w.Body)
	}
	r = httptest.NewRequest("GET", fb.authorizeURL(alg, "setup"), nil)
	r.Header.Set("Cookie", cookie)
	w, _ = fb.serve(r)
	if w.Code == http.StatusOK {
		f := url.Values{}
		for _, m := range benchHiddenRE.FindAllStringSubmatch(w.Body.String(), -1) {
			f.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		f.Set("consent", "allow")
		r = httptest.NewRequest("POST", benchIssuer+"/oauth/authorize", strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Cookie", cookie)
		w, _ = fb.serve(r)
	}
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), redirectURI+"?code=") {
		b.Fatalf("consent: %d %s %.300s", w.Code, w.Header().Get("Location"), w.Body)
	}
	return cookie
}

func (fb *flowBench) authorizeURL(alg, state string) string {
	return benchIssuer + "/oauth/authorize?" + url.Values{
		"client_id": {fb.apps[alg].ClientID}, "response_type": {"code"}, "scope": {"openid profile email"},
		"redirect_uri": {redirectURI}, "state": {state}, "nonce": {"n-" + state},
	}.Encode()
}

// stepTimes accumulates the handlers' time per step, in nanoseconds.
type stepTimes struct{ authorize, token, userinfo atomic.Int64 }

// flow is one authorization-code flow with an existing session, as
// bench/flowgen drives it over HTTP: authorize (303 with a code), token
// (client_secret_basic), userinfo. The ID token is not verified here: that
// is the client's work.
func (fb *flowBench) flow(alg, cookie string, st *stepTimes) error {
	r := httptest.NewRequest("GET", fb.authorizeURL(alg, "xyz"), nil)
	r.Header.Set("Cookie", cookie)
	w, d := fb.serve(r)
	st.authorize.Add(int64(d))
	loc, err := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusSeeOther || err != nil || loc.Query().Get("code") == "" {
		return fmt.Errorf("authorize: %d %s %.300s", w.Code, w.Header().Get("Location"), w.Body)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}
	r = httptest.NewRequest("POST", benchIssuer+"/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(url.QueryEscape(fb.apps[alg].ClientID), url.QueryEscape(fb.secrets[alg]))
	w, d = fb.serve(r)
	st.token.Add(int64(d))
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &tok) != nil || tok.IDToken == "" {
		return fmt.Errorf("token: %d %.300s", w.Code, w.Body)
	}
	r = httptest.NewRequest("GET", benchIssuer+"/oauth/userinfo", nil)
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	w, d = fb.serve(r)
	st.userinfo.Add(int64(d))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"sub"`) {
		return fmt.Errorf("userinfo: %d %.300s", w.Code, w.Body)
	}
	return nil
}

func (st *stepTimes) report(b *testing.B) {
	n := float64(b.N)
	a, t, u := float64(st.authorize.Load()), float64(st.token.Load()), float64(st.userinfo.Load())
	b.ReportMetric((a+t+u)/n, "server-ns/flow")
	b.ReportMetric(a/n, "authorize-ns")
	b.ReportMetric(t/n, "token-ns")
	b.ReportMetric(u/n, "userinfo-ns")
}

// BenchmarkFlow runs the flow of bench/flowgen in process, with the
// handler called directly (no sockets, no HTTP parsing): its server-ns/flow
// is the handlers' time, and its allocations are the server's. RS256 and
// ES256 are serial; ES256/Parallel runs GOMAXPROCS goroutines, each with
// its own session, against the one database.
//
//	go test -run '^$' -bench BenchmarkFlow -benchmem -cpuprofile cpu.out ./internal/server/
func BenchmarkFlow(b *testing.B) {
	fb := newFlowBench(b)
	for _, alg := range []string{oidc.AlgRS256, oidc.AlgES256} {
		b.Run(alg, func(b *testing.B) {
			cookie := fb.session(b, alg)
			var st stepTimes
			b.ReportAllocs()
			for b.Loop() {
				if err := fb.flow(alg, cookie, &st); err != nil {
					b.Fatal(err)
				}
			}
			st.report(b)
		})
	}
	b.Run("ES256/Parallel", func(b *testing.B) {
		cookies := make([]string, runtime.GOMAXPROCS(0))
		for i := range cookies {
			cookies[i] = fb.session(b, oidc.AlgES256)
		}
		var st stepTimes
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			cookie := cookies[int(next.Add(1)-1)%len(cookies)]
			for pb.Next() {
				if err := fb.flow(oidc.AlgES256, cookie, &st); err != nil {
					b.Error(err)
					return
				}
			}
		})
		st.report(b)
	})
}
