package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// schemaChecker is what both backends offer /readyz: one cheap query that
// fails when the database is unreachable or its schema lacks a migration
// this binary needs (a newer schema is ready: migrations only add). It is not part of store.Store; a store without it is
// checked with a read of the signing keys instead.
type schemaChecker interface {
	SchemaReady(ctx context.Context) error
}

// readyTimeout bounds the readiness check, so that a load balancer's probe
// gets its 503 before its own timeout when the database hangs.
const readyTimeout = 2 * time.Second

// withHealth adds the load balancers' endpoints in front of h: GET /healthz
// answers 200 "ok" while the process serves (it touches nothing), GET
// /readyz answers 200 when the database is reachable and its schema
// has every migration this binary needs, else 503 with the reason in one line of JSON.
func (p *Provider) withHealth(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", p.serveReady)
	mux.Handle("/", h)
	return mux
}

func (p *Provider) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	var err error
	if sc, ok := p.Store.(schemaChecker); ok {
		err = sc.SchemaReady(ctx)
	} else {
		_, err = p.Store.Keys(ctx)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		reason := strings.Join(strings.Fields(err.Error()), " ")
		p.log.WarnContext(ctx, "not ready", "reason", reason)
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "reason": "database: " + reason})
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"status": "ready"})
}
