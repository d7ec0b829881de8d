package signin_test

import (
	"net/http"

	"github.com/hubid/hubid/signin"
	"github.com/hubid/hubid/signin/resource"
)

// The middleware convention of the package documentation, checked by the
// compiler: every middleware is a func(http.Handler) http.Handler.
var (
	_ func(http.Handler) http.Handler = (*signin.SignIn)(nil).RequireLogin
	_ func(http.Handler) http.Handler = (*signin.SignIn)(nil).RequireOrg("org")
	_ func(http.Handler) http.Handler = (*resource.Server)(nil).RequireScope("scope")
)
