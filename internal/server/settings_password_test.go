package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubid/hubid/internal/limits"
)

const newAlicePassword = "a brand new passphrase"

// passwordForm returns the browser's password form, filled.
func (b *browser) passwordForm(current, pw, confirm string) url.Values {
	b.h.t.Helper()
	_, page := b.get("/settings/password")
	f := formsFor(page, "/settings/password")
	if len(f) != 1 {
		b.h.t.Fatalf("the password page has %d forms: %.600s", len(f), page)
	}
	f[0].Set("current_password", current)
	f[0].Set("new_password", pw)
	f[0].Set("confirm_password", confirm)
	return f[0]
}

// signedIn reports whether the browser's session is live: the tokens page
// answers rather than sending it to the login page.
func (b *browser) signedIn() bool {
	b.h.t.Helper()
	resp, _ := b.get("/settings/tokens")
	return resp.Request.URL.Path == "/settings/tokens"
}

func (h *hub) aliceHash() string {
	h.t.Helper()
	u, err := h.db.User(context.Background(), h.alice.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return u.PasswordHash
}

// TestPasswordPage: a change with the right current password: the new
// password signs in and the old does not; alice's other browsers are
// signed out, this one stays signed in, bob is untouched, and her access
// token keeps working.
func TestPasswordPage(t *testing.T) {
	h := newHub(t)
	b := h.browser()
	if resp, body := b.get("/settings/password"); resp.Request.URL.Path != "/login" || !strings.Contains(body, `name="password"`) {
		t.Fatalf("signed out: want the login page, got %s %.200s", resp.Request.URL, body)
	}
	b.login("alice", alicePassword)
	other := h.browser()
	other.login("alice", alicePassword)
	bob := h.browser()
	bob.signIn(h.bob)
	_, body := b.createToken("laptop", "read", "30")
	tok := newTokenOn(body)

	_, page := b.get("/")
	if !strings.Contains(page, `href="/settings/password"`) {
		t.Errorf("the home page does not link the password page: %.600s", page)
	}
	_, page = b.get("/settings/password")
	for _, want := range []string{`<label for="current-password">`, `<label for="new-password">`, `<label for="confirm-password">`, `autocomplete="new-password"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s: %s", want, page)
		}
	}

	resp, body := b.postForm("/settings/password", b.passwordForm(alicePassword, newAlicePassword, newAlicePassword))
	if resp.StatusCode != 200 || resp.Request.URL.RequestURI() != "/settings/password?changed=1" || !strings.Contains(body, "Your password was changed") || !strings.Contains(body, "@alice") {
		t.Fatalf("change: %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}
	if !b.signedIn() {
		t.Error("the browser that changed the password was signed out")
	}
	if other.signedIn() {
		t.Error("alice's other browser is still signed in")
	}
	if !bob.signedIn() {
		t.Error("bob was signed out")
	}
	if got := h.whoamiStatus(tok); got != 200 {
		t.Errorf("alice's access token after the change: whoami-v2 %d, want 200 (tokens stay)", got)
	}
	resp, body = h.browser().postForm("/login", url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {"/"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password still signs in: %d %.200s", resp.StatusCode, body)
	}
	h.browser().login("alice", newAlicePassword)
}

// TestPasswordPageBadInput: each bad form answers 422 with a message next
// to its field (aria-describedby), never echoes a password, and changes
// nothing: the stored hash stays, no session ends.
func TestPasswordPageBadInput(t *testing.T) {
	h := newHub(t)
	b := h.browser()
	b.login("alice", alicePassword)
	other := h.browser()
	other.login("alice", alicePassword)
	before := h.aliceHash()
	for _, tc := range []struct {
		name, current, pw, confirm string
		field, msg                 string
	}{
		{"wrong current password", "wrong horse battery", newAlicePassword, newAlicePassword, "current-password", "The current password is not right."},
		{"no current password", "", newAlicePassword, newAlicePassword, "current-password", "Enter your current password."},
		{"mismatch", alicePassword, newAlicePassword, newAlicePassword + "!", "confirm-password", "The two new passwords differ"},
		{"too short", alicePassword, "x1y2z", "x1y2z", "new-password", "password is too short: 5 characters, use at least 8"},
		{"no new password", alicePassword, "", "", "new-password", "Enter a new password."},
		{"same as current", alicePassword, alicePassword, alicePassword, "new-password", "The new password is the same as the current one."},
	} {
		resp, body := b.postForm("/settings/password", b.passwordForm(tc.current, tc.pw, tc.confirm))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<p id="`+tc.field+`-error" class="error">`+tc.msg) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
			continue
		}
		if !strings.Contains(body, `id="`+tc.field+`"`) || !strings.Contains(body, tc.field+`-error"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%s: the message is not tied to its field: %s", tc.name, body)
		}
		if !strings.Contains(body, `aria-describedby="`+tc.field+`-error"`) && !strings.Contains(body, `aria-describedby="`+tc.field+`-hint `+tc.field+`-error"`) {
			t.Errorf("%s: no aria-describedby for %s: %s", tc.name, tc.field, body)
		}
		for _, pw := range []string{tc.current, tc.pw, tc.confirm} {
			if pw != "" && strings.Contains(body, pw) {
				t.Errorf("%s: the page echoes a password", tc.name)
			}
		}
		if h.aliceHash() != before || !b.signedIn() || !other.signedIn() {
			t.Fatalf("%s changed something: hash changed %v, signed in %v/%v", tc.name, h.aliceHash() != before, b.signedIn(), other.signedIn())
		}
	}
	h.browser().login("alice", alicePassword)
}

// TestPasswordPageForged: a forged token, another session's form and a
// cross-origin post are refused with 403, and the password stays.
func TestPasswordPageForged(t *testing.T) {
	h := newHub(t)
	alice := h.browser()
	alice.signIn(h.alice)
	bob := h.browser()
	bob.signIn(h.bob)
	before := h.aliceHash()

	f := alice.passwordForm(alicePassword, newAlicePassword, newAlicePassword)
	forged := url.Values{}
	for k, v := range f {
		forged[k] = v
	}
	forged.Set("token", "forged")
	if resp, _ := alice.postForm("/settings/password", forged); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged token: %d", resp.StatusCode)
	}
	// Alice's form posted from bob's session: bound to the session.
	bf := bob.passwordForm(bobPassword, newAlicePassword, newAlicePassword)
	bf.Set("token", f.Get("token"))
	if resp, _ := bob.postForm("/settings/password", bf); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's form: %d", resp.StatusCode)
	}
	hdr := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	if resp, _ := alice.send("POST", "/settings/password", f.Encode(), hdr); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin post: %d", resp.StatusCode)
	}
	if h.aliceHash() != before {
		t.Error("a refused form changed the password")
	}
}

// TestPasswordPageLimit: wrong current passwords count against the sign-in
// limit for the user and IP, so a stolen session cannot guess the password
// faster than the login form allows.
func TestPasswordPageLimit(t *testing.T) {
	h := limitedHub(t, false, map[limits.Kind]int{limits.LoginUserIP: 2, limits.LoginIP: 100})
	b := h.browser()
	b.signIn(h.alice)
	for range 2 {
		if resp, body := b.postForm("/settings/password", b.passwordForm("wrong horse battery", newAlicePassword, newAlicePassword)); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password: %d %.300s", resp.StatusCode, body)
		}
	}
	resp, body := b.postForm("/settings/password", b.passwordForm(alicePassword, newAlicePassword, newAlicePassword))
	wantTooManyPage(t, resp, body, "Too many attempts")
	if resp, body := b.postForm("/login", url.Values{"username": {"alice"}, "password": {alicePassword}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the login form after the guesses: %d %.200s, want 429 (one budget)", resp.StatusCode, body)
	}
}
