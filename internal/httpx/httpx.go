// Package httpx holds the small HTTP helpers the server and the token
// endpoint share: JSON and OAuth error responses written in the right order
// (headers before WriteHeader, Cache-Control: no-store), bounded
// single-valued form parsing, CORS for the endpoints browsers call across
// origins, and bearer-token extraction. It knows no endpoint.
package httpx

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hubid/hubid/oidc"
)

// loggerKey is the context key of the request's logger.
type loggerKey struct{}

// WithLogger returns h with l in every request's context, where Logger
// finds it: the server's root handler installs the injected logger so that
// helpers deep in a request log through it, never through slog.Default.
func WithLogger(h http.Handler, l *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loggerKey{}, l)))
	})
}

// Logger returns the logger WithLogger put in ctx, or one that discards.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// MaxFormBytes bounds request bodies of form endpoints.
const MaxFormBytes = 64 << 10

// WriteJSON writes v as JSON with status, setting every header first. A
// value that cannot be encoded is logged through r's logger and answered
// with a 500.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		ctx := context.Background()
		if r != nil {
			ctx = r.Context()
		}
		Logger(ctx).ErrorContext(ctx, "encode JSON response", "err", err)
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// WriteError writes e as an RFC 6749 §5.2 JSON error, logging its cause
// (never sent). invalid_client answered to a client that tried Basic
// authentication gets WWW-Authenticate (RFC 6749 §5.2); invalid_token gets
// the Bearer challenge of RFC 6750 §3.
func WriteError(w http.ResponseWriter, r *http.Request, e *oidc.Error) {
	status := e.HTTPStatus()
	switch {
	case e.Code == oidc.CodeInvalidClient && r != nil && isBasic(r.Header.Get("Authorization")):
		w.Header().Set("WWW-Authenticate", `Basic realm="hubid", charset="UTF-8"`)
	case e.Code == oidc.CodeInvalidToken || e.Code == oidc.CodeInsufficientScope:
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="hubid", error=%q, error_description=%q`, e.Code, e.Description))
	}
	LogError(r, e)
	w.Header().Set("Pragma", "no-cache")
	WriteJSON(w, r, status, e.Response())
}

// LogError logs a protocol error at a level that fits its status, with the
// cause. The request path is logged, never the query (it can hold codes).
func LogError(r *http.Request, e *oidc.Error) {
	level := slog.LevelInfo
	switch {
	case e.HTTPStatus() >= 500:
		level = slog.LevelError
	case e.Code == oidc.CodeAuthorizationPending || e.Code == oidc.CodeSlowDown:
		level = slog.LevelDebug // a waiting device polls every few seconds
	case e.HTTPStatus() == http.StatusTooManyRequests:
		level = slog.LevelDebug // a flood must not become a flood of log lines
	}
	attrs := []any{"code", e.Code, "description", MaskTokens(e.Description)}
	if r != nil {
		attrs = append(attrs, "method", r.Method, "path", r.URL.Path)
	}
	if c := e.Cause(); c != nil {
		attrs = append(attrs, "cause", c.Error())
	}
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	Logger(ctx).Log(ctx, level, "oauth error", attrs...)
}

// MaskTokens hides what looks like a token, a secret or a code in s: a
// client that puts one into the wrong parameter (grant_type, scope,
// response_type) gets it echoed in the error description, which is fine
// to send back to it but must not reach the log. A token-shaped word is a
// run of letters, digits, '_' and '-' of at least 20 characters with a
// digit in it, or of at least 32 characters; it keeps its first 4
// characters. Scope names, grant types and usernames are left as they are.
func MaskTokens(s string) string {
	var b strings.Builder
	run := func(w string) {
		if len(w) >= 32 || (len(w) >= 20 && strings.ContainsAny(w, "0123456789")) {
			fmt.Fprintf(&b, "%s…[%d characters hidden]", w[:4], len(w)-4)
			return
		}
		b.WriteString(w)
	}
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		word := c == '_' || c == '-' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			run(s[start:i])
			start = -1
			b.WriteByte(c)
		case !word:
			b.WriteByte(c)
		}
	}
	if start >= 0 {
		run(s[start:])
	}
	return b.String()
}

// ParseForm reads an application/x-www-form-urlencoded body of at most
// MaxFormBytes and returns its values. A parameter given twice is
// invalid_request (RFC 6749 §3.1), as is a wrong content type or an
// oversized body. Query parameters are not merged in.
func ParseForm(w http.ResponseWriter, r *http.Request) (url.Values, *oidc.Error) {
	if r.Body == nil {
		return url.Values{}, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, oidc.InvalidRequest(fmt.Sprintf("the body must be application/x-www-form-urlencoded, not %q", ct))
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return nil, oidc.InvalidRequest(fmt.Sprintf("the request body is larger than %d bytes", MaxFormBytes)).WithStatus(http.StatusRequestEntityTooLarge)
		}
		return nil, oidc.InvalidRequest("the request body is not a valid form: " + err.Error())
	}
	if err := SingleValued(r.PostForm); err != nil {
		return nil, err
	}
	return r.PostForm, nil
}

// SingleValued returns invalid_request naming the first parameter that
// appears more than once.
func SingleValued(v url.Values) *oidc.Error {
	for k, vals := range v {
		if len(vals) > 1 {
			return oidc.InvalidRequest(fmt.Sprintf("parameter %s was given %d times; send it once", k, len(vals)))
		}
	}
	return nil
}

// CORS lets browsers on any origin call h: static Spaces call discovery,
// JWKS, token and userinfo from their own origin. These endpoints take no
// cookies, so the wildcard origin is safe. Preflight requests are answered
// here, allowing the Authorization header.
func CORS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, X-Requested-With")
			hd.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		hd.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
		h.ServeHTTP(w, r)
	})
}

// BearerToken returns the token of an "Authorization: Bearer" header
// (RFC 6750 §2.1), or "" when there is none.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// isBasic reports whether an Authorization header uses the Basic scheme,
// whose name is case-insensitive (RFC 9110 §11.1).
func isBasic(h string) bool { return len(h) > 6 && strings.EqualFold(h[:6], "Basic ") }
