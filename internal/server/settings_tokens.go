package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// The access tokens page, /settings/tokens: the signed-in user lists,
// creates, revokes and rotates their user access tokens (hf_…) with the
// rules of internal/accounts. Every form carries a MAC of its purpose and
// token id under the session, on top of CrossOriginProtection.

// maxExpiryDays bounds the expiry a person may type (about ten years).
const maxExpiryDays = 3650

type tokenRow struct {
	ID, Name, Role    string
	Created           string
	Expires           string // "never" or a date
	Status            string // active, expired, revoked
	RevokedAt         string
	RevokeMAC, RotMAC string
}

// tokenFormValues is what the create form shows: the defaults, or what was
// sent when it was refused.
type tokenFormValues struct {
	Name       string
	Role       string
	ExpiryDays string
}

type tokensPage struct {
	Tokens    []tokenRow
	CreateMAC string
	Form      tokenFormValues
	// Errors are the create form's problems by field (name, role,
	// expiry), shown next to each.
	Errors map[string]string
	// DefaultExpiry says the default in words ("90 days", "never").
	DefaultExpiry string
	// New is set once, on the answer to a create or rotate: the secret,
	// shown only then.
	New *newToken
	// Revoked names the token just revoked.
	Revoked string
}

type newToken struct {
	Secret, Name, Role, Expires string
	Rotated                     bool
}

func (s *Server) defaultExpiryDays() string {
	return strconv.Itoa(int(s.tokenExpiry / (24 * time.Hour)))
}

func describeExpiry(days string) string {
	switch days {
	case "0":
		return "never (0 days)"
	case "1":
		return "1 day"
	}
	return days + " days"
}

// tokensPageFor lists the user's tokens into p.
func (s *Server) tokensPageFor(w http.ResponseWriter, r *http.Request, sess *session, p *tokensPage) bool {
	list, err := accounts.ListTokens(r.Context(), s.store, sess.UserID)
	if err != nil {
		s.internalError(w, r, err)
		return false
	}
	now := s.now()
	p.CreateMAC = s.sessionMAC(sess, "token-create", "")
	p.DefaultExpiry = describeExpiry(s.defaultExpiryDays())
	for _, t := range list {
		row := tokenRow{ID: t.ID, Name: t.Name, Role: t.Role, Created: day(t.CreatedAt), Expires: "never", Status: t.Status(now)}
		if !t.ExpiresAt.IsZero() {
			row.Expires = day(t.ExpiresAt)
		}
		if !t.RevokedAt.IsZero() {
			row.RevokedAt = day(t.RevokedAt)
		}
		if row.Status == "active" {
			row.RevokeMAC = s.sessionMAC(sess, "token-revoke", t.ID)
			row.RotMAC = s.sessionMAC(sess, "token-rotate", t.ID)
		}
		p.Tokens = append(p.Tokens, row)
	}
	return true
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// serveTokens is GET /settings/tokens.
func (s *Server) serveTokens(w http.ResponseWriter, r *http.Request) {
	sess := s.requireSession(w, r)
	if sess == nil {
		return
	}
	p := tokensPage{Revoked: r.URL.Query().Get("revoked"),
		Form: tokenFormValues{Role: store.RoleRead, ExpiryDays: s.defaultExpiryDays()}}
	if !s.tokensPageFor(w, r, sess, &p) {
		return
	}
	s.renderTokens(w, r, sess, http.StatusOK, p)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, sess *session, status int, p tokensPage) {
	s.render(w, r, status, "tokens.html", pageData{Title: "Access tokens", User: sess.User.Username, Body: p})
}

// tokenForm is sessionForm for a tokens-page form (the token's id).
func (s *Server) tokenForm(w http.ResponseWriter, r *http.Request, purpose string) (*session, url.Values, bool) {
	return s.sessionForm(w, r, purpose, "id")
}

// serveCreateToken is POST /settings/tokens/create. Bad input answers the
// page again with a message next to each bad field and stores nothing;
// a created token is shown once, on this answer.
func (s *Server) serveCreateToken(w http.ResponseWriter, r *http.Request) {
	sess, form, ok := s.tokenForm(w, r, "token-create")
	if !ok {
		return
	}
	vals := tokenFormValues{Name: form.Get("name"), Role: form.Get("role"), ExpiryDays: strings.TrimSpace(form.Get("expiry_days"))}
	spec := accounts.TokenSpec{Name: vals.Name, Role: vals.Role}
	errs := map[string]string{}
	days, err := strconv.Atoi(vals.ExpiryDays)
	switch {
	case vals.ExpiryDays == "":
		errs["expiry"] = "give the number of days the token lives, or 0 for a token that never expires"
	case err != nil:
		errs["expiry"] = fmt.Sprintf("%q is not a whole number of days", vals.ExpiryDays)
	case days < 0 || days > maxExpiryDays:
		errs["expiry"] = fmt.Sprintf("give between 0 (never expires) and %d days", maxExpiryDays)
	default:
		spec.Expiry = time.Duration(days) * 24 * time.Hour
	}
	for _, fe := range spec.Validate() {
		if _, seen := errs[fe.Field]; !seen {
			errs[fe.Field] = fe.Msg
		}
	}
	p := tokensPage{Form: vals}
	if len(errs) > 0 {
		p.Errors = errs
		if !s.tokensPageFor(w, r, sess, &p) {
			return
		}
		s.renderTokens(w, r, sess, http.StatusUnprocessableEntity, p)
		return
	}
	secret, info, err := accounts.CreateToken(r.Context(), s.store, sess.UserID, spec, s.now())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "access token created by user", "user_id", sess.UserID, "token_id", info.ID, "role", info.Role, "expires", expiresAttr(info))
	s.showNewToken(w, r, sess, secret, info, false)
}

func expiresAttr(t accounts.TokenInfo) string {
	if t.ExpiresAt.IsZero() {
		return "never"
	}
	return t.ExpiresAt.UTC().Format(time.RFC3339)
}

// showNewToken answers with the page and the new token's secret, once.
func (s *Server) showNewToken(w http.ResponseWriter, r *http.Request, sess *session, secret string, info accounts.TokenInfo, rotated bool) {
	p := tokensPage{Form: tokenFormValues{Role: store.RoleRead, ExpiryDays: s.defaultExpiryDays()},
		New: &newToken{Secret: secret, Name: info.Name, Role: info.Role, Expires: "never", Rotated: rotated}}
	if !info.ExpiresAt.IsZero() {
		p.New.Expires = day(info.ExpiresAt)
	}
	if !s.tokensPageFor(w, r, sess, &p) {
		return
	}
	s.renderTokens(w, r, sess, http.StatusOK, p)
}

// serveRevokeToken is POST /settings/tokens/revoke.
func (s *Server) serveRevokeToken(w http.ResponseWriter, r *http.Request) {
	sess, form, ok := s.tokenForm(w, r, "token-revoke")
	if !ok {
		return
	}
	info, err := accounts.RevokeToken(r.Context(), s.store, sess.UserID, form.Get("id"), s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, errorPage{Heading: "Unknown token", Message: "You have no access token with that id."})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "access token revoked by user", "user_id", sess.UserID, "token_id", info.ID)
	http.Redirect(w, r, "/settings/tokens?"+url.Values{"revoked": {info.Name}}.Encode(), http.StatusSeeOther)
}

// serveRotateToken is POST /settings/tokens/rotate: the token is replaced
// by a new one, shown once.
func (s *Server) serveRotateToken(w http.ResponseWriter, r *http.Request) {
	sess, form, ok := s.tokenForm(w, r, "token-rotate")
	if !ok {
		return
	}
	id := form.Get("id")
	secret, info, err := accounts.RotateToken(r.Context(), s.store, sess.UserID, id, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, errorPage{Heading: "Unknown token", Message: "You have no access token with that id."})
		return
	case errors.Is(err, accounts.ErrTokenNotLive):
		s.renderError(w, r, http.StatusConflict, errorPage{Heading: "Not rotated", Message: err.Error()})
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "access token rotated by user", "user_id", sess.UserID, "old_token_id", id, "token_id", info.ID)
	s.showNewToken(w, r, sess, secret, info, true)
}

// maxCredentialsBody bounds a leaked-token report.
const maxCredentialsBody = 4 << 10

// serveCredentialsRevoke is POST /api/credentials/revoke: anyone who found
// a user access token (hf_…) where it should not be reports it, and it is
// revoked. The answer is 202 whether or not the token existed, so the
// endpoint tells no one whether a token is real; only a body that is not
// the JSON object {"token": "…"} is refused (400), and a flood from one IP
// is limited (429). The owner sees the token revoked on their tokens page.
func (s *Server) serveCredentialsRevoke(w http.ResponseWriter, r *http.Request) {
	if wait, ok := s.limits.Allow(limits.Key{Kind: limits.CredentialsRevoke, Key: s.limits.ClientIP(r)}); !ok {
		httpx.WriteError(w, r, limits.TooMany(w, wait, "leaked-token reports from this address"))
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCredentialsBody))
	if err := dec.Decode(&body); err != nil {
		httpx.WriteError(w, r, oidc.InvalidRequest(`the body must be the JSON object {"token": "hf_…"}`))
		return
	}
	userID, revoked, err := accounts.RevokeLeaked(r.Context(), s.store, strings.TrimSpace(body.Token), s.now())
	if err != nil {
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	}
	if revoked {
		s.log.InfoContext(r.Context(), "access token revoked by a leak report", "user_id", userID, "reporter_ip", s.limits.ClientIP(r))
	}
	httpx.WriteJSON(w, r, http.StatusAccepted, map[string]any{})
}
