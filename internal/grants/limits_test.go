package grants

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/oidc"
)

// limitedEnv is a token endpoint with the given limit (N per minute) on
// kind.
func limitedEnv(t *testing.T, kind limits.Kind, n int) *tokenEnv {
	e := newTokenEnv(t)
	e.h.Limits = limits.New(limits.Config{Limits: map[limits.Kind]limits.Limit{kind: {N: n, Per: time.Minute}}}, e.clock.Now)
	return e
}

// postFrom is e.post from the address remote; it returns the recorder.
func (e *tokenEnv) postFrom(remote string, serve http.HandlerFunc, form url.Values) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	serve(w, r)
	return w
}

func wantTooMany(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var body map[string]any
	json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != http.StatusTooManyRequests || body["error"] != string(oidc.CodeTemporarilyUnavailable) || w.Header().Get("Retry-After") == "" {
		t.Fatalf("want 429 temporarily_unavailable with Retry-After; got %d %v, Retry-After %q", w.Code, body, w.Header().Get("Retry-After"))
	}
}

// TestTokenLimit: the token endpoint takes N requests per (client, IP);
// the next gets 429; other clients and other addresses are not slowed.
func TestTokenLimit(t *testing.T) {
	e := limitedEnv(t, limits.Token, 3)
	refresh := func(client string) url.Values {
		return url.Values{"grant_type": {oidc.GrantRefreshToken}, "refresh_token": {"hf_oauth_nope"}, "client_id": {client}}
	}
	const attacker, other = "198.51.100.7:4000", "203.0.113.5:4000"
	for i := range 3 {
		if w := e.postFrom(attacker, e.h.ServeHTTP, refresh(pubID)); w.Code != http.StatusBadRequest {
			t.Fatalf("request %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	wantTooMany(t, e.postFrom(attacker, e.h.ServeHTTP, refresh(pubID)))
	if w := e.postFrom(other, e.h.ServeHTTP, refresh(pubID)); w.Code != http.StatusBadRequest {
		t.Fatalf("the same client from another address: %d %s", w.Code, w.Body)
	}
	e.st.apps["pub-2"] = e.st.apps[pubID]
	if w := e.postFrom(attacker, e.h.ServeHTTP, refresh("pub-2")); w.Code != http.StatusBadRequest {
		t.Fatalf("another client from the same address: %d %s", w.Code, w.Body)
	}
	e.clock.Add(20 * time.Second) // one request per 20 s comes back
	if w := e.postFrom(attacker, e.h.ServeHTTP, refresh(pubID)); w.Code != http.StatusBadRequest {
		t.Fatalf("after the refill: %d %s", w.Code, w.Body)
	}
}

// TestDeviceAuthorizationLimit: beyond N per (client, IP), device
// authorization answers 429 and writes no row.
func TestDeviceAuthorizationLimit(t *testing.T) {
	e := limitedEnv(t, limits.Device, 2)
	form := url.Values{"client_id": {pubID}}
	const attacker = "198.51.100.7:4000"
	for i := range 2 {
		if w := e.postFrom(attacker, e.h.ServeDeviceAuthorization, form); w.Code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	for range 50 {
		wantTooMany(t, e.postFrom(attacker, e.h.ServeDeviceAuthorization, form))
	}
	if n := len(e.st.devices); n != 2 {
		t.Fatalf("%d device codes written, want 2", n)
	}
	if w := e.postFrom("[2001:db8::1]:1", e.h.ServeDeviceAuthorization, form); w.Code != http.StatusOK {
		t.Fatalf("another address: %d %s", w.Code, w.Body)
	}
}
