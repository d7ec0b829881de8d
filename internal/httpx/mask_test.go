package httpx

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubid/hubid/oidc"
)

func TestMaskTokens(t *testing.T) {
	for in, want := range map[string]string{
		`grant_type "hf_oauth_CCB4ZI4HF2AMA5XVCKMWKKXEAQ5NNBEI" is not supported`:                          `grant_type "hf_o…[37 characters hidden]" is not supported`,
		`unknown scope "hf_ABCDEFGHIJKLMNOPQRSTUVWX2345"; valid scopes are: openid write-network-security`: `unknown scope "hf_A…[27 characters hidden]"; valid scopes are: openid write-network-security`,
		`response_type "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"`:                             `response_type "eyJh…[16 characters hidden].eyJz…[23 characters hidden].sig"`,
		`grant_type "urn:ietf:params:oauth:grant-type:device_code" is not supported`:                       `grant_type "urn:ietf:params:oauth:grant-type:device_code" is not supported`,
		"": "", "only members of the organization acme may sign in; @alice is not a member": "only members of the organization acme may sign in; @alice is not a member",
	} {
		if got := MaskTokens(in); got != want {
			t.Errorf("MaskTokens(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// TestLogErrorMasksTokens: a token a client put into the wrong parameter
// is echoed to the client but never written to the log.
func TestLogErrorMasksTokens(t *testing.T) {
	var buf bytes.Buffer
	r := httptest.NewRequest("POST", "/oauth/token", nil)
	r = r.WithContext(context.WithValue(r.Context(), loggerKey{}, slog.New(slog.NewTextHandler(&buf, nil))))
	const tok = "hf_oauth_refresh_2O7ZFTNMOZWMYBZZI67JFA67BQ4YCTHF"
	LogError(r, oidc.NewError(oidc.CodeUnsupportedGrantType, `grant_type "`+tok+`" is not supported`))
	if strings.Contains(buf.String(), tok[8:]) || !strings.Contains(buf.String(), "unsupported_grant_type") {
		t.Errorf("the log line %q holds the token, or not the error", buf.String())
	}
}
