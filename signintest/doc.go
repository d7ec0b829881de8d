// Package signintest starts a real hubid provider in-process for tests of
// apps that use package signin: an httptest.Server running the same
// provider as "hubid dev", on SQLite in the test's temporary directory,
// with signing keys, a seeded user (Username, Password) who belongs to the
// organization OrgName, and a confidential OAuth app whose redirect URIs
// fit a test server on 127.0.0.1 or localhost (any port, default callback
// path) or, with WithSpaceHosts or AllowHosts, any URL on given hosts, as
// for a Space.
//
//	p := signintest.NewProvider(t)
//	s, err := signin.New(ctx, p.Config())
//	app := httptest.NewServer(myHandler(s))
//	page := p.Browser(t).Get(app.URL + "/login/huggingface?_target_url=/me")
//
// A Browser signs in the way a person would (the provider's sign-in form,
// then "Allow" on the consent page), keeping cookies in a jar; Authorize
// stops at the callback so that a test can tamper with it. Clock is a
// settable clock to share between the provider and the app. TestStore is
// a conformance suite for a custom signin.Store.
//
// It owns nothing of the provider: it wires hubid's internal packages
// together as the hubid command does, and may import them because it is
// part of the same module. It must not be imported by non-test code: it
// depends on package testing and on the whole provider.
package signintest
