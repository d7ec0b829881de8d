package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
)

// Consents runs the tests of consents.
func Consents(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Consents", x.consents},
	})
}

func (x suite) consents(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p1 := seed(t, s)
	p2 := app(2)
	must(t, s.CreateApp(ctx, p2))

	c1 := store.Consent{UserID: a.ID, ClientID: p1.ClientID, Scopes: []string{"openid", "profile", "email"},
		Orgs: []string{"0123456789abcdef0000aaaa", "0123456789abcdef0000bbbb"}, CreatedAt: t0, UpdatedAt: t0.In(cet)}
	c2 := store.Consent{UserID: a.ID, ClientID: p2.ClientID, Scopes: []string{"openid"}, CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour)}
	c3 := store.Consent{UserID: b.ID, ClientID: p1.ClientID, Scopes: []string{"openid", "profile"}, CreatedAt: t0, UpdatedAt: t0}
	for _, c := range []store.Consent{c1, c2, c3} {
		must(t, s.PutConsent(ctx, c))
	}
	got, err := s.Consent(ctx, a.ID, p1.ClientID)
	must(t, err)
	diff(t, "Consent", c1, got)

	// PutConsent replaces: scopes and orgs are not merged.
	c1.Scopes = []string{"openid", "read-repos"}
	c1.Orgs = []string{"0123456789abcdef0000cccc"}
	c1.UpdatedAt = at(2 * time.Hour)
	must(t, s.PutConsent(ctx, c1))
	got, err = s.Consent(ctx, a.ID, p1.ClientID)
	must(t, err)
	diff(t, "Consent after replace", c1, got)

	byClient := cmpopts.SortSlices(func(x, y store.Consent) bool { return x.ClientID < y.ClientID })
	list, err := s.ListConsents(ctx, a.ID)
	must(t, err)
	diff(t, "ListConsents", []store.Consent{c1, c2}, list, byClient)

	must(t, s.DeleteConsent(ctx, a.ID, p1.ClientID))
	_, err = s.Consent(ctx, a.ID, p1.ClientID)
	wantErr(t, "Consent after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteConsent again", s.DeleteConsent(ctx, a.ID, p1.ClientID), store.ErrNotFound)
	list, err = s.ListConsents(ctx, a.ID)
	must(t, err)
	diff(t, "ListConsents after delete", []store.Consent{c2}, list)
	got, err = s.Consent(ctx, b.ID, p1.ClientID)
	must(t, err)
	diff(t, "other user's consent", c3, got)

	// SetGrantOrgs changes the consent's orgs and those of the app's live
	// tokens for the user, and nothing else.
	tokA, tokOther, tokB := accessToken("at-a", p1, a), accessToken("at-p2", p2, a), accessToken("at-b", p1, b)
	tokRevoked := accessToken("at-revoked", p1, a)
	for _, tok := range []*store.Token{&tokA, &tokOther, &tokB, &tokRevoked} {
		tok.Orgs = []string{"0123456789abcdef0000aaaa"}
		must(t, s.CreateToken(ctx, *tok))
	}
	_, err = s.RevokeTokens(ctx, store.TokenFilter{Hash: tokRevoked.Hash}, at(time.Hour))
	must(t, err)
	newOrgs := []string{"0123456789abcdef0000bbbb", "0123456789abcdef0000cccc"}
	must(t, s.SetGrantOrgs(ctx, a.ID, p2.ClientID, nil))
	must(t, s.SetGrantOrgs(ctx, b.ID, p1.ClientID, newOrgs))
	got, err = s.Consent(ctx, b.ID, p1.ClientID)
	must(t, err)
	diff(t, "consent orgs after SetGrantOrgs", newOrgs, got.Orgs)
	for _, c := range []struct {
		tok  store.Token
		want []string
	}{{tokB, newOrgs}, {tokA, tokA.Orgs}, {tokOther, nil}, {tokRevoked, tokRevoked.Orgs}} {
		stored, err := s.Token(ctx, c.tok.Hash)
		must(t, err)
		diff(t, "token orgs after SetGrantOrgs", c.want, stored.Orgs)
	}
	wantErr(t, "SetGrantOrgs without consent", s.SetGrantOrgs(ctx, b.ID, p2.ClientID, newOrgs), store.ErrNotFound)

	wantErr(t, "PutConsent unknown user", s.PutConsent(ctx, store.Consent{UserID: "nobody", ClientID: p1.ClientID}), store.ErrNotFound)
	wantErr(t, "PutConsent unknown app", s.PutConsent(ctx, store.Consent{UserID: a.ID, ClientID: "nope"}), store.ErrNotFound)
	_, err = s.Consent(ctx, a.ID, "nope")
	wantErr(t, "Consent unknown", err, store.ErrNotFound)
}
