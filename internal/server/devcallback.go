package server

import (
	"net/http"
	"strings"
)

// DevCallbackPath is the built-in callback page of `hubid dev`: a redirect
// URI of the demo app on the hub itself, so signing in by hand ends on a
// page that shows the code and how to redeem it, not on a closed port.
const DevCallbackPath = "/dev/callback"

// devCallbackBody is what devcallback.html shows.
type devCallbackBody struct {
	Code, State      string
	Error, ErrorDesc string
	ClientID         string
	// Curl is the token request, ready to paste into a shell.
	Curl        string
	UserinfoURL string
}

// serveDevCallback shows what the hub sent to the redirect URI: the code
// and the state (or the error), and a curl for the token request with the
// demo app's client id and the secret as $OAUTH_CLIENT_SECRET, never the
// secret itself. Everything shown comes from the query, so the template
// escapes it and the curl quotes it for the shell.
func (s *Server) serveDevCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	b := devCallbackBody{
		Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error"), ErrorDesc: q.Get("error_description"),
		ClientID: s.devClientID, UserinfoURL: s.issuer + "/oauth/userinfo",
	}
	title := "Authorization code received"
	switch {
	case b.Error != "":
		title = "The app was not authorized"
	case b.Code == "":
		title = "No authorization code"
	default:
		user := `"` + b.ClientID + `:$OAUTH_CLIENT_SECRET"`
		if shellWord(b.ClientID) != b.ClientID {
			user = shellWord(b.ClientID) + `":$OAUTH_CLIENT_SECRET"`
		}
		b.Curl = "curl -s -u " + user + " " + shellWord(s.issuer+"/oauth/token") + " \\\n" +
			"  -d grant_type=authorization_code --data-urlencode code=" + shellWord(b.Code) + " \\\n" +
			"  --data-urlencode redirect_uri=" + shellWord(s.issuer+DevCallbackPath)
	}
	s.render(w, r, http.StatusOK, "devcallback.html", pageData{Title: title, Body: b})
}

// shellWord writes s as one word of a POSIX shell command: as it is when
// it holds only characters no shell treats specially (not even a tilde),
// otherwise in single quotes, where each single quote of s closes the
// quotes, adds an escaped quote and opens them again.
func shellWord(s string) string {
	plain := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._/:@%+,=", c)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
