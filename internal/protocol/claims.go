package protocol

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// ProfileURL is the user's or org's public page on the hub:
// {issuer}/{name}, as https://huggingface.co/<username>.
func ProfileURL(issuer, name string) string {
	return strings.TrimSuffix(issuer, "/") + "/" + url.PathEscape(name)
}

// AvatarURL returns an absolute avatar URL: the stored one, or the hub's
// generated avatar {issuer}/avatars/{md5(name)}.svg, the shape HF uses.
func AvatarURL(issuer, stored, name string) string {
	if stored != "" {
		return stored
	}
	sum := md5.Sum([]byte(strings.ToLower(name)))
	return strings.TrimSuffix(issuer, "/") + "/avatars/" + hex.EncodeToString(sum[:]) + ".svg"
}

// IDTokenParams is what an ID token is made from.
type IDTokenParams struct {
	Issuer   string
	User     store.User
	ClientID string
	Scopes   []string // granted scopes
	Nonce    string   // from the authorization request; "" if none was sent
	AuthTime time.Time
	Now      time.Time
}

// IDTokenClaims returns the claims of an ID token as huggingface.co issues
// them: iss, sub, aud, exp (iat+1h), iat, auth_time; nonce only when the
// request carried one (openid-client fails on an unexpected nonce); name,
// preferred_username, profile, picture and website with profile (gradio and
// huggingface_hub read them from the ID token); email and email_verified
// with email.
func IDTokenClaims(p IDTokenParams) oidc.IDTokenClaims {
	c := oidc.IDTokenClaims{
		Issuer:   p.Issuer,
		Subject:  p.User.ID,
		Audience: p.ClientID,
		IssuedAt: p.Now.Unix(),
		Expiry:   p.Now.Add(IDTokenTTL).Unix(),
		AuthTime: p.AuthTime.Unix(),
		Nonce:    p.Nonce,
	}
	if slices.Contains(p.Scopes, oidc.ScopeProfile) {
		c.Name = p.User.FullName
		c.PreferredUsername = p.User.Username
		c.Profile = ProfileURL(p.Issuer, p.User.Username)
		c.Picture = AvatarURL(p.Issuer, p.User.AvatarURL, p.User.Username)
		c.Website = p.User.Website
	}
	if slices.Contains(p.Scopes, oidc.ScopeEmail) && p.User.Email != "" {
		c.Email = p.User.Email
		c.EmailVerified = new(p.User.EmailVerified)
	}
	return c
}

// UserInfo returns the userinfo body for a token with the given scopes and
// granted orgs (org ids): sub always, profile claims with profile, email
// claims with email, isPro and orgs always (orgs is [] when the user has
// none), canPay with read-billing. Each org carries roleInOrg when the
// token's grant reaches it (or, with read-memberships, for every org), and
// the org's canPay when it is granted and read-billing is, as
// huggingface.co shows them. sub equals the ID
// token's sub.
func UserInfo(issuer string, u store.User, memberships []store.Membership, scopes, orgs []string) oidc.UserInfo {
	has := func(s string) bool { return slices.Contains(scopes, s) }
	info := oidc.UserInfo{Sub: u.ID, IsPro: u.IsPro, Orgs: make([]oidc.OrgInfo, 0, len(memberships))}
	if has(oidc.ScopeProfile) {
		info.Name = u.FullName
		info.PreferredUsername = u.Username
		info.Picture = AvatarURL(issuer, u.AvatarURL, u.Username)
		info.Profile = ProfileURL(issuer, u.Username)
		info.Website = u.Website
	}
	if has(oidc.ScopeEmail) && u.Email != "" {
		info.Email = u.Email
		info.EmailVerified = new(u.EmailVerified)
	}
	if has(oidc.ScopeReadBilling) {
		info.CanPay = new(u.CanPay)
	}
	for _, m := range memberships {
		o := oidc.OrgInfo{
			Sub:               m.Org.ID,
			Name:              m.Org.FullName,
			PreferredUsername: m.Org.Name,
			Picture:           AvatarURL(issuer, m.Org.AvatarURL, m.Org.Name),
			Plan:              m.Org.Plan,
		}
		if o.Name == "" {
			o.Name = m.Org.Name
		}
		granted := slices.Contains(orgs, m.Org.ID)
		if granted || has(oidc.ScopeReadMemberships) {
			o.RoleInOrg = m.Role
		}
		// securityRestrictions stays empty, and so absent: hubid has no org
		// security policy (MFA, SSO, IP ranges) a member could fail yet.
		if granted && has(oidc.ScopeReadBilling) {
			o.CanPay = new(m.Org.CanPay)
		}
		info.Orgs = append(info.Orgs, o)
	}
	return info
}

// ClaimsSupported lists the claims hubid can return, for discovery's
// claims_supported. It returns a new slice each call.
func ClaimsSupported() []string {
	return []string{
		"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
		"name", "preferred_username", "picture", "profile", "website",
		"email", "email_verified", "isPro", "canPay", "orgs",
	}
}
