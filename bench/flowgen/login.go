package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// A loginAdapter fills in a provider's login or consent form. Setup
// walks the browser from the authorization request through the provider's
// pages: it follows redirects on the provider's origin and, on each HTML
// page, submits the page's POST form with the hidden fields as served
// plus what the adapter adds. fill gets the form's fields and the whole
// page; it returns the fields to send, or an error when the page is not
// one it knows.
type loginAdapter struct {
	name string
	fill func(f form, page, username, password string) (url.Values, error)
}

var adapters = map[string]loginAdapter{
	// hubid: /login has username, password and a hidden next; the consent
	// page has the authorization parameters and consent_token as hidden
	// fields and two submit buttons, consent=deny and consent=allow.
	"hubid": {"hubid", func(f form, page, user, pw string) (url.Values, error) {
		v := f.hidden
		switch {
		case f.has("password"):
			v.Set("username", user)
			v.Set("password", pw)
		case f.has("consent_token"):
			v.Set("consent", "allow")
		default:
			return nil, fmt.Errorf("a form that is neither hubid's login nor its consent page (action %q)", f.action)
		}
		return v, nil
	}},
	// oidc-provider's devInteractions (lib/views/login.js, interaction.js):
	// the login form posts prompt=login with any login and password; the
	// consent form posts prompt=consent ("Continue").
	"devinteractions": {"devinteractions", func(f form, page, user, pw string) (url.Values, error) {
		v := f.hidden
		switch v.Get("prompt") {
		case "login":
			v.Set("login", user)
			v.Set("password", pw)
		case "consent":
		default:
			return nil, fmt.Errorf("a form without prompt=login or prompt=consent (action %q)", f.action)
		}
		return v, nil
	}},
}

// form is the first POST form of an HTML page.
type form struct {
	action string
	hidden url.Values // type=hidden inputs with their values
	names  []string   // every named input, select, textarea or button
}

func (f form) has(name string) bool {
	for _, n := range f.names {
		if n == name {
			return true
		}
	}
	return false
}

var (
	formRE  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	fieldRE = regexp.MustCompile(`(?is)<(input|button|select|textarea)\b([^>]*)>`)
	attrRE  = regexp.MustCompile(`(?is)([a-z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2] + a[3] + a[4])
	}
	return m
}

// parseForm finds the first form with method=post in page. This is enough
// for the login pages flowgen knows (server-rendered, no JavaScript).
func parseForm(page string) (form, error) {
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		fa := attrs(m[1])
		if !strings.EqualFold(fa["method"], "post") {
			continue
		}
		f := form{action: fa["action"], hidden: url.Values{}}
		for _, in := range fieldRE.FindAllStringSubmatch(m[2], -1) {
			a := attrs(in[2])
			name := a["name"]
			if name == "" {
				continue
			}
			f.names = append(f.names, name)
			if strings.EqualFold(in[1], "input") && strings.EqualFold(a["type"], "hidden") {
				f.hidden.Set(name, a["value"])
			}
		}
		return f, nil
	}
	return form{}, errors.New("no POST form on the page")
}

// login gives the worker's browser a session: it starts an authorization
// request and walks the provider's login and consent pages until the
// provider redirects to the client with a code. The code is left unused;
// consent is now granted for this session (and the user), so measured
// flows go straight from authorize to the code.
func (c *client) login(ctx context.Context, ad loginAdapter, state, nonce string) error {
	origin, _ := url.Parse(c.p.AuthzURL)
	next, _ := url.Parse(c.authorizeURL(state, nonce))
	method, body := http.MethodGet, ""
	for hop := 0; hop < 12; hop++ {
		req, _ := http.NewRequestWithContext(ctx, method, next.String(), strings.NewReader(body))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// What a browser sends with a same-origin form post.
			req.Header.Set("Origin", origin.Scheme+"://"+origin.Host)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		resp, err := c.browser.Do(req)
		if err != nil {
			return fmt.Errorf("login: %s %s: %v", method, next.Redacted(), err)
		}
		page := string(drain(resp))
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Location()
			if err != nil {
				return fmt.Errorf("login: %s from %s without Location", resp.Status, next.Redacted())
			}
			if c.isRedirectURI(loc) {
				if _, err := c.codeFrom(loc, state); err != nil {
					return fmt.Errorf("login: %v", err)
				}
				return nil
			}
			if loc.Host != origin.Host {
				return fmt.Errorf("login: redirect off the provider to %s", loc.Redacted())
			}
			next, method, body = loc, http.MethodGet, ""
		case resp.StatusCode == http.StatusOK:
			f, err := parseForm(page)
			if err != nil {
				return fmt.Errorf("login: %s: %v: %.300s", next.Redacted(), err, page)
			}
			v, err := ad.fill(f, page, c.cfg.username, c.cfg.password)
			if err != nil {
				return fmt.Errorf("login (%s adapter): %s: %v", ad.name, next.Redacted(), err)
			}
			to, err := next.Parse(f.action)
			if err != nil {
				return fmt.Errorf("login: form action %q: %v", f.action, err)
			}
			next, method, body = to, http.MethodPost, v.Encode()
		default:
			return fmt.Errorf("login: %s %s: %s: %.500s", method, next.Redacted(), resp.Status, page)
		}
	}
	return errors.New("login: more than 12 pages and redirects without reaching the redirect_uri")
}
