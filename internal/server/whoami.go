package server

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// whoami is the body of /api/whoami-v2, in the shape huggingface.js and
// huggingface_hub type it.
type whoami struct {
	Type          string      `json:"type"`
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Fullname      string      `json:"fullname"`
	Email         *string     `json:"email"`
	EmailVerified *bool       `json:"emailVerified,omitempty"`
	CanPay        bool        `json:"canPay"`
	IsPro         bool        `json:"isPro"`
	PeriodEnd     *int64      `json:"periodEnd"`
	AvatarURL     string      `json:"avatarUrl"`
	Orgs          []whoamiOrg `json:"orgs"`
	Auth          whoamiAuth  `json:"auth"`
}

type whoamiOrg struct {
	Type      string  `json:"type"`
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Fullname  string  `json:"fullname"`
	Email     *string `json:"email"`
	CanPay    bool    `json:"canPay"`
	PeriodEnd *int64  `json:"periodEnd"`
	AvatarURL string  `json:"avatarUrl"`
	RoleInOrg string  `json:"roleInOrg,omitempty"`
	Plan      string  `json:"plan,omitempty"`
}

type whoamiAuth struct {
	Type        string             `json:"type"`
	AccessToken *whoamiAccessToken `json:"accessToken,omitempty"`
	ExpiresAt   string             `json:"expiresAt,omitempty"`
	// Scopes are an OAuth token's granted scopes (hubid's addition: HF's
	// answer for OAuth tokens shows only type and expiresAt).
	Scopes []string `json:"scopes,omitempty"`
	// Orgs are the handles of the orgs an OAuth token's grant reaches, the
	// ones the user ticked on the consent page (hubid's addition).
	Orgs []string `json:"orgs,omitempty"`
}

// oauthExpiresAt is how huggingface.co writes an OAuth token's expiresAt
// in whoami-v2: UTC with milliseconds, "2026-10-22T06:04:28.000Z".
const oauthExpiresAt = "2006-01-02T15:04:05.000Z"

// relativeAvatar makes an avatar URL served by this hub relative
// ("/avatars/…"), as huggingface.co's whoami-v2 writes it; an avatar
// elsewhere stays absolute.
func (s *Server) relativeAvatar(u string) string {
	if rest, ok := strings.CutPrefix(u, strings.TrimSuffix(s.issuer, "/")); ok && strings.HasPrefix(rest, "/avatars/") {
		return rest
	}
	return u
}

type whoamiAccessToken struct {
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
	CreatedAt   string `json:"createdAt"`
}

// serveWhoami is GET /api/whoami-v2 for user access tokens (hf_…) and OAuth
// access tokens (hf_oauth_…). OAuth tokens have no accessToken block, as on
// huggingface.co: auth.type "oauth" (what huggingface.co answers for the
// tokens of "hf auth login" and other OAuth apps) with expiresAt and the
// granted scopes; they see the email only with the email scope. Avatar
// URLs of this hub are relative, as on huggingface.co.
func (s *Server) serveWhoami(w http.ResponseWriter, r *http.Request) {
	t, u, e := s.bearer(r, store.KindAccess, store.KindUser)
	if e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	ms, err := s.store.Memberships(r.Context(), u.ID)
	if err != nil {
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	}
	oauth := t.Kind == store.KindAccess
	resp := whoami{
		Type: "user", ID: u.ID, Name: u.Username, Fullname: u.FullName,
		CanPay: u.CanPay, IsPro: u.IsPro,
		AvatarURL: s.relativeAvatar(protocol.AvatarURL(s.issuer, u.AvatarURL, u.Username)),
		Orgs:      make([]whoamiOrg, 0, len(ms)),
	}
	if !oauth || slices.Contains(t.Scopes, oidc.ScopeEmail) {
		resp.Email, resp.EmailVerified = &u.Email, &u.EmailVerified
	}
	for _, m := range ms {
		resp.Orgs = append(resp.Orgs, whoamiOrg{
			Type: "org", ID: m.Org.ID, Name: m.Org.Name, Fullname: m.Org.FullName,
			AvatarURL: s.relativeAvatar(protocol.AvatarURL(s.issuer, m.Org.AvatarURL, m.Org.Name)),
			RoleInOrg: m.Role, Plan: m.Org.Plan, CanPay: m.Org.CanPay,
		})
	}
	if oauth {
		resp.Auth = whoamiAuth{Type: "oauth", ExpiresAt: t.ExpiresAt.UTC().Format(oauthExpiresAt), Scopes: t.Scopes}
		for _, m := range ms {
			if slices.Contains(t.Orgs, m.Org.ID) {
				resp.Auth.Orgs = append(resp.Auth.Orgs, m.Org.Name)
			}
		}
	} else {
		resp.Auth = whoamiAuth{Type: "access_token", AccessToken: &whoamiAccessToken{
			DisplayName: t.Name, Role: t.Role, CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339),
		}}
		if !t.ExpiresAt.IsZero() {
			resp.Auth.ExpiresAt = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
	}
	httpx.WriteJSON(w, r, http.StatusOK, resp)
}
