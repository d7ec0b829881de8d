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
	// fieldOrgPrefix names the consent form's org checkboxes, one field per
	// org ("org:" + org id), since a form field given twice is refused.
	fieldOrgPrefix = "org:"
)

// reauthWindow bounds how long a login satisfies the request it was made
// for (the time to read the consent page), so an old proof cannot stand in
// for a fresh authentication.
const reauthWindow = 10 * time.Minute

// serveAuthorize is GET and POST /oauth/authorize (RFC 6749 §4.1.1, OpenID
// Connect Core §3.1.2). It resolves the request (resolveAuthorize: client and
// redirect URI first, whose errors are shown as a page and never
// redirected), gathers the state the decision needs (session, org
// memberships, consent), lets protocol.DecideAuthorize decide, and carries
// the decision out.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, ok := s.resolveAuthorize(w, r)
	if !ok {
		return
	}
	st, sess, err := s.authorizeState(r, ar)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := protocol.DecideAuthorize(st)
	switch d.Outcome {
	case protocol.OutcomeLogin:
		back := cloneValues(ar.params)
		back.Del(fieldReauth)
		http.Redirect(w, r, "/login?"+url.Values{"next": {"/oauth/authorize?" + back.Encode()}}.Encode(), http.StatusSeeOther)
	case protocol.OutcomeDeny:
		s.redirectError(w, r, ar.redirectURI, d.Error, ar.req.State)
	case protocol.OutcomeRefuse:
		s.renderError(w, r, http.StatusForbidden, errorPage{Heading: "Consent not accepted",
			Message: "The consent form was not sent by this hub for your current session, or it has expired.",
			Hint:    "Go back to the app and sign in again."})
	case protocol.OutcomeConsent:
		s.renderConsent(w, r, sess, ar, d, s.consentToken(sess, ar.app.ClientID, ar.redirectURI, ar.granted))
	case protocol.OutcomeIssue:
		if d.Remember {
			if err := s.claimRegistered(r, ar.app, sess.UserID); err != nil {
				s.internalError(w, r, err)
				return
			}
			if err := s.remember(r, sess.UserID, ar.app.ClientID, ar.granted, d.Orgs, protocol.ReachesOrgs(ar.granted)); err != nil {
				s.internalError(w, r, err)
				return
			}
		}
		s.issueCode(w, r, ar.app, sess, ar.req, ar.redirectURI, ar.granted, d.Orgs)
	default:
		s.internalError(w, r, fmt.Errorf("authorize: unknown outcome %v", d.Outcome))
	}
}

// authorizeRequest is an authorization request whose client and redirect
// URI were checked, and whose other parameters are valid.
type authorizeRequest struct {
	params      url.Values // the request's parameters, without the consent form's fields
	req         protocol.AuthorizeRequest
	app         store.App
	redirectURI string
	granted     []string
	// answer, formToken and formOrgs (the org ids ticked) are what the
	// consent form posted.
	answer    protocol.ConsentAnswer
	formToken string
	formOrgs  []string
}

// resolveAuthorize parses the request and checks its client and redirect
// URI, answering with a page when either is wrong (RFC 6749 §4.1.2.1
// forbids redirecting then), and with an error redirect for any other bad
// parameter. It reports whether the request may go on.
func (s *Server) resolveAuthorize(w http.ResponseWriter, r *http.Request) (authorizeRequest, bool) {
	params := r.URL.Query()
	fromForm := false
	if r.Method == http.MethodPost {
		form, perr := httpx.ParseForm(w, r)
		if perr != nil {
			s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Bad authorization request", Message: perr.Description})
			return authorizeRequest{}, false
		}
		// The form wins over the query; huggingface.co also accepts a POST
		// to the authorize URL with its parameters in the query string.
		for k, v := range form {
			params[k] = v
		}
		fromForm = true
	}
	ar := authorizeRequest{params: params, formToken: params.Get(fieldConsentToken)}
	switch consent := params.Get(fieldConsent); {
	case !fromForm || consent == "":
	case consent == "allow":
		ar.answer = protocol.ConsentAllowed
	default:
		ar.answer = protocol.ConsentDenied
	}
	params.Del(fieldConsent)
	params.Del(fieldConsentToken)
	for k := range params {
		if id, ok := strings.CutPrefix(k, fieldOrgPrefix); ok {
			if fromForm && ar.answer != protocol.NoConsentForm {
				ar.formOrgs = append(ar.formOrgs, id)
			}
			params.Del(k)
		}
	}
	slices.Sort(ar.formOrgs)

	req, fatal, rerr := protocol.ParseAuthorize(params)
	if fatal != nil {
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Bad authorization request", Message: fatal.Description,
			Hint: "The app that sent you here built a wrong sign-in link. Tell its developer."})
		return ar, false
	}
	ar.req = req
	app, err := s.store.App(r.Context(), req.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Unknown app",
			Message: fmt.Sprintf("No app with client_id %q is registered on this hub.", req.ClientID),
			Hint:    "The app's client_id is wrong, or the app was deleted. If you develop it, check OAUTH_CLIENT_ID (hubid app list shows the apps)."})
		return ar, false
	}
	if err != nil {
		s.internalError(w, r, err)
		return ar, false
	}
	if app.Disabled {
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "App disabled", Message: fmt.Sprintf("The app %q is disabled on this hub.", app.Name)})
		return ar, false
	}
	// ParseAuthorize made redirect_uri required, so there is one to check.
	if !protocol.RedirectAllowed(app, req.RedirectURI) {
		msg := fmt.Sprintf("The redirect URI %q is not registered for the app %q.", req.RedirectURI, app.Name)
		if len(app.RedirectURIs) == 0 && app.SpaceID == "" {
			msg = fmt.Sprintf("The app %q has no redirect URIs: it signs in only with the device flow (hubid login, huggingface_hub).", app.Name)
		}
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Redirect URI not allowed", Message: msg,
			Hint: "For your safety you were not sent back to the app. If you develop it, register this exact URI (hubid app create --redirect-uri), or for a Space use a URL on the Space's host."})
		return ar, false
	}
	ar.app, ar.redirectURI = app, req.RedirectURI
	fail := func(e *oidc.Error) (authorizeRequest, bool) {
		s.redirectError(w, r, ar.redirectURI, e, req.State)
		return ar, false
	}
	if rerr != nil {
		return fail(rerr)
	}
	granted, serr := protocol.GrantScopes(req.Scopes, app.Scopes)
	if serr != nil {
		return fail(serr)
	}
	if app.Public && req.CodeChallenge == "" {
		return fail(oidc.InvalidRequest("this is a public client: it must use PKCE (code_challenge with code_challenge_method=S256)"))
	}
	if app.RequirePKCE && req.CodeChallenge == "" {
		return fail(oidc.InvalidRequest("this app requires PKCE: send code_challenge with code_challenge_method=S256"))
	}
	ar.granted = granted
	return ar, true
}

// authorizeState reads what the decision needs: the browser session, and
// for a signed-in user the fresh-login proof, the memberships when the app
// is restricted to orgs, the consent form's validity or the remembered
// consent.
func (s *Server) authorizeState(r *http.Request, ar authorizeRequest) (protocol.AuthorizeState, *session, error) {
	st := protocol.AuthorizeState{
		Request: ar.req, Granted: ar.granted, Now: s.now(),
		AuthorizedOrgs: ar.app.AuthorizedOrgs, Answer: ar.answer, FormOrgs: ar.formOrgs,
	}
	sess, err := s.currentSession(r)
	if err != nil || sess == nil {
		return st, nil, err
	}
	st.SignedIn, st.Username, st.AuthTime = true, sess.User.Username, sess.AuthTime
	st.Reauthenticated = s.reauthenticated(sess, ar.params)
	if len(ar.app.AuthorizedOrgs) > 0 || protocol.ReachesOrgs(ar.granted) {
		ms, err := s.store.Memberships(r.Context(), sess.UserID)
		if err != nil {
			return st, nil, err
		}
		for _, m := range ms {
			st.Orgs = append(st.Orgs, protocol.OrgMember{ID: m.Org.ID, Name: m.Org.Name, Role: m.Role})
		}
	}
	if ar.answer != protocol.NoConsentForm {
		token := s.consentToken(sess, ar.app.ClientID, ar.redirectURI, ar.granted)
		st.FormValid = hmac.Equal([]byte(ar.formToken), []byte(token))
		return st, sess, nil
	}
	c, err := s.store.Consent(r.Context(), sess.UserID, ar.app.ClientID)
	switch {
	case err == nil:
		st.Consented, st.Remembered, st.RememberedOrgs = true, c.Scopes, c.Orgs
	case !errors.Is(err, store.ErrNotFound):
		return st, nil, err
	}
	return st, sess, nil
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

func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, app store.App, sess *session, req protocol.AuthorizeRequest, redirectURI string, granted, orgs []string) {
	now := s.now()
	code, _, err := s.codes.Seal(store.AuthCode{
		ClientID: app.ClientID, UserID: sess.UserID, RedirectURI: redirectURI,
		Scopes: granted, Orgs: orgs, Nonce: req.Nonce, CodeChallenge: req.CodeChallenge,
		AuthTime: sess.AuthTime, CreatedAt: now, ExpiresAt: now.Add(protocol.CodeTTL),
	})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	to, err := protocol.CodeRedirect(redirectURI, code, req.State, s.issuer)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// redirectError sends an authorization error back to a validated redirect URI.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirectURI string, e *oidc.Error, state string) {
	httpx.LogError(r, e)
	to, err := protocol.ErrorRedirect(redirectURI, e, state, s.issuer)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// remember records consent: the scopes added to what the user allowed
// before; the orgs as the user ticked them now when the page offered the
// user's orgs (offered), else added to those granted before.
func (s *Server) remember(r *http.Request, userID, clientID string, granted, orgs []string, offered bool) error {
	now := s.now()
	c, err := s.store.Consent(r.Context(), userID, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c = store.Consent{UserID: userID, ClientID: clientID, CreatedAt: now}
	case err != nil:
		return err
	}
	c.Scopes = protocol.NormalizeScopes(append(c.Scopes, granted...))
	if offered {
		c.Orgs = orgs
	} else {
		for _, o := range orgs {
			if !slices.Contains(c.Orgs, o) {
				c.Orgs = append(c.Orgs, o)
			}
		}
	}
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
	AppName    string
	AppInitial string // the app's first letter, its logo when it has none
	// Owner of the app: a user, an org, or the Space's owner, with a link.
	OwnerName, OwnerKind, OwnerURL, OwnerAvatar string
	// Homepage is the Space's URL for a Space app; "" otherwise.
	Homepage     string
	Username     string
	Scopes       []consentScope
	Orgs         []consentOrg
	MissingOrgs  []string
	AskedAgain   bool // a remembered consent is asked again: new scopes or orgs are marked
	Registered   bool // the app registered itself (RFC 7591); nobody vouches for it
	RedirectHost string
	Params       []hiddenField
	Token        string
}

type consentScope struct {
	Name, Description string
	Mark              string // protocol.ScopeMark
	New               bool
}

type consentOrg struct {
	Field, Name, Role, Avatar string
	Ticked, Requested         bool
	Required, New             bool
}

type hiddenField struct{ Name, Value string }

func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, sess *session, ar authorizeRequest, d protocol.Decision, token string) {
	app := ar.app
	p := consentPage{AppName: app.Name, AppInitial: strings.ToUpper(firstLetter(app.Name)), Username: sess.User.Username, Token: token,
		MissingOrgs: d.MissingOrgs, AskedAgain: len(d.NewScopes)+len(d.NewOrgs) > 0}
	s.consentOwner(r, app, &p)
	p.Registered = app.Registered
	for _, sc := range ar.granted {
		p.Scopes = append(p.Scopes, consentScope{Name: sc, Description: oidc.ScopeDescription(sc), Mark: protocol.ScopeMark(sc), New: slices.Contains(d.NewScopes, sc)})
	}
	for _, o := range d.Offers {
		p.Orgs = append(p.Orgs, consentOrg{Field: fieldOrgPrefix + o.ID, Name: o.Name, Role: o.Role,
			Avatar: protocol.AvatarURL(s.issuer, "", o.Name), Ticked: o.Ticked, Requested: o.Requested, Required: o.Required,
			New: slices.Contains(d.NewOrgs, o.ID)})
	}
	if u, err := url.Parse(ar.redirectURI); err == nil {
		p.RedirectHost = u.Host
	}
	keys := make([]string, 0, len(ar.params))
	for k := range ar.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Params = append(p.Params, hiddenField{Name: k, Value: ar.params.Get(k)})
	}
	s.render(w, r, http.StatusOK, "consent.html", pageData{Title: "Authorize " + app.Name, User: sess.User.Username, Body: p})
}

// consentOwner fills in who owns the app: the Space's owner for a Space
// app, else the owning user or org, but not for a registered app (its
// owner is the first user who allowed it, who does not vouch for it). An
// owner that cannot be read is left out; the page still shows the app.
func (s *Server) consentOwner(r *http.Request, app store.App, p *consentPage) {
	if owner, _, ok := strings.Cut(app.SpaceID, "/"); ok {
		p.OwnerName, p.OwnerKind = owner, "Space "+app.SpaceID
		if len(app.SpaceHosts) > 0 {
			scheme := "https://"
			if h, _, _ := strings.Cut(app.SpaceHosts[0], ":"); protocol.IsLoopbackHost(h) {
				scheme = "http://"
			}
			p.Homepage = scheme + app.SpaceHosts[0] + "/"
		}
	} else if app.OwnerID != "" && !app.Registered {
		if u, err := s.store.User(r.Context(), app.OwnerID); err == nil {
			p.OwnerName, p.OwnerKind = u.Username, "user"
		} else if o, err := s.store.Org(r.Context(), app.OwnerID); err == nil {
			p.OwnerName, p.OwnerKind = o.Name, "organization"
		}
	}
	if p.OwnerName != "" {
		p.OwnerURL = protocol.ProfileURL(s.issuer, p.OwnerName)
		p.OwnerAvatar = protocol.AvatarURL(s.issuer, "", p.OwnerName)
	}
}

func firstLetter(s string) string {
	for _, r := range s {
		return string(r)
	}
	return "?"
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

// orgNames lists the names of the orgs of memberships.
func orgNames(ms []store.Membership) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Org.Name
	}
	return out
}
