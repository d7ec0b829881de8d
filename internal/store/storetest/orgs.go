package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubid/hubid/internal/store"
)

// Orgs runs the tests of orgs and of users' memberships in them.
func Orgs(t *testing.T, open func(t *testing.T) store.Store) {
	x := suite{open: open}
	run(t, []test{
		{"Orgs", x.orgs},
		{"Memberships", x.memberships},
		{"LeavingDropsOrgGrants", x.leavingDropsOrgGrants},
	})
}

// leavingDropsOrgGrants: a user who leaves an org takes it out of the org
// grants of their consents and live tokens at once; other users' grants
// and other orgs stay.
func (x suite) leavingDropsOrgGrants(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b, p := seed(t, s)
	acme, zeta := org("0a0000000000000000000001", "acme"), org("0a0000000000000000000002", "zeta")
	must(t, s.CreateOrg(ctx, acme))
	must(t, s.CreateOrg(ctx, zeta))
	for _, u := range []store.User{a, b} {
		must(t, s.SetMember(ctx, acme.ID, u.ID, store.RoleRead))
		must(t, s.SetMember(ctx, zeta.ID, u.ID, store.RoleRead))
		must(t, s.PutConsent(ctx, store.Consent{UserID: u.ID, ClientID: p.ClientID, Scopes: []string{"read-repos"}, Orgs: []string{acme.ID, zeta.ID}, CreatedAt: t0, UpdatedAt: t0}))
	}
	tokA, tokB, tokOnly := accessToken("at-a", p, a), accessToken("at-b", p, b), accessToken("at-only", p, a)
	tokA.Orgs, tokB.Orgs, tokOnly.Orgs = []string{acme.ID, zeta.ID}, []string{acme.ID, zeta.ID}, []string{acme.ID}
	for _, tok := range []store.Token{tokA, tokB, tokOnly} {
		must(t, s.CreateToken(ctx, tok))
	}

	must(t, s.SetMember(ctx, acme.ID, a.ID, ""))

	orgsOf := func(what string, got []string, err error, want []string) {
		t.Helper()
		must(t, err)
		diff(t, what, want, got)
	}
	c, err := s.Consent(ctx, a.ID, p.ClientID)
	orgsOf("alice's consent orgs", c.Orgs, err, []string{zeta.ID})
	c, err = s.Consent(ctx, b.ID, p.ClientID)
	orgsOf("bob's consent orgs", c.Orgs, err, []string{acme.ID, zeta.ID})
	tok, err := s.Token(ctx, tokA.Hash)
	orgsOf("alice's token orgs", tok.Orgs, err, []string{zeta.ID})
	tok, err = s.Token(ctx, tokOnly.Hash)
	orgsOf("alice's acme-only token orgs", tok.Orgs, err, nil)
	tok, err = s.Token(ctx, tokB.Hash)
	orgsOf("bob's token orgs", tok.Orgs, err, []string{acme.ID, zeta.ID})

	// Rejoining does not bring the grant back.
	must(t, s.SetMember(ctx, acme.ID, a.ID, store.RoleRead))
	c, err = s.Consent(ctx, a.ID, p.ClientID)
	orgsOf("alice's consent orgs after rejoining", c.Orgs, err, []string{zeta.ID})
}

func (x suite) orgs(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	acme, zeta := org("0a0000000000000000000001", "Acme"), org("0a0000000000000000000002", "zeta")
	acme.CanPay = true
	zeta.Plan, zeta.FullName, zeta.AvatarURL, zeta.CreatedAt = "", "", "", time.Time{}
	must(t, s.CreateOrg(ctx, acme))
	must(t, s.CreateOrg(ctx, zeta))
	byID, err := s.Org(ctx, acme.ID)
	must(t, err)
	diff(t, "Org by id", acme, byID)
	_, err = s.Org(ctx, "0a0000000000000000000009")
	wantErr(t, "Org unknown id", err, store.ErrNotFound)
	for _, name := range []string{"Acme", "acme", "ACME"} {
		got, err := s.OrgByName(ctx, name)
		must(t, err)
		diff(t, "OrgByName("+name+")", acme, got)
	}
	got, err := s.OrgByName(ctx, "Zeta")
	must(t, err)
	diff(t, "OrgByName(Zeta)", zeta, got)
	list, err := s.ListOrgs(ctx)
	must(t, err)
	diff(t, "ListOrgs", []store.Org{acme, zeta}, list, cmpopts.SortSlices(func(x, y store.Org) bool { return x.ID < y.ID }))

	dupID := org(acme.ID, "other")
	wantErr(t, "CreateOrg same ID", s.CreateOrg(ctx, dupID), store.ErrAlreadyExists)
	dupName := org("0a0000000000000000000003", "aCmE")
	wantErr(t, "CreateOrg same name", s.CreateOrg(ctx, dupName), store.ErrAlreadyExists)
	_, err = s.OrgByName(ctx, "nobody")
	wantErr(t, "OrgByName unknown", err, store.ErrNotFound)
}

func (x suite) memberships(t *testing.T) {
	s, ctx := x.open(t), t.Context()
	a, b := alice(), bob()
	must(t, s.CreateUser(ctx, a))
	must(t, s.CreateUser(ctx, b))
	zeta, alpha, mid := org("0a0000000000000000000001", "zeta"), org("0a0000000000000000000002", "alpha"), org("0a0000000000000000000003", "mid")
	for _, o := range []store.Org{zeta, alpha, mid} {
		must(t, s.CreateOrg(ctx, o))
	}
	must(t, s.SetMember(ctx, zeta.ID, a.ID, store.RoleRead))
	must(t, s.SetMember(ctx, alpha.ID, a.ID, store.RoleAdmin))
	must(t, s.SetMember(ctx, mid.ID, a.ID, store.RoleContributor))
	must(t, s.SetMember(ctx, mid.ID, b.ID, store.RoleWrite))

	check := func(what string, u store.User, want []store.Membership) {
		t.Helper()
		got, err := s.Memberships(ctx, u.ID)
		must(t, err)
		diff(t, what, want, got)
	}
	check("Memberships", a, []store.Membership{{Org: alpha, Role: store.RoleAdmin}, {Org: mid, Role: store.RoleContributor}, {Org: zeta, Role: store.RoleRead}})
	check("Memberships of bob", b, []store.Membership{{Org: mid, Role: store.RoleWrite}})

	// Setting again changes the role; "" removes, and removing again is fine.
	must(t, s.SetMember(ctx, zeta.ID, a.ID, store.RoleWrite))
	must(t, s.SetMember(ctx, alpha.ID, a.ID, ""))
	must(t, s.SetMember(ctx, alpha.ID, a.ID, ""))
	must(t, s.SetMember(ctx, alpha.ID, b.ID, ""))
	check("Memberships after changes", a, []store.Membership{{Org: mid, Role: store.RoleContributor}, {Org: zeta, Role: store.RoleWrite}})
	check("Memberships of bob after changes", b, []store.Membership{{Org: mid, Role: store.RoleWrite}})
	check("Memberships of unknown user", store.User{ID: "nobody"}, nil)

	wantErr(t, "SetMember unknown org", s.SetMember(ctx, "0a0000000000000000000009", a.ID, store.RoleRead), store.ErrNotFound)
	wantErr(t, "SetMember unknown user", s.SetMember(ctx, zeta.ID, "nobody", store.RoleRead), store.ErrNotFound)
	check("Memberships after failed SetMember", a, []store.Membership{{Org: mid, Role: store.RoleContributor}, {Org: zeta, Role: store.RoleWrite}})
}
