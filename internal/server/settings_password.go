package server

import (
	"errors"
	"net/http"

	"github.com/hubid/hubid/internal/accounts"
)

// The password page, /settings/password: the signed-in user changes their
// own password with the rules of internal/accounts (ChangePassword): the
// current password, then the new one twice, checked against the policy.
// The form carries a MAC of its purpose under the session, on top of
// CrossOriginProtection. A change signs out every other browser; this one
// gets a new session. Tokens keep working (see accounts.ChangePassword).

// passwordPurpose is what the form's MAC is bound to.
const passwordPurpose = "password-change"

type passwordPage struct {
	MAC string
	// Errors are the form's problems by field (current, new, confirm),
	// shown next to each. Passwords are never sent back into the form.
	Errors  map[string]string
	Changed bool
	// MinChars is the policy's shortest password, for the hint.
	MinChars int
}

func (s *Server) renderPassword(w http.ResponseWriter, r *http.Request, sess *session, status int, p passwordPage) {
	p.MAC = s.sessionMAC(sess, passwordPurpose, "")
	p.MinChars = accounts.MinPasswordChars
	s.render(w, r, status, "password.html", pageData{Title: "Password", User: sess.User.Username, Body: p})
}

// servePasswordPage is GET /settings/password.
func (s *Server) servePasswordPage(w http.ResponseWriter, r *http.Request) {
	sess := s.requireSession(w, r)
	if sess == nil {
		return
	}
	s.renderPassword(w, r, sess, http.StatusOK, passwordPage{Changed: r.URL.Query().Get("changed") == "1"})
}

// serveChangePassword is POST /settings/password. Bad input answers the
// page again with a message next to each bad field and changes nothing.
// The current password is checked only once the rest is right, under the
// sign-in limit for the user and IP (a stolen session must not become a
// way to guess the password), and a wrong one waits as a failed sign-in.
func (s *Server) serveChangePassword(w http.ResponseWriter, r *http.Request) {
	sess, form, ok := s.sessionForm(w, r, passwordPurpose, "id")
	if !ok {
		return
	}
	current, pw, confirm := form.Get("current_password"), form.Get("new_password"), form.Get("confirm_password")
	errs := map[string]string{}
	if current == "" {
		errs["current"] = "Enter your current password."
	}
	switch err := accounts.CheckPassword(pw); {
	case pw == "":
		errs["new"] = "Enter a new password."
	case err != nil:
		errs["new"] = err.Error()
	case pw == current:
		errs["new"] = "The new password is the same as the current one."
	}
	if _, bad := errs["new"]; !bad && confirm != pw {
		errs["confirm"] = "The two new passwords differ; type the same one twice."
	}
	if len(errs) > 0 {
		s.renderPassword(w, r, sess, http.StatusUnprocessableEntity, passwordPage{Errors: errs})
		return
	}
	hold, wait, allowed := s.takeLogin(r, sess.User.Username)
	if !allowed {
		s.failedLoginDelay(r)
		s.tooMany(w, r, wait, "Too many attempts", "Too many wrong passwords for this account from your network.")
		return
	}
	ended, err := accounts.ChangePassword(r.Context(), s.store, s.pw, sess.UserID, current, pw, s.now())
	switch {
	case errors.Is(err, accounts.ErrWrongPassword):
		s.log.InfoContext(r.Context(), "failed password change", "user_id", sess.UserID, "remote", r.RemoteAddr)
		s.failedLoginDelay(r)
		s.renderPassword(w, r, sess, http.StatusUnprocessableEntity, passwordPage{Errors: map[string]string{"current": "The current password is not right."}})
		return
	case errors.Is(err, accounts.ErrInvalidPassword):
		hold.Release()
		s.renderPassword(w, r, sess, http.StatusUnprocessableEntity, passwordPage{Errors: map[string]string{"new": err.Error()}})
		return
	case err != nil:
		hold.Release()
		s.internalError(w, r, err)
		return
	}
	hold.Release() // only failures count
	s.log.InfoContext(r.Context(), "password changed by user", "user_id", sess.UserID, "sessions_ended", ended.Sessions)
	// Every session ended, this one too; the browser that made the change
	// stays signed in with a new one.
	if _, err := s.startSession(r.Context(), w, r, sess.UserID); err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/password?changed=1", http.StatusSeeOther)
}
