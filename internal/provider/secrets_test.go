package provider_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/grants"
	"github.com/hubid/hubid/internal/provider"
	"github.com/hubid/hubid/internal/secretbox"
	"github.com/hubid/hubid/internal/store"
)

// TestDatabaseAloneForgesNoCode: with a secret key, what the database holds
// (the code key sealed, and the plaintext one an older hubid left behind)
// seals no code the token endpoint redeems; the key the provider really
// uses does, which shows the forgery itself is sound. Without sealing, the
// plaintext code-key in the database is the one in use and the first
// forgery succeeds.
func TestDatabaseAloneForgesNoCode(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	// A database from before sealing: its code key in the clear.
	legacy, err := db.Secret(ctx, "code-key", func() ([]byte, error) { return bytes.Repeat([]byte{'p'}, grants.CodeKeySize), nil })
	if err != nil {
		t.Fatal(err)
	}
	key, err := secretbox.NewKey(bytes.Repeat([]byte{9}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db, SecretKey: key, FailedLoginDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := db.CreateUser(ctx, store.User{ID: "0123456789abcdef01234567", Username: "victim", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	app := store.App{ClientID: "8b0e6a52-2f7e-4d4a-9d7c-0c7b3b1f5a11", Name: "rp", Public: true,
		RedirectURIs: []string{"https://rp.test/cb"}, TokenTTL: time.Hour, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	const verifier = "a-verifier-long-enough-for-pkce-0123456789abcdef"
	sum := sha256.Sum256([]byte(verifier))
	redeem := func(codeKey []byte) int {
		t.Helper()
		codes, err := grants.NewCodes(codeKey)
		if err != nil {
			t.Fatal(err)
		}
		code, _, err := codes.Seal(store.AuthCode{
			ClientID: app.ClientID, UserID: "0123456789abcdef01234567", RedirectURI: "https://rp.test/cb",
			Scopes: []string{"openid", "profile"}, CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Minute),
		})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://rp.test/cb"},
			"code_verifier": {verifier}, "client_id": {app.ClientID}}
		req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, req)
		return rec.Code
	}

	if got := redeem(legacy); got != 400 {
		t.Errorf("a code sealed with the plaintext code-key left in the database: status %d, want 400", got)
	}
	stored, err := db.Secret(ctx, secretbox.StoredName("code-key", key), func() ([]byte, error) { return nil, errors.New("no sealed code key") })
	if err != nil {
		t.Fatal(err)
	}
	if !secretbox.Sealed(stored) {
		t.Fatalf("the stored code key is not sealed: %q", stored)
	}
	if got := redeem(stored[len(stored)-grants.CodeKeySize:]); got != 400 {
		t.Errorf("a code sealed with bytes of the stored (sealed) code key: status %d, want 400", got)
	}
	inUse, err := key.Open("secret code-key", stored)
	if err != nil {
		t.Fatal(err)
	}
	if got := redeem(inUse); got != 200 {
		t.Fatalf("a code sealed with the key in use: status %d, want 200 (the forgery is not sound)", got)
	}
}

// TestNewRefusesOtherKey: a database sealed with one key is refused
// without a key and with another one, with an error that says which key
// it needs; with the right key it starts again.
func TestNewRefusesOtherKey(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	a, _ := secretbox.NewKey(bytes.Repeat([]byte{1}, secretbox.KeySize))
	b, _ := secretbox.NewKey(bytes.Repeat([]byte{2}, secretbox.KeySize))
	if _, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db, SecretKey: a}); err != nil {
		t.Fatal(err)
	}
	_, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db})
	if err == nil || !strings.Contains(err.Error(), "sealed (key id "+a.ID()+")") {
		t.Errorf("New without a key on a sealed database: %v; want an error naming key %s", err, a.ID())
	}
	_, err = provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db, SecretKey: b})
	if err == nil || !strings.Contains(err.Error(), "sealed with another key (id "+a.ID()) {
		t.Errorf("New with another key: %v; want an error naming key %s", err, a.ID())
	}
	if _, err := provider.New(ctx, provider.Config{Issuer: "http://hub.test", Store: db, SecretKey: a}); err != nil {
		t.Errorf("New with the right key again: %v", err)
	}
}
