package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/store"
)

type loginPage struct {
	Next     string
	Username string
	Error    string
	AppName  string
}

// genericLoginError says nothing about whether the username exists.
const genericLoginError = "Incorrect username or password."

func (s *Server) serveLoginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	sess, err := s.currentSession(r)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := pageData{Title: "Sign in", Body: loginPage{Next: next, AppName: s.appNameFromNext(r, next)}}
	if sess != nil {
		d.User = sess.User.Username
	}
	s.render(w, r, http.StatusOK, "login.html", d)
}

// appNameFromNext names the app a login continues to, for the page.
func (s *Server) appNameFromNext(r *http.Request, next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Path != "/oauth/authorize" {
		return ""
	}
	id := u.Query().Get("client_id")
	if id == "" || len(id) > 512 {
		return ""
	}
	app, err := s.store.App(r.Context(), id)
	if err != nil {
		return ""
	}
	return app.Name
}

func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	form, perr := httpx.ParseForm(w, r)
	if perr != nil {
		s.renderError(w, r, perr.HTTPStatus(), errorPage{Heading: "Bad sign-in request", Message: perr.Description})
		return
	}
	next := safeNext(form.Get("next"))
	username, password := form.Get("username"), form.Get("password")
	fail := func(status int) {
		s.render(w, r, status, "login.html", pageData{Title: "Sign in", Body: loginPage{
			Next: next, Username: username, Error: genericLoginError, AppName: s.appNameFromNext(r, next),
		}})
	}
	if username == "" || password == "" || len(username) > 256 || len(password) > 1024 {
		s.failedLoginDelay(r)
		fail(http.StatusUnauthorized)
		return
	}
	// The limit is keyed by what was typed (takeLogin lowercases it), not
	// by the account it resolves to: keyed by the account, a limit used up
	// under a username would then refuse its email too, telling whoever
	// tries which address belongs to which username.
	hold, wait, allowed := s.takeLogin(r, username)
	if !allowed {
		// A refusal waits as a failure does: a flood of them then costs
		// the attacker connections rather than the server CPU.
		s.failedLoginDelay(r)
		s.tooMany(w, r, wait, "Too many sign-in attempts", "Too many failed sign-ins for this account from your network.")
		return
	}
	u, err := s.lookupLogin(r.Context(), username)
	var ok bool
	switch {
	case errors.Is(err, store.ErrNotFound):
		err = s.pw.VerifyDummy(r.Context(), password)
	case err == nil && u.PasswordHash == "":
		err = s.pw.VerifyDummy(r.Context(), password)
	case err == nil:
		ok, err = s.pw.Verify(r.Context(), u.PasswordHash, password)
	}
	if err != nil && r.Context().Err() == nil {
		hold.Release()
		s.internalError(w, r, err)
		return
	}
	if !ok {
		s.log.InfoContext(r.Context(), "failed login", "remote", r.RemoteAddr)
		s.failedLoginDelay(r)
		fail(http.StatusUnauthorized)
		return
	}
	hold.Release() // only failures count
	// Only now, after a successful login, is the previous session (if
	// any) replaced.
	sess, err := s.startSession(r.Context(), w, r, u.ID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "login", "user_id", u.ID)
	http.Redirect(w, r, s.bindReauth(sess, next), http.StatusSeeOther)
}

// lookupLogin finds the user a sign-in names: by email when the input
// has an "@" (no username has one), by username otherwise. Both ignore
// ASCII case.
func (s *Server) lookupLogin(ctx context.Context, input string) (store.User, error) {
	if strings.Contains(input, "@") {
		return s.store.UserByEmail(ctx, input)
	}
	return s.store.UserByName(ctx, input)
}

// failedLoginDelay slows down password guessing a little.
func (s *Server) failedLoginDelay(r *http.Request) {
	if s.delay <= 0 {
		return
	}
	s.sleep(r.Context(), s.delay)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *Server) serveLogoutPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.currentSession(r)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := pageData{Title: "Sign out"}
	if sess != nil {
		d.User = sess.User.Username
	}
	s.render(w, r, http.StatusOK, "logout.html", d)
}

func (s *Server) serveLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(w, r); err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) serveHome(w http.ResponseWriter, r *http.Request) {
	sess, err := s.currentSession(r)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := pageData{Title: "Home"}
	if sess != nil {
		d.User = sess.User.Username
	}
	s.render(w, r, http.StatusOK, "home.html", d)
}

// internalError logs err and shows a page that does not leak it.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "internal error", "path", r.URL.Path, "err", err)
	s.renderError(w, r, http.StatusInternalServerError, errorPage{Heading: "Something went wrong", Message: "The hub could not complete your request. Try again in a moment."})
}
