package server

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// Form fields the consent page adds to the authorization parameters.
const (
	fieldConsent      = "consent"
	fieldConsentToken = "consent_token"
	// fieldReauth is added by a successful login to the authorization
	// request it continues: proof that the session was authenticated for
	// exactly this request (see reauthMAC), which satisfies prompt=login,
	// prompt=select_account and max_age.
	fieldReauth = "hubid_reauth"
)

// reauthWindow bounds how long a login satisfies the request it was made
// for (the time to read the consent page), so an old proof cannot stand in
// for a fresh authentication.
const reauthWindow = 10 * time.Minute

// serveAuthorize is GET and POST /oauth/authorize (RFC 6749 §4.1.1, OpenID
// Connect Core §3.1.2): check the client and its redirect URI (errors on
// those are shown as a page, never redirected), then the request, the
// browser session, the app's org restriction and consent, and answer 303
// with a code.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		form, perr := httpx.ParseForm(w, r)
		if perr != nil {
			s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Bad authorization request", Message: perr.Description})
			return
		}
		// The form wins over the query; huggingface.co also accepts a POST
		// to the authorize URL with its parameters in the query string.
		for k, v := range form {
			params[k] = v
		}
	}
	consent, consentToken := params.Get(fieldConsent), params.Get(fieldConsentToken)
	params.Del(fieldConsent)
	params.Del(fieldConsentToken)

	req, fatal, rerr := protocol.ParseAuthorize(params)
	if fatal != nil {
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Bad authorization request", Message: fatal.Description,
			Hint: "The app that sent you here built a wrong sign-in link. Tell its developer."})
		return
	}
	app, err := s.store.App(r.Context(), req.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Unknown app",
			Message: fmt.Sprintf("No app with client_id %q is registered on this hub.", req.ClientID),
			Hint:    "The app's client_id is wrong, or the app was deleted. If you develop it, check OAUTH_CLIENT_ID (hubid app list shows the apps)."})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if app.Disabled {
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "App disabled", Message: fmt.Sprintf("The app %q is disabled on this hub.", app.Name)})
		return
	}
	redirectURI, ok := resolveRedirect(app, req.RedirectURI)
	if !ok {
		msg := fmt.Sprintf("The redirect URI %q is not registered for the app %q.", req.RedirectURI, app.Name)
		if req.RedirectURI == "" {
			msg = fmt.Sprintf("The request has no redirect_uri, and the app %q has more than one.", app.Name)
		}
		if len(app.RedirectURIs) == 0 && app.SpaceID == "" {
			msg = fmt.Sprintf("The app %q has no redirect URIs: it signs in only with the device flow (hubid login, huggingface_hub).", app.Name)
		}
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Redirect URI not allowed", Message: msg,
			Hint: "For your safety you were not sent back to the app. If you develop it, register this exact URI (hubid app create --redirect-uri), or for a Space use a URL on the Space's host."})
		return
	}
	fail := func(e *oidc.Error) { s.redirectError(w, r, redirectURI, e, req.State) }
	if rerr != nil {
		fail(rerr)
		return
	}
	granted, serr := protocol.GrantScopes(req.Scopes, app.Scopes)
	if serr != nil {
		fail(serr)
		return
	}
	if app.Public && req.CodeChallenge == "" {
		fail(oidc.InvalidRequest("this is a public client: it must use PKCE (code_challenge with code_challenge_method=S256)"))
		return
	}

	sess, err := s.currentSession(r)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	fromConsent := r.Method == http.MethodPost && consent != ""
	// prompt=login (or select_account) and an exceeded max_age ask for a
	// fresh authentication. The existing session is left alone: only a
	// successful login replaces it, and that login binds itself to this
	// request (fieldReauth), so that the code carries its auth_time. The
	// consent form posts the proof back, so it needs no exemption.
	reauthed := sess != nil && s.reauthenticated(sess, params)
	needLogin := sess == nil ||
		(req.ForcesLogin() && !reauthed) ||
		(req.MaxAge >= 0 && !reauthed && s.now().Sub(sess.AuthTime) > time.Duration(req.MaxAge)*time.Second)
	if needLogin {
		if req.HasPrompt(protocol.PromptNone) {
			fail(oidc.NewError(oidc.CodeLoginRequired, "the user is not signed in to the hub"))
			return
		}
		back := cloneValues(params)
		back.Del(fieldReauth)
		http.Redirect(w, r, "/login?"+url.Values{"next": {"/oauth/authorize?" + back.Encode()}}.Encode(), http.StatusSeeOther)
		return
	}

	if len(app.AuthorizedOrgs) > 0 {
		ms, err := s.store.Memberships(r.Context(), sess.UserID)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if !memberOfAny(ms, app.AuthorizedOrgs) {
			fail(oidc.NewError(oidc.CodeAccessDenied, fmt.Sprintf("only members of %s may sign in to this app; @%s is not a member", orgList(app.AuthorizedOrgs), sess.User.Username)))
			return
		}
	}

	token := s.consentToken(sess, app.ClientID, redirectURI, granted)
	switch {
	case fromConsent:
		if !hmac.Equal([]byte(consentToken), []byte(token)) {
			s.renderError(w, r, http.StatusForbidden, errorPage{Heading: "Consent not accepted",
				Message: "The consent form was not sent by this hub for your current session, or it has expired.",
				Hint:    "Go back to the app and sign in again."})
			return
		}
		if consent != "allow" {
			fail(oidc.NewError(oidc.CodeAccessDenied, "The user denied the request"))
			return
		}
		if err := s.remember(r, sess.UserID, app.ClientID, granted); err != nil {
			s.internalError(w, r, err)
			return
		}
	default:
		c, err := s.store.Consent(r.Context(), sess.UserID, app.ClientID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.internalError(w, r, err)
			return
		}
		remembered := err == nil && protocol.Covers(c.Scopes, granted)
		if !remembered || req.HasPrompt(protocol.PromptConsent) {
			if req.HasPrompt(protocol.PromptNone) {
				fail(oidc.NewError(oidc.CodeConsentRequired, "the user has not authorized this app for these scopes"))
				return
			}
			s.renderConsent(w, r, sess, app, redirectURI, granted, params, token)
			return
		}
	}
	s.issueCode(w, r, app, sess, req, redirectURI, granted)
}

// reauthMAC is the proof a login adds to the authorization request it
// continues: a MAC bound to the new session and to every parameter of the
// request (first values, as the consent form carries them), so it works for
// no other session and no other request.
func (s *Server) reauthMAC(sess *session, params url.Values) string {
	canon := make(url.Values, len(params))
	for k := range params {
		if k != fieldReauth {
			canon.Set(k, params.Get(k))
		}
	}
	return s.sessionMAC(sess, "reauth", canon.Encode())
}

// reauthenticated reports whether sess was authenticated, within
// reauthWindow, by a login made for exactly this request.
func (s *Server) reauthenticated(sess *session, params url.Values) bool {
	mark := params.Get(fieldReauth)
	if mark == "" {
		return false
	}
	if age := s.now().Sub(sess.AuthTime); age < 0 || age > reauthWindow {
		return false
	}
	return hmac.Equal([]byte(mark), []byte(s.reauthMAC(sess, params)))
}

// bindReauth adds the proof of a fresh login to next when next continues an
// authorization request that asks for one.
func (s *Server) bindReauth(sess *session, next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Path != "/oauth/authorize" {
		return next
	}
	q := u.Query()
	if !q.Has("prompt") && !q.Has("max_age") {
		return next
	}
	q.Del(fieldReauth)
	q.Set(fieldReauth, s.reauthMAC(sess, q))
	u.RawQuery = q.Encode()
	return u.String()
}

// resolveRedirect picks the redirect URI: the requested one when the app
// accepts it, or the app's only registered URI when none was sent.
func resolveRedirect(app store.App, requested string) (string, bool) {
	if requested == "" {
		if len(app.RedirectURIs) == 1 && app.SpaceID == "" {
			return app.RedirectURIs[0], true
		}
		return "", false
	}
	if protocol.MatchRedirectURI(app.RedirectURIs, requested) {
		return requested, true
	}
	if app.SpaceID != "" && protocol.MatchSpaceRedirect(app.SpaceHosts, requested) {
		return requested, true
	}
	return "", false
}

func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, app store.App, sess *session, req protocol.AuthorizeRequest, redirectURI string, granted []string) {
	now := s.now()
	code, _, err := s.codes.Seal(store.AuthCode{
		ClientID: app.ClientID, UserID: sess.UserID, RedirectURI: redirectURI,
		Scopes: granted, Nonce: req.Nonce, CodeChallenge: req.CodeChallenge,
		AuthTime: sess.AuthTime, CreatedAt: now, ExpiresAt: now.Add(protocol.CodeTTL),
	})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	to, err := protocol.CodeRedirect(redirectURI, code, req.State)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// redirectError sends an authorization error back to a validated redirect URI.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirectURI string, e *oidc.Error, state string) {
	httpx.LogError(r, e)
	to, err := protocol.ErrorRedirect(redirectURI, e, state)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// remember records consent, adding to what the user allowed before.
func (s *Server) remember(r *http.Request, userID, clientID string, granted []string) error {
	now := s.now()
	c, err := s.store.Consent(r.Context(), userID, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c = store.Consent{UserID: userID, ClientID: clientID, CreatedAt: now}
	case err != nil:
		return err
	}
	c.Scopes = protocol.NormalizeScopes(append(c.Scopes, granted...))
	c.UpdatedAt = now
	return s.store.PutConsent(r.Context(), c)
}

// consentToken binds a consent form to the session and to exactly what it
// shows: a form posted for another session, app, redirect URI or scope set
// is refused.
func (s *Server) consentToken(sess *session, clientID, redirectURI string, scopes []string) string {
	return s.sessionMAC(sess, "consent", clientID, redirectURI, protocol.JoinScopes(scopes))
}

type consentPage struct {
	AppName      string
	Username     string
	Scopes       []oidc.ScopeInfo
	RedirectHost string
	Params       []hiddenField
	Token        string
}

type hiddenField struct{ Name, Value string }

func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, sess *session, app store.App, redirectURI string, granted []string, params url.Values, token string) {
	p := consentPage{AppName: app.Name, Username: sess.User.Username, Token: token}
	for _, sc := range granted {
		p.Scopes = append(p.Scopes, oidc.ScopeInfo{Name: sc, Description: oidc.ScopeDescription(sc)})
	}
	if u, err := url.Parse(redirectURI); err == nil {
		p.RedirectHost = u.Host
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Params = append(p.Params, hiddenField{Name: k, Value: params.Get(k)})
	}
	s.render(w, r, http.StatusOK, "consent.html", pageData{Title: "Authorize " + app.Name, User: sess.User.Username, Body: p})
}

func memberOfAny(ms []store.Membership, orgs []string) bool {
	for _, m := range ms {
		for _, o := range orgs {
			if strings.EqualFold(m.Org.Name, o) {
				return true
			}
		}
	}
	return false
}

func orgList(orgs []string) string {
	if len(orgs) == 1 {
		return "the organization " + orgs[0]
	}
	return "the organizations " + strings.Join(orgs, ", ")
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}
