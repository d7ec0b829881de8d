package grants

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubid/hubid/internal/store"
)

var (
	testKey  = bytes.Repeat([]byte{7}, CodeKeySize)
	otherKey = bytes.Repeat([]byte{8}, CodeKeySize)
	t0       = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)
)

func newCodes(t testing.TB, key []byte) *Codes {
	t.Helper()
	c, err := NewCodes(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sampleCode() store.AuthCode {
	return store.AuthCode{
		ClientID: "4c6e0cbe-8e3b-4f6a-9c62-1f0d6b2a7e11", UserID: "0123456789abcdef01234567",
		RedirectURI: "https://alice-app.hf.space/login/callback?_target_url=%2F%3F",
		Scopes:      []string{"openid", "profile", "read-repos"}, Orgs: []string{"0123456789abcdef0000aaaa"}, Nonce: "n-0S6_WzA2Mj",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		AuthTime:      t0.Add(-time.Hour), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute),
	}
}

// TestCodesRoundTrip: what is sealed opens unchanged, with the code's
// digest; two seals of the same grant are different codes.
func TestCodesRoundTrip(t *testing.T) {
	cs := newCodes(t, testKey)
	plain := store.AuthCode{ClientID: "app", UserID: "u", RedirectURI: "http://127.0.0.1:5000/cb", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	for name, c := range map[string]store.AuthCode{"full": sampleCode(), "no nonce, no PKCE, no auth_time": plain} {
		code, digest, err := cs.Seal(c)
		if err != nil {
			t.Fatal(err)
		}
		if digest != store.Hash(code) {
			t.Errorf("%s: digest is not the code's hash", name)
		}
		if strings.ContainsAny(code, "+/=") {
			t.Errorf("%s: code %q is not unpadded base64url", name, code)
		}
		got, err := cs.Open(code)
		if err != nil {
			t.Fatalf("%s: Open: %v", name, err)
		}
		want := c
		want.Hash = digest
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: opened code (-sealed +opened):\n%s", name, diff)
		}
		again, _, _ := cs.Seal(c)
		if again == code {
			t.Errorf("%s: sealing twice gave the same code", name)
		}
	}
}

// TestCodesRefused: anything but an intact code of this key is ErrBadCode.
func TestCodesRefused(t *testing.T) {
	cs := newCodes(t, testKey)
	code, _, err := cs.Seal(sampleCode())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(code)
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	otherKeyCode, _, _ := newCodes(t, otherKey).Seal(sampleCode())
	cases := map[string]string{
		"empty":              "",
		"not base64":         "!!!" + code,
		"padded":             code + "=",
		"truncated":          code[:len(code)-4],
		"only a prefix":      code[:20],
		"version byte":       flip(0),
		"GCM nonce":          flip(5),
		"ciphertext":         flip(len(raw) / 2),
		"tag":                flip(len(raw) - 1),
		"other key":          otherKeyCode,
		"random hubid token": "hf_oauth_" + strings.Repeat("A", 40),
		"huge":               strings.Repeat("A", maxCodeLen+1),
	}
	for name, c := range cases {
		if _, err := cs.Open(c); !errors.Is(err, ErrBadCode) {
			t.Errorf("%s: Open = %v, want ErrBadCode", name, err)
		}
	}
}

func TestNewCodesKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewCodes(make([]byte, n)); err == nil {
			t.Errorf("NewCodes with a %d-byte key succeeded", n)
		}
	}
}

// FuzzOpenCode: Open never panics, and whatever it accepts is a code
// sealed under its key, here only ever sampleCode (the fuzzer cannot forge
// one). The seed is sealed in each fuzzing process anew, with a new nonce,
// so the check is on what the code carries.
func FuzzOpenCode(f *testing.F) {
	cs := newCodes(f, testKey)
	code, _, _ := cs.Seal(sampleCode())
	f.Add(code)
	f.Add("")
	f.Add("AQ")
	f.Add(code[:30])
	f.Fuzz(func(t *testing.T, s string) {
		c, err := cs.Open(s)
		if err != nil {
			return
		}
		want := sampleCode()
		want.Hash = store.Hash(s)
		if diff := cmp.Diff(want, c); diff != "" {
			t.Fatalf("Open accepted %q as something never sealed (-sealed +opened):\n%s", s, diff)
		}
	})
}

func BenchmarkCodes(b *testing.B) {
	cs := newCodes(b, testKey)
	c := sampleCode()
	b.ReportAllocs()
	for b.Loop() {
		code, _, err := cs.Seal(c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cs.Open(code); err != nil {
			b.Fatal(err)
		}
	}
}
