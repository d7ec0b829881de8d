package accounts

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hubid/hubid/internal/store"
)

// User access tokens (hf_…): what a person creates, lists, revokes and
// rotates on /settings/tokens and with `hubid token`.

// TokenPrefix starts every user access token (grants.PrefixUserToken).
const TokenPrefix = "hf_"

// DefaultTokenExpiry is how long a new token lives when its creator does
// not say (the default of --token-default-expiry).
const DefaultTokenExpiry = 90 * 24 * time.Hour

// MaxTokenNameLen is the longest token name, in characters.
const MaxTokenNameLen = 64

// Tokens is what the token rules need of storage; store.Store satisfies it.
type Tokens interface {
	CreateToken(ctx context.Context, t store.Token) error
	Token(ctx context.Context, hash store.Digest) (store.Token, error)
	ListTokens(ctx context.Context, userID, kind string) ([]store.Token, error)
	RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error)
}

// ErrInvalidToken: a token spec that breaks a rule. The error is a
// *FieldError naming the field.
var ErrInvalidToken = errors.New("invalid token")

// ErrTokenNotLive: the token was revoked or has expired, so it cannot be
// rotated.
var ErrTokenNotLive = errors.New("token not live")

// FieldError is a broken rule about one field of a form or command, in
// words fit to show next to it.
type FieldError struct {
	Field string // "name", "role", "expiry"
	Msg   string
	Kind  error // what it matches (errors.Is)
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }
func (e *FieldError) Unwrap() error { return e.Kind }

// TokenSpec is what a person asks for when creating a token.
type TokenSpec struct {
	Name string // 1 to MaxTokenNameLen characters, no control characters
	Role string // store.RoleRead or store.RoleWrite
	// Expiry is the token's lifetime from its creation; 0 = never expires.
	Expiry time.Duration
}

// Validate returns every problem of s, one per field, in field order;
// nil when there is none.
func (s TokenSpec) Validate() []*FieldError {
	var out []*FieldError
	bad := func(field, format string, args ...any) {
		out = append(out, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Kind: ErrInvalidToken})
	}
	name := strings.TrimSpace(s.Name)
	switch {
	case name == "":
		bad("name", "give the token a name, so you can tell it apart later")
	case utf8.RuneCountInString(name) > MaxTokenNameLen:
		bad("name", "the name is too long (%d characters); use at most %d", utf8.RuneCountInString(name), MaxTokenNameLen)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		bad("name", "the name must be plain text, without control characters")
	}
	if s.Role != store.RoleRead && s.Role != store.RoleWrite {
		bad("role", "the role must be read or write")
	}
	if s.Expiry < 0 {
		bad("expiry", "the expiry must not be negative; 0 means the token never expires")
	}
	return out
}

// TokenID names a token on pages and in the CLI without revealing it: the
// first 16 hex characters of its digest, which is stored anyway.
func TokenID(t store.Token) string { return hex.EncodeToString(t.Hash[:8]) }

// TokenInfo is a user access token as listed.
type TokenInfo struct {
	ID        string
	Name      string
	Role      string
	CreatedAt time.Time
	ExpiresAt time.Time // zero = never
	RevokedAt time.Time // zero = not revoked
	// LastUsed is not here: the store does not record when a token is
	// used (that would be a write on every API call).
}

// Status is "active", "expired" or "revoked" at now.
func (t TokenInfo) Status(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return "expired"
	}
	return "active"
}

func tokenInfo(t store.Token) TokenInfo {
	return TokenInfo{ID: TokenID(t), Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt}
}

// CreateToken validates spec and stores a new user access token for the
// user userID, returning the secret (shown once; only its digest is kept)
// and the token. A spec that breaks a rule stores nothing and returns the
// first *FieldError.
func CreateToken(ctx context.Context, st Tokens, userID string, spec TokenSpec, now time.Time) (string, TokenInfo, error) {
	if errs := spec.Validate(); len(errs) > 0 {
		return "", TokenInfo{}, errs[0]
	}
	secret, digest := store.NewSecret(TokenPrefix)
	t := store.Token{Hash: digest, Kind: store.KindUser, UserID: userID, Name: strings.TrimSpace(spec.Name), Role: spec.Role, CreatedAt: now}
	if spec.Expiry > 0 {
		t.ExpiresAt = now.Add(spec.Expiry)
	}
	if err := st.CreateToken(ctx, t); err != nil {
		return "", TokenInfo{}, err
	}
	return secret, tokenInfo(t), nil
}

// ListTokens lists the user's access tokens, newest first, revoked and
// expired ones included.
func ListTokens(ctx context.Context, st Tokens, userID string) ([]TokenInfo, error) {
	ts, err := st.ListTokens(ctx, userID, store.KindUser)
	if err != nil {
		return nil, err
	}
	out := make([]TokenInfo, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenInfo(t))
	}
	return out, nil
}

// findToken returns the user's access token with the given id, or a
// *NotFoundError of kind "token".
func findToken(ctx context.Context, st Tokens, userID, id string) (store.Token, error) {
	ts, err := st.ListTokens(ctx, userID, store.KindUser)
	if err != nil {
		return store.Token{}, err
	}
	for _, t := range ts {
		if id != "" && TokenID(t) == id {
			return t, nil
		}
	}
	return store.Token{}, &NotFoundError{Kind: "token", Name: id}
}

// RevokeToken revokes the user's access token with the given id, and
// returns it as it was. Revoking a revoked token changes nothing and is
// no error. A token of another user, or none, is a *NotFoundError.
func RevokeToken(ctx context.Context, st Tokens, userID, id string, now time.Time) (TokenInfo, error) {
	t, err := findToken(ctx, st, userID, id)
	if err != nil {
		return TokenInfo{}, err
	}
	if _, err := st.RevokeTokens(ctx, store.TokenFilter{Hash: t.Hash, UserID: userID}, now); err != nil {
		return TokenInfo{}, err
	}
	return tokenInfo(t), nil
}

// RotateToken replaces the user's live access token with the given id by
// a new one with the same name, role and lifetime (counted from now), and
// revokes the old one. It returns the new secret (shown once) and the new
// token. A revoked or expired token is not rotated (ErrTokenNotLive): the
// person creates a new one. The new token is stored before the old one is
// revoked, so a failure in between leaves two working tokens, never none.
func RotateToken(ctx context.Context, st Tokens, userID, id string, now time.Time) (string, TokenInfo, error) {
	old, err := findToken(ctx, st, userID, id)
	if err != nil {
		return "", TokenInfo{}, err
	}
	if st := tokenInfo(old).Status(now); st != "active" {
		return "", TokenInfo{}, fmt.Errorf("%w: the token %q is %s; create a new one instead", ErrTokenNotLive, old.Name, st)
	}
	spec := TokenSpec{Name: old.Name, Role: old.Role}
	if !old.ExpiresAt.IsZero() {
		spec.Expiry = old.ExpiresAt.Sub(old.CreatedAt)
	}
	secret, info, err := CreateToken(ctx, st, userID, spec, now)
	if err != nil {
		return "", TokenInfo{}, err
	}
	if _, err := st.RevokeTokens(ctx, store.TokenFilter{Hash: old.Hash, UserID: userID}, now); err != nil {
		return "", TokenInfo{}, fmt.Errorf("the new token was created, but revoking the old one failed: %w", err)
	}
	return secret, info, nil
}

// RevokeLeaked revokes the user access token secret, whoever reports it:
// a leaked token is revoked on sight. It reports whether a live token was
// revoked and, if so, whose (for the log); an unknown secret, an OAuth
// token or a token already revoked changes nothing.
func RevokeLeaked(ctx context.Context, st Tokens, secret string, now time.Time) (userID string, revoked bool, err error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return "", false, nil
	}
	t, err := st.Token(ctx, store.Hash(secret))
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if t.Kind != store.KindUser {
		return "", false, nil
	}
	n, err := st.RevokeTokens(ctx, store.TokenFilter{Hash: t.Hash, UserID: t.UserID}, now)
	if err != nil {
		return "", false, err
	}
	return t.UserID, n > 0, nil
}
