package signin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/hubid/hubid/oidc"
)

// Query parameters of the login route, named as gradio names them.
const (
	paramTarget    = "_target_url"
	paramRedirects = "_nb_redirects"
	paramTop       = "_top"
)

// SignIn is "Sign in with HF" for one app: the login, callback and logout
// handlers, the middleware and the accessors for the signed-in user. It is
// safe for concurrent use. Make it with New.
type SignIn struct {
	cfg      Config
	fixed    *origin // from Config.RedirectURL
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
	oauth    oauth2.Config // RedirectURL is set per request
	disc     oidc.Discovery
	log      *slog.Logger

	flows    keyedMutex
	sessions keyedMutex

	mu       sync.Mutex
	lastSeen time.Time // when the provider last answered
}

// New checks cfg, fetches the provider's discovery document once and
// returns a SignIn. It fails fast when the provider cannot be reached or
// its discovery document names another issuer, so a misconfigured app
// stops at start. The JSON Web Key Set is fetched when the first ID token
// arrives and again whenever one is signed with a key id it does not hold
// (after the provider rotated its keys).
//
// Once running, an app whose provider goes down shows its own error pages:
// the login route asks the provider for its discovery document when it has
// not heard from it for a minute and answers 503 (with Retry-After) when
// it gets no answer, and a callback whose code exchange fails answers 502.
// Signed-in users stay signed in until their token expires.
func New(ctx context.Context, cfg Config) (*SignIn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &SignIn{cfg: cfg, log: cfg.Logger}
	if cfg.RedirectURL != "" {
		u, _ := url.Parse(cfg.RedirectURL)
		s.fixed = &origin{scheme: u.Scheme, host: strings.ToLower(u.Host)}
	}
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("signin: discovery at %s/.well-known/openid-configuration failed (is the provider running and OPENID_PROVIDER_URL right?): %w", cfg.Issuer, err)
	}
	if err := p.Claims(&s.disc); err != nil {
		return nil, fmt.Errorf("signin: read the discovery document of %s: %w", cfg.Issuer, err)
	}
	s.provider = p
	s.verifier = p.Verifier(&gooidc.Config{
		ClientID: cfg.ClientID,
		// go-oidc checks exp against Now without leeway; moving its clock
		// back by the leeway gives exp the same tolerance as iat below.
		Now: func() time.Time { return cfg.Now().Add(-cfg.Leeway) },
	})
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader // client_secret_basic, as HF documents
	if cfg.ClientSecret == "" {
		ep.AuthStyle = oauth2.AuthStyleInParams // a public client sends client_id only
	}
	s.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: ep, Scopes: cfg.Scopes}
	s.seen()
	return s, nil
}

// Config returns the configuration in use, defaults filled in.
func (s *SignIn) Config() Config { return s.cfg }

// LoginPath returns the path of the login route (Prefix+"/login/huggingface").
func (s *SignIn) LoginPath() string { return s.cfg.Prefix + "/login/huggingface" }

// LogoutPath returns the path of the logout route (Prefix+"/logout").
func (s *SignIn) LogoutPath() string { return s.cfg.Prefix + "/logout" }

// CallbackPath returns the path of the callback route.
func (s *SignIn) CallbackPath() string { return s.cfg.CallbackPath }

// Handler returns the handler of the SDK's routes, and answers 404 for
// every other path:
//
//	GET  Prefix/login/huggingface  starts a login (?_target_url=/page says where to land)
//	GET  Prefix/login/callback     the provider's answer (or Config.CallbackPath)
//	GET, POST Prefix/logout        ends the session (?_target_url=/page)
//
// With a ServeMux, Register is simpler. Mounting Handler on a ServeMux
// with a pattern such as "/login/" conflicts with an app's "GET /" (Go
// refuses patterns neither of which is more specific), so mount it with
// method patterns ("GET /login/", "GET /logout", "POST /logout"); other
// routers can mount it on the three paths as they are.
func (s *SignIn) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

// Register adds the SDK's routes to mux with method patterns ("GET
// /login/huggingface", …), which never conflict with an app's "/" or
// "GET /" routes.
func (s *SignIn) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+s.LoginPath(), s.serveLogin)
	mux.HandleFunc("GET "+s.CallbackPath(), s.serveCallback)
	mux.HandleFunc("GET "+s.LogoutPath(), s.serveLogout)
	mux.HandleFunc("POST "+s.LogoutPath(), s.serveLogout)
}

// flowState is a login in progress, kept in the Store under "flow/"+id
// for FlowLifetime.
type flowState struct {
	StateDigest string    `json:"sd"` // digest(state), checked in constant time
	Binding     string    `json:"b"`  // digest of the flow cookie's value
	Nonce       string    `json:"n"`
	Verifier    string    `json:"v"`
	RedirectURI string    `json:"r"`
	ReturnTo    string    `json:"t"`
	Redirects   int       `json:"c"`            // restarts so far (lost cookies)
	Top         bool      `json:"top,omitzero"` // after the top-level break-out
	Created     time.Time `json:"at"`
}

func flowKey(id string) string          { return "flow/" + id }
func flowCookie(base, id string) string { return base + "_flow_" + id }

// maxFlowCookies bounds the flow cookies a browser holds at once.
const maxFlowCookies = 4

// serveLogin starts a login: a fresh state, nonce and PKCE verifier kept
// server-side under the state's hash, a flow cookie bound to it, and a
// redirect to the provider.
func (s *SignIn) serveLogin(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	o, err := s.originFor(r)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, pageConfig, err)
		return
	}
	q := r.URL.Query()
	returnTo := s.returnTarget(q.Get(paramTarget))
	redirects, _ := strconv.Atoi(q.Get(paramRedirects))
	top := q.Get(paramTop) == "1"
	if redirects < 0 {
		redirects = 0
	}
	if redirects > MaxRedirects {
		s.breakOut(w, r, returnTo, top)
		return
	}
	if !s.providerUp(r.Context()) {
		s.fail(w, r, http.StatusServiceUnavailable, pageProviderDown, errors.New("provider unreachable at login"))
		return
	}
	s.sweepFlowCookies(w, r, o, "")

	state := randomToken(32)
	id := flowID(state)
	binding := randomToken(16)
	f := flowState{
		StateDigest: digest(state),
		Binding:     digest(binding),
		Nonce:       randomToken(24),
		Verifier:    oauth2.GenerateVerifier(),
		RedirectURI: o.url(s.cfg.CallbackPath),
		ReturnTo:    returnTo,
		Redirects:   redirects,
		Top:         top,
		Created:     s.cfg.Now(),
	}
	b, _ := json.Marshal(f)
	if err := s.cfg.Store.Put(r.Context(), flowKey(id), b, f.Created.Add(FlowLifetime)); err != nil {
		s.fail(w, r, http.StatusInternalServerError, pageStore, err)
		return
	}
	http.SetCookie(w, s.newCookie(o, flowCookie(s.cfg.Cookie.Name, id), binding, FlowLifetime))

	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.Verifier), gooidc.Nonce(f.Nonce)}
	for k, vs := range s.cfg.AuthParams {
		for _, v := range vs {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	conf := s.oauth
	conf.RedirectURL = f.RedirectURI
	http.Redirect(w, r, conf.AuthCodeURL(state, opts...), http.StatusSeeOther)
}

// returnTarget is where a login or logout lands: a safe path, never one of
// the SDK's own routes (that would loop).
func (s *SignIn) returnTarget(target string) string {
	t := safeReturn(target)
	if t == "" {
		return s.cfg.Prefix + "/"
	}
	u, err := url.Parse(t)
	if err != nil {
		return s.cfg.Prefix + "/"
	}
	if p := u.Path; p == s.LoginPath() || p == s.CallbackPath() || p == s.LogoutPath() {
		return s.cfg.Prefix + "/"
	}
	return t
}

// loginURL is the login route with where to land and the restart count.
func (s *SignIn) loginURL(returnTo string, redirects int, top bool) string {
	q := url.Values{}
	if returnTo != "" && returnTo != s.cfg.Prefix+"/" {
		q.Set(paramTarget, returnTo)
	}
	if redirects > 0 {
		q.Set(paramRedirects, strconv.Itoa(redirects))
	}
	if top {
		q.Set(paramTop, "1")
	}
	if len(q) == 0 {
		return s.LoginPath()
	}
	return s.LoginPath() + "?" + q.Encode()
}

// breakOut handles a login restarted more than MaxRedirects times: the
// browser keeps losing the flow cookie, as happens inside the Spaces
// iframe when third-party cookies are blocked. The login starts over on
// the primary host at top level; a framed request gets a page with a link
// that opens a new tab (a redirect would stay inside the frame). If that
// was already the top-level attempt, cookies are blocked for the app
// altogether and the user is told so.
func (s *SignIn) breakOut(w http.ResponseWriter, r *http.Request, returnTo string, top bool) {
	if top {
		s.fail(w, r, http.StatusBadRequest, pageCookiesBlocked, errors.New("flow cookie lost at top level too"))
		return
	}
	po, err := s.primaryOrigin(r)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, pageConfig, err)
		return
	}
	to := po.url(s.loginURL(returnTo, 0, true))
	if framed(r) {
		s.renderPage(w, r, http.StatusOK, page{
			Title:   "Continue in a new tab",
			Message: "Signing in did not work inside this frame: your browser does not keep this app's cookies here.",
			Hint:    "Open the app in its own tab to sign in.",
			Link:    to, LinkText: "Open and sign in", NewTab: true,
		})
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// serveCallback completes a login: it finds the flow by the returned
// state, checks that this browser started it (flow cookie), redeems the
// code with the PKCE verifier, verifies the ID token (signature, iss, aud,
// exp, iat, nonce), fetches userinfo and starts a session.
func (s *SignIn) serveCallback(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	o, err := s.originFor(r)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, pageConfig, err)
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > 512 {
		s.sweepFlowCookies(w, r, o, "")
		s.fail(w, r, http.StatusBadRequest, pageBadCallback, errors.New("callback without state"))
		return
	}
	id := flowID(state)
	unlock := s.flows.lock(id)
	defer unlock()
	f, err := s.loadFlow(r.Context(), id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.fail(w, r, http.StatusInternalServerError, pageStore, err)
		return
	}
	if err != nil || subtle.ConstantTimeCompare([]byte(f.StateDigest), []byte(digest(state))) != 1 {
		// Unknown state: expired, already used, or made up.
		s.sweepFlowCookies(w, r, o, "")
		s.fail(w, r, http.StatusBadRequest, pageStaleState, errors.New("callback state matches no login in progress"))
		return
	}
	// From here on the flow is used up, whatever happens.
	if err := s.cfg.Store.Delete(r.Context(), flowKey(id)); err != nil {
		s.fail(w, r, http.StatusInternalServerError, pageStore, err)
		return
	}
	binding, ok := readCookie(r, flowCookie(s.cfg.Cookie.Name, id), o)
	s.clearCookie(w, o, flowCookie(s.cfg.Cookie.Name, id))
	if !ok || subtle.ConstantTimeCompare([]byte(digest(binding)), []byte(f.Binding)) != 1 {
		// The browser lost the flow cookie (or never had it: a callback
		// URL from someone else's login). Never complete such a login;
		// start over, and after MaxRedirects break out.
		s.sweepFlowCookies(w, r, o, id)
		next := f.Redirects + 1
		if next > MaxRedirects {
			s.log.InfoContext(r.Context(), "signin: flow cookie lost again; breaking out to the primary host", "restarts", f.Redirects, "top", f.Top)
			s.breakOut(w, r, f.ReturnTo, f.Top)
			return
		}
		s.log.InfoContext(r.Context(), "signin: flow cookie missing or wrong at callback; restarting login", "restart", next)
		http.Redirect(w, r, s.loginURL(f.ReturnTo, next, f.Top), http.StatusSeeOther)
		return
	}
	if e := q.Get("error"); e != "" {
		s.providerError(w, r, e, q.Get("error_description"), f.ReturnTo)
		return
	}
	code := q.Get("code")
	if code == "" {
		s.fail(w, r, http.StatusBadRequest, pageBadCallback, errors.New("callback without code"))
		return
	}
	sess, perr := s.redeem(r.Context(), code, f)
	if perr != nil {
		s.fail(w, r, perr.status, perr.page, perr)
		return
	}
	if s.cfg.OnLogin != nil {
		si := &signedIn{sess: sess}
		if err := s.cfg.OnLogin(r, si.user(), si.token()); err != nil {
			s.loginRefused(w, r, sess.User, f.ReturnTo, err)
			return
		}
	}
	if err := s.startSession(w, r, o, sess); err != nil {
		s.fail(w, r, http.StatusInternalServerError, pageStore, err)
		return
	}
	s.log.InfoContext(r.Context(), "signin: signed in", "sub", sess.User.Sub)
	http.Redirect(w, r, f.ReturnTo, http.StatusSeeOther)
}

func (s *SignIn) loadFlow(ctx context.Context, id string) (flowState, error) {
	var f flowState
	b, err := s.cfg.Store.Get(ctx, flowKey(id))
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, ErrNotFound
	}
	return f, nil
}

// sweepFlowCookies clears flow cookies that point nowhere: undecodable
// ones, and ones whose flow expired or was used. Over maxFlowCookies live
// ones, the oldest go too. keep names a flow already handled.
func (s *SignIn) sweepFlowCookies(w http.ResponseWriter, r *http.Request, o origin, keep string) {
	type live struct {
		id      string
		created time.Time
	}
	var alive []live
	prefixes := []string{cookieName(s.cfg.Cookie.Name+"_flow_", o)}
	if o.secure() {
		prefixes = append(prefixes, s.cfg.Cookie.Name+"_flow_")
	}
	for _, c := range r.Cookies() {
		for _, p := range prefixes {
			id, ok := strings.CutPrefix(c.Name, p)
			if !ok || id == keep {
				continue
			}
			clearAs := o
			if p != prefixes[0] {
				clearAs = origin{scheme: "http", host: o.host} // set by a plain-http visit
			}
			if !validFlowID(id) || !validToken(c.Value, 16) {
				s.clearRaw(w, clearAs, c.Name)
				continue
			}
			f, err := s.loadFlow(r.Context(), id)
			if err != nil || subtle.ConstantTimeCompare([]byte(digest(c.Value)), []byte(f.Binding)) != 1 {
				s.clearRaw(w, clearAs, c.Name)
				continue
			}
			alive = append(alive, live{id, f.Created})
		}
	}
	for len(alive) >= maxFlowCookies {
		oldest := 0
		for i, l := range alive {
			if l.created.Before(alive[oldest].created) {
				oldest = i
			}
		}
		s.clearCookie(w, o, flowCookie(s.cfg.Cookie.Name, alive[oldest].id))
		s.cfg.Store.Delete(r.Context(), flowKey(alive[oldest].id))
		alive = append(alive[:oldest], alive[oldest+1:]...)
	}
}

// clearRaw expires the cookie with exactly this name, with the attributes
// of the origin it was set for.
func (s *SignIn) clearRaw(w http.ResponseWriter, o origin, name string) {
	c := s.newCookie(o, "", "", 0)
	c.Name = name
	http.SetCookie(w, c)
}

// providerError shows the error the provider sent back to the callback,
// e.g. access_denied when the user clicked Deny or is not in an org the
// app requires.
func (s *SignIn) providerError(w http.ResponseWriter, r *http.Request, code, desc, returnTo string) {
	s.log.InfoContext(r.Context(), "signin: provider returned an error", "error", code, "description", desc)
	p := page{Title: "Sign-in was not completed", Message: "The provider answered: " + code + ".", Detail: desc,
		Link: s.loginURL(returnTo, 0, false), LinkText: "Try again"}
	status := http.StatusBadRequest
	if code == string(oidc.CodeAccessDenied) {
		status = http.StatusForbidden
		p.Title = "Access denied"
		p.Message = "You did not allow this app to use your account, or your account may not use it."
	}
	s.renderPage(w, r, status, p)
}

// Refuse returns an error for Config.OnLogin that refuses a login and
// tells the user why: reason is shown on the error page as it is, e.g.
// "Only members of the staff may use this app."
func Refuse(reason string) error { return &refusal{reason: reason} }

// refusal is Refuse's error.
type refusal struct{ reason string }

func (e *refusal) Error() string { return "signin: login refused: " + e.reason }

// loginRefused answers a callback whose login Config.OnLogin refused.
func (s *SignIn) loginRefused(w http.ResponseWriter, r *http.Request, u User, returnTo string, err error) {
	var ref *refusal
	if !errors.As(err, &ref) {
		s.log.ErrorContext(r.Context(), "signin: OnLogin failed; login refused", "sub", u.Sub, "err", err)
		s.renderPage(w, r, http.StatusInternalServerError, s.pageFor(pageOnLoginFailed, s.loginURL(returnTo, 0, false)))
		return
	}
	s.log.InfoContext(r.Context(), "signin: OnLogin refused the login", "sub", u.Sub, "reason", ref.reason)
	p := page{Title: "Sign-in refused", Message: "This app does not let you sign in.", Detail: ref.reason}
	if u.Username != "" {
		p.Message = "This app does not let @" + u.Username + " sign in."
	}
	s.renderPage(w, r, http.StatusForbidden, p)
}

// callbackError is a failure while redeeming a code.
type callbackError struct {
	status int
	page   pageKind
	err    error
}

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }

// redeem exchanges the code and builds the session.
func (s *SignIn) redeem(ctx context.Context, code string, f flowState) (*session, *callbackError) {
	conf := s.oauth
	conf.RedirectURL = f.RedirectURI
	tok, err := conf.Exchange(s.clientContext(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, s.tokenError(err)
	}
	s.seen()
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, &callbackError{http.StatusBadGateway, pageBadAnswer, errors.New("the token response has no id_token (is openid among the scopes?)")}
	}
	idt, err := s.verifyIDToken(ctx, rawID, f.Nonce)
	if err != nil {
		return nil, &callbackError{http.StatusBadGateway, pageBadAnswer, err}
	}
	now := s.cfg.Now()
	sess := &session{
		IDToken:      rawID,
		AccessToken:  tok.AccessToken,
		TokenType:    tok.TokenType,
		RefreshToken: tok.RefreshToken,
		Scopes:       grantedScopes(tok, s.cfg.Scopes),
		Expiry:       expiry(tok, now),
		Created:      now,
	}
	info, err := s.userinfo(ctx, tok.AccessToken)
	if err != nil {
		return nil, &callbackError{http.StatusBadGateway, pageProviderDown, err}
	}
	if info.Sub != idt.Subject {
		return nil, &callbackError{http.StatusBadGateway, pageBadAnswer, fmt.Errorf("userinfo sub %q differs from the ID token's %q", info.Sub, idt.Subject)}
	}
	sess.User = userFrom(info, sess.Scopes)
	return sess, nil
}

// tokenError turns a token endpoint failure into a page.
func (s *SignIn) tokenError(err error) *callbackError {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return &callbackError{http.StatusBadGateway, pageProviderDown, err}
		}
		switch oidc.ErrorCode(re.ErrorCode) {
		case oidc.CodeInvalidGrant:
			return &callbackError{http.StatusBadRequest, pageCodeExpired, err}
		case oidc.CodeInvalidClient, oidc.CodeUnauthorizedClient:
			return &callbackError{http.StatusBadGateway, pageClientRejected, err}
		}
		return &callbackError{http.StatusBadGateway, pageBadAnswer, err}
	}
	return &callbackError{http.StatusBadGateway, pageProviderDown, err}
}

// clientContext carries the configured HTTP client to x/oauth2 and
// go-oidc, which only take it from a context.
func (s *SignIn) clientContext(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, s.cfg.HTTPClient)
}

// seen records that the provider answered.
func (s *SignIn) seen() {
	s.mu.Lock()
	s.lastSeen = s.cfg.Now()
	s.mu.Unlock()
}

// providerCheckInterval is how long an answer from the provider counts as
// proof that it is up.
const providerCheckInterval = time.Minute

// providerUp reports whether the provider answers, asking it (its
// discovery document) only when it has not answered for a minute. A login
// then shows an error page of the app's own instead of sending the user to
// a provider that is down.
func (s *SignIn) providerUp(ctx context.Context) bool {
	s.mu.Lock()
	fresh := s.cfg.Now().Sub(s.lastSeen) < providerCheckInterval
	s.mu.Unlock()
	if fresh {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.Issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return false
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		s.log.WarnContext(ctx, "signin: provider unreachable", "issuer", s.cfg.Issuer, "err", err)
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.log.WarnContext(ctx, "signin: provider discovery failed", "issuer", s.cfg.Issuer, "status", resp.StatusCode)
		return false
	}
	s.seen()
	return true
}

// serveLogout ends the session: the store entry and the cookie go, then
// the browser goes to the provider's end_session_endpoint when it
// advertises one (OpenID Connect RP-Initiated Logout 1.0), else straight
// back to the app. The provider is asked to send the browser back to this
// same route (post_logout_redirect_uri = {origin}{Prefix}/logout, one URL
// per host to register; Space apps accept any URL on their hosts) with the
// page to land on in state, which is checked again as a same-origin path.
// A GET that is not a navigation (an <img> on another site) is refused,
// so a page elsewhere cannot sign users out.
func (s *SignIn) serveLogout(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if r.Method == http.MethodGet {
		if m := r.Header.Get("Sec-Fetch-Mode"); m != "" && m != "navigate" {
			s.renderPage(w, r, http.StatusForbidden, page{Title: "Sign out from the app", Message: "Signing out needs a click on a link or button of the app."})
			return
		}
	} else if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
		s.renderPage(w, r, http.StatusForbidden, page{Title: "Sign out from the app", Message: "Signing out needs a click on a link or button of the app."})
		return
	}
	o, err := s.originFor(r)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, pageConfig, err)
		return
	}
	q := r.URL.Query()
	returnTo := s.cfg.AfterLogout
	back := !q.Has(paramTarget) && q.Has("state") // back from the provider
	switch t := q.Get(paramTarget); {
	case back:
		t = q.Get("state")
		fallthrough
	case t != "":
		if safeReturn(t) != "" {
			returnTo = s.returnTarget(t)
		}
	}
	sess, key := s.readSession(r, o)
	if key != "" {
		if err := s.cfg.Store.Delete(r.Context(), key); err != nil {
			s.log.ErrorContext(r.Context(), "signin: delete session", "err", err)
		}
	}
	s.clearSessionCookies(w, r, o)
	if back || s.disc.EndSessionEndpoint == "" || s.cfg.LocalLogout {
		http.Redirect(w, r, returnTo, http.StatusSeeOther)
		return
	}
	end, err := url.Parse(s.disc.EndSessionEndpoint)
	if err != nil {
		http.Redirect(w, r, returnTo, http.StatusSeeOther)
		return
	}
	p := end.Query()
	p.Set("client_id", s.cfg.ClientID)
	p.Set("post_logout_redirect_uri", o.url(s.LogoutPath()))
	p.Set("state", returnTo)
	if sess != nil && sess.IDToken != "" {
		p.Set("id_token_hint", sess.IDToken)
	}
	end.RawQuery = p.Encode()
	http.Redirect(w, r, end.String(), http.StatusSeeOther)
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}
