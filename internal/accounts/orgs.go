package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/store"
)

// Org plans ("" is the free plan).
const (
	PlanTeam       = "team"
	PlanEnterprise = "enterprise"
)

// OrgSpec is what a person asks for when creating an org.
type OrgSpec struct {
	Name     string // see ValidName; unique among users and orgs, ignoring case
	FullName string // "" = the name
	Plan     string // "", PlanTeam or PlanEnterprise
	CanPay   bool   // the org has a payment method
}

// Validate checks the spec without the store and returns its first
// problem: an invalid name (ErrInvalidName) before an unknown plan
// (ErrInvalidPlan).
func (s OrgSpec) Validate() error {
	if err := ValidName(s.Name); err != nil {
		return err
	}
	switch s.Plan {
	case "", PlanTeam, PlanEnterprise:
		return nil
	}
	return &ruleError{ErrInvalidPlan, fmt.Sprintf("plan %q: use team or enterprise, or leave it out", s.Plan)}
}

// CreateOrg validates s, makes sure no user or org has the name (ignoring
// case; an error matching ErrNameTaken if one has) and stores the new org,
// which it returns.
func CreateOrg(ctx context.Context, st Store, s OrgSpec, now time.Time) (store.Org, error) {
	if err := s.Validate(); err != nil {
		return store.Org{}, err
	}
	if err := checkNameFree(ctx, st, s.Name, true); err != nil {
		return store.Org{}, err
	}
	o := store.Org{ID: NewID(), Name: s.Name, FullName: s.FullName, Plan: s.Plan, CanPay: s.CanPay, CreatedAt: now}
	if o.FullName == "" {
		o.FullName = o.Name
	}
	if err := st.CreateOrg(ctx, o); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return store.Org{}, orgExists(s.Name)
		}
		return store.Org{}, err
	}
	return o, nil
}

// RoleNone, given to SetMember, removes the membership.
const RoleNone = "none"

// ParseRole turns a role as a person gives it (store.RoleAdmin,
// store.RoleWrite, store.RoleContributor, store.RoleRead, or RoleNone) into
// the role SetMember stores: the same, or "" for RoleNone. Anything else is
// an error matching ErrInvalidRole.
func ParseRole(role string) (string, error) {
	switch role {
	case store.RoleAdmin, store.RoleWrite, store.RoleContributor, store.RoleRead:
		return role, nil
	case RoleNone:
		return "", nil
	}
	return "", &ruleError{ErrInvalidRole, fmt.Sprintf("role %q: use admin, write, contributor, read, or none to remove", role)}
}

// SetMember gives the user called username the role (see ParseRole; none
// removes the membership) in the org called orgName, and returns the org
// and the user. A missing org or user is a *NotFoundError, the org's
// first. Removing a membership revokes the user's tokens of every app
// restricted to that org (hf_oauth_authorized_org) unless the user is
// still a member of another org the app admits; the int64 counts them.
func SetMember(ctx context.Context, st Store, orgName, username, role string, now time.Time) (store.Org, store.User, int64, error) {
	o, u, err := setMember(ctx, st, orgName, username, role)
	if err != nil || role != RoleNone {
		return o, u, 0, err
	}
	n, err := revokeRestricted(ctx, st, o, u, now)
	if err != nil {
		return o, u, n, fmt.Errorf("%s left %s, but revoking their tokens of the apps restricted to it failed: %w", u.Username, o.Name, err)
	}
	return o, u, n, nil
}

// revokeRestricted revokes u's tokens of the apps restricted to orgs that
// include o and none of the orgs u is still a member of.
func revokeRestricted(ctx context.Context, st Store, o store.Org, u store.User, now time.Time) (int64, error) {
	ms, err := st.Memberships(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	all, err := st.ListApps(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, a := range all {
		if !slices.ContainsFunc(a.AuthorizedOrgs, func(name string) bool { return strings.EqualFold(name, o.Name) }) {
			continue
		}
		if slices.ContainsFunc(ms, func(m store.Membership) bool {
			return slices.ContainsFunc(a.AuthorizedOrgs, func(name string) bool { return strings.EqualFold(name, m.Org.Name) })
		}) {
			continue
		}
		k, err := st.RevokeTokens(ctx, store.TokenFilter{UserID: u.ID, ClientID: a.ClientID}, now)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

func setMember(ctx context.Context, st Store, orgName, username, role string) (store.Org, store.User, error) {
	r, err := ParseRole(role)
	if err != nil {
		return store.Org{}, store.User{}, err
	}
	o, err := FindOrg(ctx, st, orgName)
	if err != nil {
		return store.Org{}, store.User{}, err
	}
	u, err := FindUser(ctx, st, username)
	if err != nil {
		return store.Org{}, store.User{}, err
	}
	if err := st.SetMember(ctx, o.ID, u.ID, r); err != nil {
		return store.Org{}, store.User{}, err
	}
	return o, u, nil
}
