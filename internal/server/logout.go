package server

import (
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// logoutRequest is a parsed RP-initiated logout request (OpenID Connect
// RP-Initiated Logout 1.0 §2).
type logoutRequest struct {
	hintSub     string // sub of a valid id_token_hint, "" without one
	app         *store.App
	redirectURI string // validated post_logout_redirect_uri, "" without one
	state       string
}

// serveLogoutEndpoint is GET and POST /oauth/logout, the end_session
// endpoint. With a valid id_token_hint for the signed-in user it signs out
// at once; otherwise it asks the user to confirm. It sends the browser back
// to post_logout_redirect_uri (with state) only when that URI is registered
// for the app (for a Space app: any URL on the Space's hosts).
func (s *Server) serveLogoutEndpoint(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		form, perr := httpx.ParseForm(w, r)
		if perr != nil {
			s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Bad sign-out request", Message: perr.Description})
			return
		}
		params = form
	}
	if e := httpx.SingleValued(params); e != nil {
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Bad sign-out request", Message: e.Description})
		return
	}
	lr, perr := s.parseLogout(r, params)
	if perr != nil && perr.HTTPStatus() >= http.StatusInternalServerError {
		s.internalError(w, r, perr.Cause())
		return
	}
	if perr != nil {
		s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Sign-out request not accepted", Message: perr.Description,
			Hint: "You were not signed out and not sent anywhere. If you develop the app, register its post_logout_redirect_uri (hubid app create --post-logout-redirect-uri)."})
		return
	}
	sess, err := s.currentSession(r)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	confirmed := false
	if sess != nil {
		token := s.sessionMAC(sess, "logout", lr.clientID(), lr.redirectURI, lr.state)
		switch {
		case r.Method == http.MethodPost && params.Get("confirm") != "":
			if !hmac.Equal([]byte(params.Get("confirm")), []byte(token)) {
				s.renderError(w, r, http.StatusForbidden, errorPage{Heading: "Sign-out not accepted", Message: "The sign-out form was not sent by this hub for your current session."})
				return
			}
			confirmed = true
		case lr.hintSub != "" && lr.hintSub == sess.UserID:
			confirmed = true
		default:
			appName := ""
			if lr.app != nil {
				appName = lr.app.Name
			}
			s.render(w, r, http.StatusOK, "logout.html", pageData{Title: "Sign out", User: sess.User.Username, Body: logoutPage{
				Action: "/oauth/logout", AppName: appName,
				Fields: []hiddenField{{"client_id", lr.clientID()}, {"post_logout_redirect_uri", lr.redirectURI}, {"state", lr.state}, {"confirm", token}},
			}})
			return
		}
	}
	if confirmed {
		if err := s.endSession(w, r); err != nil {
			s.internalError(w, r, err)
			return
		}
		s.log.InfoContext(r.Context(), "logout", "user_id", sess.UserID, "client_id", lr.clientID())
	}
	if lr.redirectURI != "" {
		q := url.Values{}
		if lr.state != "" {
			q.Set("state", lr.state)
		}
		to, err := protocol.AppendQuery(lr.redirectURI, q)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "logout.html", pageData{Title: "Signed out"})
}

func (lr logoutRequest) clientID() string {
	if lr.app == nil {
		return ""
	}
	return lr.app.ClientID
}

// parseLogout validates the request. A request that is wrong is
// invalid_request with a description for people; a store failure is a
// server_error, never blamed on the request.
func (s *Server) parseLogout(r *http.Request, p url.Values) (logoutRequest, *oidc.Error) {
	lr := logoutRequest{state: p.Get("state")}
	if len(lr.state) > 2048 {
		return lr, oidc.InvalidRequest("state is too long.")
	}
	clientID := p.Get("client_id")
	if hint := p.Get("id_token_hint"); hint != "" {
		payload, err := s.keys.Verify(r.Context(), hint)
		if err != nil {
			return lr, oidc.InvalidRequest("The id_token_hint was not issued by this hub.")
		}
		var c struct {
			Iss string          `json:"iss"`
			Sub string          `json:"sub"`
			Aud json.RawMessage `json:"aud"`
		}
		if json.Unmarshal(payload, &c) != nil || c.Iss != s.issuer {
			return lr, oidc.InvalidRequest("The id_token_hint was not issued by this hub.")
		}
		aud := audience(c.Aud)
		if clientID != "" && clientID != aud {
			return lr, oidc.InvalidRequest("client_id does not match the audience of the id_token_hint.")
		}
		clientID, lr.hintSub = aud, c.Sub
	}
	if clientID != "" {
		app, err := s.store.App(r.Context(), clientID)
		if errors.Is(err, store.ErrNotFound) {
			return lr, oidc.InvalidRequest(fmt.Sprintf("No app with client_id %q is registered on this hub.", clientID))
		}
		if err != nil {
			return lr, oidc.ServerError(fmt.Errorf("logout: look up client %q: %w", clientID, err))
		}
		lr.app = &app
	}
	if u := p.Get("post_logout_redirect_uri"); u != "" {
		if lr.app == nil {
			return lr, oidc.InvalidRequest("post_logout_redirect_uri needs client_id or id_token_hint, so the hub can check it is registered.")
		}
		if !protocol.PostLogoutRedirectAllowed(*lr.app, u) {
			return lr, oidc.InvalidRequest(fmt.Sprintf("The post_logout_redirect_uri %q is not registered for the app %q.", u, lr.app.Name))
		}
		lr.redirectURI = u
	}
	return lr, nil
}

// audience reads an aud claim that is a string or a one-element array.
func audience(raw json.RawMessage) string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) == 1 {
		return many[0]
	}
	return ""
}

type logoutPage struct {
	Action  string
	AppName string
	Fields  []hiddenField
}
