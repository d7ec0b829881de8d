package server

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

type connectedApp struct {
	ClientID  string
	Name      string
	Space     string
	Scopes    []oidc.ScopeInfo
	GrantedAt string
	// LastIssued is when the app last got a token for the user (a sign-in,
	// a device login or a refresh), or "". Nothing records when a token is
	// used: that would put a write on the userinfo and API hot path.
	LastIssued string
	Token      string // session-bound revoke token
	// Orgs are the user's orgs, ticked when the grant reaches them, for an
	// app whose scopes reach orgs; OrgsToken binds their form.
	Orgs      []consentOrg
	OrgsToken string
}

type connectedPage struct {
	Apps    []connectedApp
	Revoked string
	Updated string
}

// requireSession returns the session, or sends the browser to the login
// page and returns nil.
func (s *Server) requireSession(w http.ResponseWriter, r *http.Request) *session {
	sess, err := s.currentSession(r)
	if err != nil {
		s.internalError(w, r, err)
		return nil
	}
	if sess == nil {
		http.Redirect(w, r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
	}
	return sess
}

// serveConnectedApps is GET /settings/connected-applications: the apps the
// user authorized, with their scopes and when each last got a token, and a
// way to revoke each.
func (s *Server) serveConnectedApps(w http.ResponseWriter, r *http.Request) {
	sess := s.requireSession(w, r)
	if sess == nil {
		return
	}
	consents, err := s.store.ListConsents(r.Context(), sess.UserID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	// Apps hold access through a consent, or through live tokens alone
	// (device logins ask every time and store no consent): list both.
	now := s.now()
	lastIssued := map[string]time.Time{}
	granted := map[string]bool{}
	for _, c := range consents {
		granted[c.ClientID] = true
	}
	for _, kind := range []string{store.KindAccess, store.KindRefresh} {
		tokens, err := s.store.ListTokens(r.Context(), sess.UserID, kind)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		for _, t := range tokens {
			if t.CreatedAt.After(lastIssued[t.ClientID]) {
				lastIssued[t.ClientID] = t.CreatedAt
			}
			live := t.RevokedAt.IsZero() && t.RotatedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
			if live && !granted[t.ClientID] {
				granted[t.ClientID] = true
				consents = append(consents, store.Consent{UserID: sess.UserID, ClientID: t.ClientID, Scopes: t.Scopes, CreatedAt: t.CreatedAt})
			}
		}
	}
	p := connectedPage{Revoked: r.URL.Query().Get("revoked"), Updated: r.URL.Query().Get("updated")}
	var ms []store.Membership
	if slices.ContainsFunc(consents, func(c store.Consent) bool { return protocol.ReachesOrgs(c.Scopes) }) {
		if ms, err = s.store.Memberships(r.Context(), sess.UserID); err != nil {
			s.internalError(w, r, err)
			return
		}
	}
	for _, c := range consents {
		app, err := s.store.App(r.Context(), c.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		ca := connectedApp{
			ClientID: app.ClientID, Name: app.Name, Space: app.SpaceID,
			GrantedAt: c.CreatedAt.UTC().Format("2006-01-02"),
			Token:     s.sessionMAC(sess, "revoke-app", app.ClientID),
		}
		if t, ok := lastIssued[app.ClientID]; ok {
			ca.LastIssued = t.UTC().Format("2006-01-02 15:04 UTC")
		}
		for _, sc := range c.Scopes {
			ca.Scopes = append(ca.Scopes, oidc.ScopeInfo{Name: sc, Description: oidc.ScopeDescription(sc)})
		}
		if protocol.ReachesOrgs(c.Scopes) && !c.UpdatedAt.IsZero() {
			// Apps known only through tokens (device logins) have no consent
			// to change; the zero UpdatedAt marks them.
			ca.OrgsToken = s.sessionMAC(sess, "app-orgs", app.ClientID)
			for _, m := range ms {
				ca.Orgs = append(ca.Orgs, consentOrg{Field: fieldOrgPrefix + m.Org.ID, Name: m.Org.Name, Role: m.Role,
					Avatar: protocol.AvatarURL(s.issuer, "", m.Org.Name), Ticked: slices.Contains(c.Orgs, m.Org.ID),
					Required: protocol.MemberOfAny([]string{m.Org.Name}, app.AuthorizedOrgs)})
			}
		}
		p.Apps = append(p.Apps, ca)
	}
	sort.Slice(p.Apps, func(i, j int) bool { return p.Apps[i].Name < p.Apps[j].Name })
	s.render(w, r, http.StatusOK, "connected.html", pageData{Title: "Connected applications", User: sess.User.Username, Body: p})
}

// sessionForm reads a settings form about one thing (an app, a token):
// the session (or a redirect to the login page), the parsed form, and its
// token, a MAC of purpose and the form's idField under the session. It
// answers the request itself and reports false when the form cannot be
// acted on.
func (s *Server) sessionForm(w http.ResponseWriter, r *http.Request, purpose, idField string) (*session, url.Values, bool) {
	sess := s.requireSession(w, r)
	if sess == nil {
		return nil, nil, false
	}
	form, perr := httpx.ParseForm(w, r)
	if perr != nil {
		s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Bad request", Message: perr.Description})
		return nil, nil, false
	}
	if !hmac.Equal([]byte(form.Get("token")), []byte(s.sessionMAC(sess, purpose, form.Get(idField)))) {
		s.renderError(w, r, http.StatusForbidden, errorPage{Heading: "Not accepted", Message: "The form was not sent by this hub for your current session."})
		return nil, nil, false
	}
	return sess, form, true
}

// appForm is sessionForm for a connected-applications form (client_id).
func (s *Server) appForm(w http.ResponseWriter, r *http.Request, purpose string) (*session, url.Values, bool) {
	return s.sessionForm(w, r, purpose, "client_id")
}

// serveRevokeApp is POST /settings/connected-applications/revoke: forget
// the consent and revoke every token the app holds for the user.
func (s *Server) serveRevokeApp(w http.ResponseWriter, r *http.Request) {
	sess, form, ok := s.appForm(w, r, "revoke-app")
	if !ok {
		return
	}
	clientID := form.Get("client_id")
	if err := s.store.DeleteConsent(r.Context(), sess.UserID, clientID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internalError(w, r, err)
		return
	}
	n, err := s.store.RevokeTokens(r.Context(), store.TokenFilter{UserID: sess.UserID, ClientID: clientID}, s.now())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	name := clientID
	if app, err := s.store.App(r.Context(), clientID); err == nil {
		name = app.Name
	}
	s.log.InfoContext(r.Context(), "app access revoked by user", "user_id", sess.UserID, "client_id", clientID, "tokens", n)
	http.Redirect(w, r, "/settings/connected-applications?"+url.Values{"revoked": {name}}.Encode(), http.StatusSeeOther)
}

// serveAppOrgs is POST /settings/connected-applications/orgs: the user
// changes which of their orgs an app's grant reaches, without revoking the
// app; the app's live tokens change at once. The orgs of the app's
// restriction (hf_oauth_authorized_org) stay granted.
func (s *Server) serveAppOrgs(w http.ResponseWriter, r *http.Request) {
	sess, form, ok := s.appForm(w, r, "app-orgs")
	if !ok {
		return
	}
	clientID := form.Get("client_id")
	app, err := s.store.App(r.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, errorPage{Heading: "Unknown app", Message: "That app no longer exists on this hub."})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	ms, err := s.store.Memberships(r.Context(), sess.UserID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	var orgs []string
	for _, m := range ms {
		if form.Get(fieldOrgPrefix+m.Org.ID) != "" || protocol.MemberOfAny([]string{m.Org.Name}, app.AuthorizedOrgs) {
			orgs = append(orgs, m.Org.ID)
		}
	}
	err = s.store.SetGrantOrgs(r.Context(), sess.UserID, clientID, orgs)
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, errorPage{Heading: "Not authorized", Message: fmt.Sprintf("You have not authorized %s, so there is nothing to change.", app.Name)})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "app org grant changed by user", "user_id", sess.UserID, "client_id", clientID, "orgs", len(orgs))
	http.Redirect(w, r, "/settings/connected-applications?"+url.Values{"updated": {app.Name}}.Encode(), http.StatusSeeOther)
}
