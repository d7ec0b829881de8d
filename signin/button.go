package signin

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
)

// buttonStyle is the look of HF's "Sign in with Hugging Face" badge: a
// dark, rounded button with a smiling face and white bold text. The link
// keeps the browser's focus ring.
const buttonStyle = "display:inline-flex;align-items:center;gap:.5em;padding:.55em 1.1em;border-radius:.6em;" +
	"background:#000;color:#fff;border:1px solid #000;font:600 15px/1.2 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;" +
	"text-decoration:none;white-space:nowrap"

const srOnlyStyle = "position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0"

// buttonFace is the button's face, drawn inline as SVG rather than the 🤗
// emoji, which shows as an empty box where no emoji font is installed: a
// yellow face with closed, smiling eyes, an open smile and two hands
// raised at its chin. Decorative (aria-hidden), sized with the text.
const buttonFace = `<svg aria-hidden="true" focusable="false" width="1.3em" height="1.3em" viewBox="0 0 32 32">` +
	`<circle cx="16" cy="15" r="13" fill="#ffcc33"/>` +
	`<path d="M9.5 12.5q2-2.5 4 0M18.5 12.5q2-2.5 4 0" fill="none" stroke="#3a2a10" stroke-width="1.8" stroke-linecap="round"/>` +
	`<path d="M10 17.5q6 6 12 0z" fill="#3a2a10"/>` +
	`<ellipse cx="7.5" cy="24" rx="4" ry="3" fill="#f5a623" stroke="#3a2a10" stroke-width="1"/>` +
	`<ellipse cx="24.5" cy="24" rx="4" ry="3" fill="#f5a623" stroke="#3a2a10" stroke-width="1"/>` +
	`</svg>`

var buttonTemplate = template.Must(template.New("button").Parse(
	`<a class="hf-signin{{if .Username}} hf-signout{{end}}" href="{{.Href}}"{{if .NewTab}} target="_blank" rel="noopener"{{end}} style="{{.Style}}">` +
		buttonFace +
		`<span>{{if .Username}}Sign out @{{.Username}}{{else if .SignedIn}}Sign out{{else}}Sign in with HF{{end}}</span>` +
		`{{if .NewTab}}<span style="{{.SROnly}}"> (opens in a new tab)</span>{{end}}</a>`))

type buttonData struct {
	Href     string
	NewTab   bool
	SignedIn bool
	Username string
	Style    template.CSS
	SROnly   template.CSS
}

// LoginButton renders the "Sign in with HF" button for the request: a
// real link (keyboard and screen-reader friendly) styled like HF's badge,
// that starts a login returning to the current page; or, when a user is
// signed in, "Sign out @username", which logs out and comes back.
//
// Inside the Spaces iframe the login opens in a new tab (target="_blank",
// rel="noopener"), as HF advises, because third-party cookies are often
// blocked there. The server learns that the page is framed from the
// browser's Sec-Fetch-Dest: iframe request header (sent by Chromium,
// Firefox and Safari 16.4+); without it the link stays in the same tab,
// which is right outside a frame. The button thus depends on the user and
// on framing: do not cache pages carrying it in shared caches (or send
// Vary: Cookie, Sec-Fetch-Dest).
//
// The markup has the classes hf-signin (and hf-signout) and inline styles,
// so it needs no stylesheet; a strict Content-Security-Policy must allow
// inline style attributes ('unsafe-inline' in style-src) for the look.
func (s *SignIn) LoginButton(r *http.Request) template.HTML {
	d := buttonData{Style: template.CSS(buttonStyle), SROnly: template.CSS(srOnlyStyle)}
	target := s.cfg.Prefix + "/"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target = s.returnTarget(r.URL.RequestURI())
	}
	if u := s.User(r); u != nil {
		d.SignedIn = true
		d.Username = u.Username
		d.Href = s.LogoutPath() + "?" + url.Values{paramTarget: {target}}.Encode()
	} else {
		d.Href = s.loginURL(target, 0, false)
		d.NewTab = framed(r)
	}
	var buf bytes.Buffer
	if err := buttonTemplate.Execute(&buf, d); err != nil {
		s.log.Error("signin: render button", "err", err)
		return ""
	}
	return template.HTML(buf.String())
}
