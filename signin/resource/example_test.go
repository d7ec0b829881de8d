package resource_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/hubid/hubid/signin/resource"
)

// A resource server (here a repo API) accepts the hub's access tokens and
// checks them, and their scopes, with the hub's introspection endpoint.
// The resource server authenticates as a confidential app of its own.
func ExampleServer_RequireScope() {
	hub := startHub() // stands in for huggingface.co or a hubid
	defer hub.Close()

	rs, err := resource.New(context.Background(), resource.Config{
		Issuer:       hub.URL, // OPENID_PROVIDER_URL
		ClientID:     "repo-api",
		ClientSecret: "repo-api-secret",
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/repos", rs.RequireScope("read-repos")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "the repos of %s", resource.TokenInfoFrom(r.Context()).Username)
	})))
	api := httptest.NewServer(mux)
	defer api.Close()

	for _, token := range []string{"hf_oauth_repos", "hf_oauth_profile", "hf_oauth_refresh_repos", ""} {
		req, _ := http.NewRequest("GET", api.URL+"/api/repos", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		var answer map[string]string
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if json.Unmarshal(body, &answer) == nil {
			body = []byte(answer["error"])
		}
		fmt.Printf("%-24q %d %s\n", token, resp.StatusCode, body)
	}
	// Output:
	// "hf_oauth_repos"         200 the repos of alice
	// "hf_oauth_profile"       403 insufficient_scope
	// "hf_oauth_refresh_repos" 401 invalid_token
	// ""                       401 invalid_token
}

// startHub is a hub reduced to what a resource server asks it: discovery
// and introspection (RFC 7662) of three tokens of alice's.
func startHub() *httptest.Server {
	mux := http.NewServeMux()
	var hub *httptest.Server
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": hub.URL, "introspection_endpoint": hub.URL + "/oauth/introspect"})
	})
	mux.HandleFunc("POST /oauth/introspect", func(w http.ResponseWriter, r *http.Request) {
		if id, secret, _ := r.BasicAuth(); id != "repo-api" || secret != "repo-api-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		answers := map[string]map[string]any{
			"hf_oauth_repos":   {"active": true, "token_type": "bearer", "username": "alice", "scope": "openid profile read-repos"},
			"hf_oauth_profile": {"active": true, "token_type": "bearer", "username": "alice", "scope": "openid profile"},
			// A live refresh token is active, but it is no access token.
			"hf_oauth_refresh_repos": {"active": true, "token_type": "refresh_token", "username": "alice", "scope": "openid profile read-repos"},
		}
		answer, ok := answers[r.PostFormValue("token")]
		if !ok {
			answer = map[string]any{"active": false}
		}
		json.NewEncoder(w).Encode(answer)
	})
	hub = httptest.NewServer(mux)
	return hub
}
