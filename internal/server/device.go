package server

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// The device pages (RFC 8628 §3.3): the person whose device shows a user
// code types it here (GET /oauth/device, pre-filled from ?user_code=, the
// verification_uri_complete), sees which app asks for what (POST
// /oauth/device/confirm), and allows or denies (POST
// /oauth/device/decision). Every device login asks: no consent is
// remembered, as on huggingface.co. POST /oauth/device itself is the
// device authorization endpoint (internal/grants).

// Form fields of the device pages.
const (
	fieldUserCode      = "user_code"
	fieldDecision      = "decision"
	fieldDecisionToken = "decision_token"
)

type devicePage struct {
	Confirm  bool   // the Allow/Deny step; otherwise the code form
	UserCode string // shown, or pre-filled in the form
	Error    string
	AppName  string
	Username string
	Scopes   []oidc.ScopeInfo
	Token    string
}

type deviceDonePage struct {
	Approved bool
	AppName  string
	Username string
}

// serveDevice is GET /oauth/device: the form where a signed-in person types
// the code.
func (s *Server) serveDevice(w http.ResponseWriter, r *http.Request) {
	typed := r.URL.Query().Get(fieldUserCode)
	sess, ok := s.deviceSession(w, r, typed)
	if !ok {
		return
	}
	s.renderDeviceForm(w, r, sess, http.StatusOK, typed, "")
}

// serveDeviceConfirm is POST /oauth/device/confirm: look the code up and
// show the app and its scopes with Allow and Deny.
func (s *Server) serveDeviceConfirm(w http.ResponseWriter, r *http.Request) {
	form, perr := httpx.ParseForm(w, r)
	if perr != nil {
		s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Bad request", Message: perr.Description})
		return
	}
	typed := form.Get(fieldUserCode)
	sess, ok := s.deviceSession(w, r, typed)
	if !ok || !s.allowUserCode(w, r, sess) {
		return
	}
	d, app, ok := s.deviceLookup(w, r, sess, typed)
	if !ok {
		return
	}
	code := protocol.FormatUserCode(mustNormalize(typed))
	p := devicePage{Confirm: true, UserCode: code, AppName: app.Name, Username: sess.User.Username,
		Token: s.deviceToken(sess, d)}
	for _, sc := range d.Scopes {
		p.Scopes = append(p.Scopes, oidc.ScopeInfo{Name: sc, Description: oidc.ScopeDescription(sc)})
	}
	s.render(w, r, http.StatusOK, "device.html", pageData{Title: "Authorize " + app.Name, User: sess.User.Username, Body: p})
}

// serveDeviceDecision is POST /oauth/device/decision: record Allow or Deny
// for the code, if the form is the one this hub showed to this session for
// this very code, app and scopes.
func (s *Server) serveDeviceDecision(w http.ResponseWriter, r *http.Request) {
	form, perr := httpx.ParseForm(w, r)
	if perr != nil {
		s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Bad request", Message: perr.Description})
		return
	}
	typed := form.Get(fieldUserCode)
	sess, ok := s.deviceSession(w, r, typed)
	if !ok || !s.allowUserCode(w, r, sess) {
		return
	}
	d, app, ok := s.deviceLookup(w, r, sess, typed)
	if !ok {
		return
	}
	if !hmac.Equal([]byte(form.Get(fieldDecisionToken)), []byte(s.deviceToken(sess, d))) {
		s.renderError(w, r, http.StatusForbidden, errorPage{Heading: "Decision not accepted",
			Message: "The form was not sent by this hub for your current session and this code.",
			Hint:    "Open the device page again and enter the code shown on your device."})
		return
	}
	status := store.DeviceApproved
	switch form.Get(fieldDecision) {
	case "allow":
	case "deny":
		status = store.DeviceDenied
	default:
		s.renderError(w, r, http.StatusBadRequest, errorPage{Heading: "Bad request", Message: "Choose Allow or Deny."})
		return
	}
	now := s.now()
	err := s.store.UpdateDeviceCode(r.Context(), d.Hash, func(c *store.DeviceCode) error {
		if c.Status != store.DevicePending || !c.UsedAt.IsZero() || !now.Before(c.ExpiresAt) {
			return errDeviceDecided
		}
		c.Status, c.UserID, c.AuthTime = status, sess.UserID, sess.AuthTime
		return nil
	})
	if errors.Is(err, errDeviceDecided) || errors.Is(err, store.ErrNotFound) {
		// Decided in another tab, or expired while the page was open:
		// say which.
		if _, _, ok := s.deviceLookup(w, r, sess, typed); ok {
			s.renderDeviceForm(w, r, sess, http.StatusConflict, typed, "This code changed while the page was open; enter it again.")
		}
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "device login decided", "status", status, "user_id", sess.UserID, "client_id", d.ClientID)
	s.render(w, r, http.StatusOK, "device_done.html", pageData{Title: "Device login", User: sess.User.Username,
		Body: deviceDonePage{Approved: status == store.DeviceApproved, AppName: app.Name, Username: sess.User.Username}})
}

var errDeviceDecided = errors.New("device code no longer pending")

// deviceSession returns the browser session, or sends the browser to the
// login page, which comes back to the code form with the code the person
// had.
func (s *Server) deviceSession(w http.ResponseWriter, r *http.Request, typed string) (*session, bool) {
	sess, err := s.currentSession(r)
	if err != nil {
		s.internalError(w, r, err)
		return nil, false
	}
	if sess != nil {
		return sess, true
	}
	next := "/oauth/device"
	if typed != "" && len(typed) <= 64 {
		next += "?" + url.Values{fieldUserCode: {typed}}.Encode()
	}
	http.Redirect(w, r, "/login?"+url.Values{"next": {next}}.Encode(), http.StatusSeeOther)
	return nil, false
}

// deviceLookup finds the pending device code a person typed and its app.
// When there is none it shows the code form again, saying why, and
// returns false.
func (s *Server) deviceLookup(w http.ResponseWriter, r *http.Request, sess *session, typed string) (store.DeviceCode, store.App, bool) {
	fail := func(status int, msg string) (store.DeviceCode, store.App, bool) {
		s.renderDeviceForm(w, r, sess, status, typed, msg)
		return store.DeviceCode{}, store.App{}, false
	}
	norm, ok := protocol.NormalizeUserCode(typed)
	if !ok {
		if typed == "" {
			return fail(http.StatusBadRequest, "Enter the code shown on your device.")
		}
		return fail(http.StatusBadRequest, "That is not a valid code. Codes have eight letters and digits, like XXXX-XXXX; check the code on your device.")
	}
	code := protocol.FormatUserCode(norm)
	d, err := s.store.DeviceCodeByUserCode(r.Context(), store.Hash(norm))
	if errors.Is(err, store.ErrNotFound) {
		return fail(http.StatusNotFound, fmt.Sprintf("No login is waiting for the code %s. Check that you typed the code your device shows; if it is older than 15 minutes, start the login again on the device.", code))
	}
	if err != nil {
		s.internalError(w, r, err)
		return store.DeviceCode{}, store.App{}, false
	}
	switch {
	case !d.UsedAt.IsZero():
		return fail(http.StatusConflict, fmt.Sprintf("The code %s was already used: that device is signed in. To sign in again, start the login again on the device.", code))
	case !s.now().Before(d.ExpiresAt):
		return fail(http.StatusGone, fmt.Sprintf("The code %s has expired (codes last 15 minutes). Start the login again on your device to get a new code.", code))
	case d.Status == store.DeviceApproved:
		return fail(http.StatusConflict, fmt.Sprintf("The code %s was already approved; the device finishes the login by itself.", code))
	case d.Status == store.DeviceDenied:
		return fail(http.StatusConflict, fmt.Sprintf("The code %s was denied. Start the login again on your device if you want to sign in.", code))
	}
	app, err := s.store.App(r.Context(), d.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return fail(http.StatusNotFound, fmt.Sprintf("No login is waiting for the code %s.", code))
	}
	if err != nil {
		s.internalError(w, r, err)
		return store.DeviceCode{}, store.App{}, false
	}
	if app.Disabled {
		return fail(http.StatusForbidden, fmt.Sprintf("The app %q that asked for this code is disabled on this hub.", app.Name))
	}
	if len(app.AuthorizedOrgs) > 0 {
		ms, err := s.store.Memberships(r.Context(), sess.UserID)
		if err != nil {
			s.internalError(w, r, err)
			return store.DeviceCode{}, store.App{}, false
		}
		if !protocol.MemberOfAny(orgNames(ms), app.AuthorizedOrgs) {
			return fail(http.StatusForbidden, fmt.Sprintf("Only members of %s may sign in to %s; @%s is not a member.", protocol.OrgList(app.AuthorizedOrgs), app.Name, sess.User.Username))
		}
	}
	return d, app, true
}

// renderDeviceForm shows the code form, pre-filled with what the person
// typed (in the XXXX-XXXX form when it is a well-formed code).
func (s *Server) renderDeviceForm(w http.ResponseWriter, r *http.Request, sess *session, status int, typed, msg string) {
	if norm, ok := protocol.NormalizeUserCode(typed); ok {
		typed = protocol.FormatUserCode(norm)
	} else if len(typed) > 64 {
		typed = ""
	}
	s.render(w, r, status, "device.html", pageData{Title: "Connect a device", User: sess.User.Username,
		Body: devicePage{UserCode: typed, Error: msg}})
}

// deviceToken binds the Allow/Deny form to the session and to the device
// code with its app and scopes, as consentToken does for the code flow.
func (s *Server) deviceToken(sess *session, d store.DeviceCode) string {
	return s.sessionMAC(sess, "device", hex.EncodeToString(d.Hash[:]), d.ClientID, protocol.JoinScopes(d.Scopes))
}

// mustNormalize is NormalizeUserCode for a code already checked.
func mustNormalize(typed string) string {
	n, _ := protocol.NormalizeUserCode(typed)
	return n
}
