package accounts

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hubid/hubid/internal/store"
)

func TestCreateOrg(t *testing.T) {
	tests := []struct {
		name    string
		spec    OrgSpec
		wantErr error
		msg     string // the whole message, when it matters
		want    store.Org
	}{
		{name: "ok", spec: OrgSpec{Name: "Big-Co", FullName: "Big Company", Plan: PlanEnterprise},
			want: store.Org{Name: "Big-Co", FullName: "Big Company", Plan: PlanEnterprise}},
		{name: "free-plan-no-full-name", spec: OrgSpec{Name: "club"}, want: store.Org{Name: "club", FullName: "club"}},
		{name: "team", spec: OrgSpec{Name: "team-x", Plan: PlanTeam}, want: store.Org{Name: "team-x", FullName: "team-x", Plan: PlanTeam}},
		{name: "user-has-the-name", spec: OrgSpec{Name: "alice"},
			wantErr: ErrNameTaken, msg: `"alice" is already a username; users and orgs share one namespace`},
		{name: "user-has-the-name-in-other-case", spec: OrgSpec{Name: "Alice"},
			wantErr: ErrNameTaken, msg: `"Alice" is already a username; users and orgs share one namespace`},
		{name: "org-has-the-name", spec: OrgSpec{Name: "ACME"},
			wantErr: ErrNameTaken, msg: `an org named "ACME" already exists`},
		{name: "empty-name", spec: OrgSpec{}, wantErr: ErrInvalidName},
		{name: "double-dash", spec: OrgSpec{Name: "a--b"}, wantErr: ErrInvalidName},
		{name: "reserved", spec: OrgSpec{Name: "api"}, wantErr: ErrInvalidName},
		{name: "bad-plan", spec: OrgSpec{Name: "club", Plan: "gold"},
			wantErr: ErrInvalidPlan, msg: `plan "gold": use team or enterprise, or leave it out`},
		{name: "plan-is-case-sensitive", spec: OrgSpec{Name: "club", Plan: "Team"}, wantErr: ErrInvalidPlan},
		{name: "bad-name-before-bad-plan", spec: OrgSpec{Name: "_club", Plan: "gold"}, wantErr: ErrInvalidName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newFakeStore()
			got, err := CreateOrg(ctx, st, tc.spec, now)
			checkErr(t, err, tc.wantErr, tc.msg)
			if tc.wantErr != nil {
				if len(st.users) != 1 || len(st.orgs) != 1 {
					t.Errorf("a refused org left %d users, %d orgs", len(st.users), len(st.orgs))
				}
				return
			}
			if len(got.ID) != 24 || !got.CreatedAt.Equal(now) {
				t.Errorf("id %q, created %v", got.ID, got.CreatedAt)
			}
			tc.want.ID, tc.want.CreatedAt = got.ID, got.CreatedAt
			if got != tc.want {
				t.Errorf("CreateOrg = %+v, want %+v", got, tc.want)
			}
			if stored, err := st.OrgByName(ctx, tc.spec.Name); err != nil || stored != got {
				t.Errorf("stored %+v, %v; want %+v", stored, err, got)
			}
		})
	}
	t.Run("name-taken-at-insert", func(t *testing.T) {
		st := newFakeStore()
		st.createErr = store.ErrAlreadyExists
		_, err := CreateOrg(ctx, st, OrgSpec{Name: "club"}, now)
		checkErr(t, err, ErrNameTaken, `an org named "club" already exists`)
	})
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  error
	}{
		{in: store.RoleAdmin, want: store.RoleAdmin},
		{in: store.RoleWrite, want: store.RoleWrite},
		{in: store.RoleContributor, want: store.RoleContributor},
		{in: store.RoleRead, want: store.RoleRead},
		{in: RoleNone, want: ""},
		{in: "", wantErr: ErrInvalidRole},
		{in: "Admin", wantErr: ErrInvalidRole},
		{in: "owner", wantErr: ErrInvalidRole},
	}
	for _, tc := range tests {
		got, err := ParseRole(tc.in)
		if got != tc.want || (tc.wantErr == nil) != (err == nil) || (err != nil && !errors.Is(err, tc.wantErr)) {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	_, err := ParseRole("boss")
	checkErr(t, err, ErrInvalidRole, `role "boss": use admin, write, contributor, read, or none to remove`)
}

// TestSetMemberRevokes: leaving an org revokes the user's tokens of the
// apps restricted to it, except those that admit another org the user is
// still a member of; joining or changing a role revokes nothing.
func TestSetMemberRevokes(t *testing.T) {
	st := newFakeStore()
	st.orgs["beta"] = store.Org{ID: "o-beta", Name: "beta"}
	st.apps = []store.App{
		{ClientID: "acme-only", AuthorizedOrgs: []string{"ACME"}},
		{ClientID: "acme-or-beta", AuthorizedOrgs: []string{"acme", "beta"}},
		{ClientID: "beta-only", AuthorizedOrgs: []string{"beta"}},
		{ClientID: "open"},
	}
	st.members[[2]string{"o-acme", "u-alice"}] = "read"
	st.members[[2]string{"o-beta", "u-alice"}] = "read"
	if _, _, n, err := SetMember(ctx, st, "acme", "alice", "write", time.Now()); err != nil || n != 0 || len(st.revoked) != 0 {
		t.Fatalf("a role change: %d, %v, revoked %v", n, err, st.revoked)
	}
	if _, _, n, err := SetMember(ctx, st, "acme", "alice", RoleNone, time.Now()); err != nil || n != 1 {
		t.Fatalf("leaving acme: %d, %v", n, err)
	}
	if want := []store.TokenFilter{{UserID: "u-alice", ClientID: "acme-only"}}; !slices.Equal(st.revoked, want) {
		t.Errorf("leaving acme (still in beta) revoked %v, want %v", st.revoked, want)
	}
	st.revoked = nil
	if _, _, _, err := SetMember(ctx, st, "beta", "alice", RoleNone, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := []store.TokenFilter{{UserID: "u-alice", ClientID: "acme-or-beta"}, {UserID: "u-alice", ClientID: "beta-only"}}
	if !slices.Equal(st.revoked, want) {
		t.Errorf("leaving beta (in no org now) revoked %v, want %v", st.revoked, want)
	}
}

func TestSetMember(t *testing.T) {
	tests := []struct {
		name, org, user, role string
		before                string // alice's role in acme before, "" for none
		after                 string
		wantErr               error
		msg                   string
	}{
		{name: "add", org: "acme", user: "alice", role: "write", after: "write"},
		{name: "other-case", org: "ACME", user: "Alice", role: "admin", after: "admin"},
		{name: "change", org: "acme", user: "alice", role: "read", before: "admin", after: "read"},
		{name: "remove", org: "acme", user: "alice", role: "none", before: "write"},
		{name: "remove-a-non-member", org: "acme", user: "alice", role: "none"},
		{name: "bad-role", org: "acme", user: "alice", role: "boss", before: "read", after: "read", wantErr: ErrInvalidRole},
		{name: "empty-role", org: "acme", user: "alice", role: "", before: "read", after: "read", wantErr: ErrInvalidRole},
		{name: "no-such-org", org: "nope", user: "alice", role: "read", wantErr: store.ErrNotFound, msg: `org "nope" not found`},
		{name: "a-user-is-no-org", org: "alice", user: "alice", role: "read", wantErr: store.ErrNotFound, msg: `org "alice" not found`},
		{name: "no-such-user", org: "acme", user: "nobody", role: "read", wantErr: store.ErrNotFound, msg: `user "nobody" not found`},
		{name: "org-missing-first", org: "nope", user: "nobody", role: "read", wantErr: store.ErrNotFound, msg: `org "nope" not found`},
		{name: "bad-role-first", org: "nope", user: "nobody", role: "boss", wantErr: ErrInvalidRole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newFakeStore()
			key := [2]string{"o-acme", "u-alice"}
			if tc.before != "" {
				st.members[key] = tc.before
			}
			o, u, _, err := SetMember(ctx, st, tc.org, tc.user, tc.role, time.Now())
			checkErr(t, err, tc.wantErr, tc.msg)
			if got := st.members[key]; got != tc.after || len(st.members) > 1 {
				t.Errorf("memberships %v; want alice %q in acme", st.members, tc.after)
			}
			if tc.wantErr == nil && (o.Name != "acme" || u.Username != "alice") {
				t.Errorf("returned org %q, user %q; want the stored names", o.Name, u.Username)
			}
		})
	}
}
