package signin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signintest"
)

// deep stands for code far from the handler that has only a context.
func deep(ctx context.Context) meBody {
	return meBody{User: signin.UserFrom(ctx), Token: signin.TokenFrom(ctx)}
}

// TestContextAccessors: under RequireLogin and RequireOrg, UserFrom and
// TokenFrom give code that has only the context what User and Token give
// the handler; outside them, nil, even for a signed-in browser.
func TestContextAccessors(t *testing.T) {
	p := signintest.NewProvider(t)
	a := newTestApp(t, p, nil)
	mux := http.NewServeMux()
	a.s.Register(mux)
	both := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode([2]meBody{{User: a.s.User(r), Token: a.s.Token(r)}, deep(r.Context())})
	})
	mux.Handle("GET /login-only", a.s.RequireLogin(both))
	mux.Handle("GET /org-only", a.s.RequireOrg(signintest.OrgName)(both))
	mux.Handle("GET /open", both)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := p.Browser(t)
	b.Get(srv.URL + "/login/huggingface")
	for _, path := range []string{"/login-only", "/org-only", "/open"} {
		r := b.Get(srv.URL + path)
		var got [2]meBody
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v %.300s", path, r.StatusCode, err, r.Body)
		}
		if got[0].User == nil || got[0].User.Username != "alice" || got[0].Token == nil {
			t.Fatalf("%s: User and Token: %+v", path, got[0])
		}
		if path == "/open" {
			if got[1].User != nil || got[1].Token != nil {
				t.Errorf("%s: outside the middlewares UserFrom and TokenFrom give %+v, want nil", path, got[1])
			}
			continue
		}
		if d := cmp.Diff(got[0], got[1]); d != "" {
			t.Errorf("%s: (-User/Token +UserFrom/TokenFrom):\n%s", path, d)
		}
	}
	if u, tok := signin.UserFrom(context.Background()), signin.TokenFrom(context.Background()); u != nil || tok != nil {
		t.Errorf("empty context: %v %v", u, tok)
	}
}
