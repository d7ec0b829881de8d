package accounts

import (
	"context"
	"errors"
	"fmt"
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
// first.
func SetMember(ctx context.Context, st Store, orgName, username, role string) (store.Org, store.User, error) {
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
