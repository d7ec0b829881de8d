package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"time"
)

// Sentinel errors every backend returns.
var (
	// ErrNotFound: no row with that key.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists: a row with that key (or unique name) exists.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrCodeUsed: the authorization code (or device code) was redeemed before.
	ErrCodeUsed = errors.New("store: authorization code already used")
	// ErrTokenRotated: the refresh token was exchanged for a successor before.
	ErrTokenRotated = errors.New("store: refresh token already rotated")
)

// Digest is the SHA-256 of a secret (code, device or user code, token,
// session id, client secret).
type Digest [sha256.Size]byte

// Hash returns the digest under which a secret is stored.
func Hash(secret string) Digest { return sha256.Sum256([]byte(secret)) }

// User is an account that can sign in.
type User struct {
	ID            string // 24 lowercase hex chars, stable across renames
	Username      string // unique, case-insensitive
	FullName      string
	Email         string
	EmailVerified bool
	AvatarURL     string // absolute URL, or "" for the generated default
	Website       string
	IsPro         bool
	CanPay        bool
	PasswordHash  string // PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash), "" = cannot log in
	CreatedAt     time.Time
}

// Org is an organization.
type Org struct {
	ID        string // 24 lowercase hex chars
	Name      string // handle, unique, case-insensitive
	FullName  string
	AvatarURL string
	Plan      string // "", "team", "enterprise"
	// CanPay: the org has a payment method (userinfo's canPay for an org
	// the user granted the app, with read-billing).
	CanPay    bool
	CreatedAt time.Time
}

// Roles of a member in an org, from most to least powerful.
const (
	RoleAdmin       = "admin"
	RoleWrite       = "write"
	RoleContributor = "contributor"
	RoleRead        = "read"
)

// Membership is a user's role in one org.
type Membership struct {
	Org  Org
	Role string
}

// App is an OAuth client.
type App struct {
	ClientID     string // a UUID
	Name         string
	OwnerID      string // user or org id that owns it, "" for none
	SecretHash   Digest // zero for public apps
	Public       bool   // no secret; PKCE required
	RedirectURIs []string
	Scopes       []string      // scopes the app may ask for (openid and profile are implied)
	TokenTTL     time.Duration // access-token lifetime
	IDTokenAlg   string        // "RS256" (default) or "ES256"
	// SpaceID is "owner/name" for apps that belong to a Space; SpaceHosts are
	// the Space's hosts, and any https URL on them (http on loopback) is an
	// accepted redirect URI.
	SpaceID        string
	SpaceHosts     []string
	AuthorizedOrgs []string // org names; if set only their members may sign in
	// RefreshTokens: the code flow issues refresh tokens (the device flow
	// always does). On by default for Space apps.
	RefreshTokens bool
	// RefreshIdle and RefreshAbsolute override the hub's refresh-token
	// windows for this app: how long an unused refresh token stays valid
	// (each refresh starts it again), and how long a login's refresh family
	// lives at most. Zero means the hub's default; RefreshAbsolute
	// NoRefreshLimit means no limit: a client that refreshes within the
	// idle window stays signed in, as huggingface.co keeps its CLI logins.
	RefreshIdle     time.Duration
	RefreshAbsolute time.Duration
	// PostLogoutRedirectURIs are where RP-initiated logout may send the
	// browser back to (Space apps: any URL on the Space's hosts as well).
	PostLogoutRedirectURIs []string
	// Registered: the app registered itself (RFC 7591 dynamic
	// registration); nobody has vouched for who runs it.
	Registered bool
	// RequirePKCE: authorization requests must carry a PKCE challenge even
	// from this confidential app (public apps always must). On for apps
	// that registered themselves; off for Space apps, whose gradio client
	// sends none.
	RequirePKCE bool
	// ResourceServer: the app is an API that checks the hub's tokens and
	// may introspect tokens issued to any app; other apps introspect only
	// their own tokens.
	ResourceServer bool
	Disabled       bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NoRefreshLimit as App.RefreshAbsolute: a refresh family has no absolute
// end, only the idle window.
const NoRefreshLimit time.Duration = -1

// Consent records that a user allowed an app a set of scopes, and the orgs
// those scopes may reach.
type Consent struct {
	UserID   string
	ClientID string
	Scopes   []string
	// Orgs are the ids of the orgs the user granted the app (ticked on the
	// consent page); nil when none.
	Orgs      []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AuthCode is an authorization code. Issued codes carry these fields
// themselves (grants.Codes); the store records a code only when it is
// redeemed, with UsedAt set, which makes it single use.
type AuthCode struct {
	Hash          Digest
	ClientID      string
	UserID        string
	RedirectURI   string
	Scopes        []string
	Orgs          []string // ids of the orgs the grant reaches
	Nonce         string
	CodeChallenge string // S256 challenge, "" when PKCE was not used
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // when it was redeemed
}

// Token kinds.
const (
	KindAccess  = "access"  // hf_oauth_… OAuth access token
	KindUser    = "user"    // hf_… user access token
	KindRefresh = "refresh" // refresh token
)

// Token is an access, refresh or user access token.
type Token struct {
	Hash     Digest
	Kind     string
	UserID   string
	ClientID string // "" for user access tokens
	Scopes   []string
	// Orgs are the ids of the orgs an OAuth token's grant reaches (the
	// user ticked them at consent); nil when none. Refresh carries them to
	// the successors.
	Orgs     []string
	Name     string // display name of a user access token
	Role     string // "read" or "write" for user access tokens
	CodeHash Digest // the code it was issued from, zero otherwise
	// FamilyID groups a refresh token with its successors and the access
	// tokens issued with them, so that reuse of a rotated refresh token
	// revokes them all. "" outside refresh families.
	FamilyID string
	// RotatedAt is when a refresh token was exchanged for a successor; zero
	// while it is current. A rotated token is still live (RevokedAt zero)
	// until revoked.
	RotatedAt time.Time
	// Successor holds, for a rotated refresh token, the successor response
	// sealed with a key derived from this token's secret, so that a retry
	// within the grace window can be answered with the same pair. Only the
	// holder of the old token can open it. nil when there is none: an empty
	// Successor is stored as none and read back as nil.
	Successor []byte
	CreatedAt time.Time
	ExpiresAt time.Time // zero = does not expire
	RevokedAt time.Time // zero = live
}

// TokenFilter selects tokens to revoke. Zero fields match anything; a token
// matches when it matches every field that is set (the fields AND together).
// At least one field must be set.
type TokenFilter struct {
	Hash     Digest
	UserID   string
	ClientID string
	CodeHash Digest
	FamilyID string
}

// Session is a browser session on the hub. The cookie holds an opaque id;
// the store holds its digest.
type Session struct {
	Hash      Digest
	UserID    string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Signing key states: a next key is published but not used, the active key
// signs, verify-only keys are still published so outstanding tokens verify.
const (
	KeyNext       = "next"
	KeyActive     = "active"
	KeyVerifyOnly = "verify-only"
)

// SigningKey is an ID-token signing key.
type SigningKey struct {
	ID         string // kid
	Alg        string // RS256 or ES256
	State      string
	PrivatePEM []byte // PKCS #8
	CreatedAt  time.Time
	RotatedAt  time.Time // when it entered its current state
}

// CodeRetention is how long a redeemed code is kept after it expires. Its
// record is what refuses a second redemption while the code is valid; after
// that the code's expiry refuses it, and the tokens it issued, which carry
// its hash, are found through them (TokenFilter.CodeHash) to revoke them
// on a late replay. The margin covers clock steps between processes.
const CodeRetention = 10 * time.Minute

// Device code statuses.
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
)

// DeviceCode is an RFC 8628 device authorization. The device code and the
// user code are stored as digests (the user code normalized: uppercase,
// without the dash).
type DeviceCode struct {
	Hash         Digest
	UserCodeHash Digest
	ClientID     string
	Scopes       []string
	Status       string
	UserID       string // who approved or denied; "" while pending
	AuthTime     time.Time
	Interval     time.Duration // current polling interval (grows with slow_down)
	LastPollAt   time.Time
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       time.Time // set when redeemed for tokens
}

// GCResult counts what GarbageCollect removed.
type GCResult struct {
	Codes       int64
	Tokens      int64
	Sessions    int64
	DeviceCodes int64
}

// Store is everything hubid keeps. Implementations are safe for concurrent
// use, by several processes at once (the CLI works while the server runs).
type Store interface {
	// Users. Username lookups are case-insensitive.
	CreateUser(ctx context.Context, u User) error
	User(ctx context.Context, id string) (User, error)
	UserByName(ctx context.Context, username string) (User, error)
	// UserByEmail returns the one user whose email is email, ignoring
	// ASCII case. An email no user has, "" and an email several users
	// share (emails are not unique) are all ErrNotFound: an address that
	// names no one person signs no one in.
	UserByEmail(ctx context.Context, email string) (User, error)
	UpdateUser(ctx context.Context, id string, update func(*User) error) error
	// DeleteUser removes the user with its memberships, consents, redeemed
	// codes, the device codes it approved or denied, sessions and tokens.
	// Apps it owns stay.
	DeleteUser(ctx context.Context, id string) error
	ListUsers(ctx context.Context) ([]User, error)

	// Orgs and memberships. SetMember with role "" removes the membership
	// and, in the same transaction, takes the org out of the org grants of
	// the user's consents and live tokens.
	CreateOrg(ctx context.Context, o Org) error
	OrgByName(ctx context.Context, name string) (Org, error)
	// Org returns the org with the given id (an app's owner).
	Org(ctx context.Context, id string) (Org, error)
	ListOrgs(ctx context.Context) ([]Org, error)
	SetMember(ctx context.Context, orgID, userID, role string) error
	// Memberships lists the user's orgs ordered by org name.
	Memberships(ctx context.Context, userID string) ([]Membership, error)

	// Apps. DeleteApp also removes its consents, codes, device codes and
	// tokens.
	CreateApp(ctx context.Context, a App) error
	App(ctx context.Context, clientID string) (App, error)
	UpdateApp(ctx context.Context, clientID string, update func(*App) error) error
	DeleteApp(ctx context.Context, clientID string) error
	ListApps(ctx context.Context) ([]App, error)
	// AppBySpace finds the app of a Space ("owner/name").
	AppBySpace(ctx context.Context, spaceID string) (App, error)
	// DeleteUnusedRegisteredApps deletes the apps that registered
	// themselves (Registered), that nobody owns, that were created before
	// createdBefore, and that have no consent and no live token (neither
	// revoked nor expired at now), with what DeleteApp deletes with an
	// app. It returns how many apps it deleted.
	DeleteUnusedRegisteredApps(ctx context.Context, createdBefore, now time.Time) (int64, error)

	// Consents: one per (user, app); PutConsent replaces it.
	Consent(ctx context.Context, userID, clientID string) (Consent, error)
	PutConsent(ctx context.Context, c Consent) error
	DeleteConsent(ctx context.Context, userID, clientID string) error
	// SetGrantOrgs sets the orgs of the user's grant to the app, in one
	// transaction: on the consent (ErrNotFound without one) and on every
	// live access and refresh token of the app for the user, so that a
	// change takes effect at once, without revoking anything.
	SetGrantOrgs(ctx context.Context, userID, clientID string, orgs []string) error
	ListConsents(ctx context.Context, userID string) ([]Consent, error)

	// Authorization codes, as redeemed. RedeemCode records c as used at now
	// and stores the tokens issued for it, in one transaction; it returns
	// ErrCodeUsed, storing nothing, when a code with c.Hash was redeemed
	// before, and ErrNotFound when c's client or user does not exist. Code
	// returns a redeemed code.
	Code(ctx context.Context, hash Digest) (AuthCode, error)
	RedeemCode(ctx context.Context, c AuthCode, now time.Time, issued []Token) error

	// Tokens. Token returns revoked and expired tokens too; the caller checks.
	CreateToken(ctx context.Context, t Token) error
	Token(ctx context.Context, hash Digest) (Token, error)
	// TokenWithUser is Token and the User of its UserID, read together
	// (every request with a bearer token needs both): ErrNotFound when
	// either is missing.
	TokenWithUser(ctx context.Context, hash Digest) (Token, User, error)
	// RevokeTokens sets RevokedAt on every live token matching f and returns
	// how many it revoked.
	RevokeTokens(ctx context.Context, f TokenFilter, now time.Time) (int64, error)
	// RotateRefresh exchanges the refresh token hash for its successors in
	// one transaction: if the token is a refresh token that is neither
	// revoked nor rotated it sets RotatedAt to now and Successor to sealed,
	// inserts issued, and returns the token as now stored. If it was
	// rotated before (revoked since or not: the caller checks RevokedAt),
	// it stores nothing and returns ErrTokenRotated with the stored row
	// (whose Successor a retry within the grace window opens). Otherwise
	// it stores nothing and returns another error: ErrNotFound for an
	// unknown hash. Of concurrent calls for one token exactly one succeeds.
	// It does not look at ExpiresAt: the caller checked it.
	RotateRefresh(ctx context.Context, hash Digest, now time.Time, sealed []byte, issued []Token) (Token, error)
	// ListTokens lists a user's tokens of one kind, newest first.
	ListTokens(ctx context.Context, userID, kind string) ([]Token, error)

	// Device codes (RFC 8628). Hash and UserCodeHash are each unique: a
	// second code with either is ErrAlreadyExists. UpdateDeviceCode stores
	// what update leaves, in one transaction; update must not change Hash.
	// RedeemDeviceCode marks an approved, unused code used (UsedAt = now)
	// and stores the issued tokens in one transaction. On any error it
	// stores nothing: ErrNotFound for an unknown code, ErrCodeUsed for a
	// code used before, and another error for a code that is not approved
	// (the caller checks Status first). It does not look at ExpiresAt.
	CreateDeviceCode(ctx context.Context, d DeviceCode) error
	DeviceCode(ctx context.Context, hash Digest) (DeviceCode, error)
	DeviceCodeByUserCode(ctx context.Context, userCodeHash Digest) (DeviceCode, error)
	UpdateDeviceCode(ctx context.Context, hash Digest, update func(*DeviceCode) error) error
	RedeemDeviceCode(ctx context.Context, hash Digest, now time.Time, issued []Token) error

	// Browser sessions.
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, hash Digest) (Session, error)
	// SessionWithUser is Session and the User of its UserID, read
	// together: ErrNotFound when either is missing.
	SessionWithUser(ctx context.Context, hash Digest) (Session, User, error)
	DeleteSession(ctx context.Context, hash Digest) error
	// DeleteUserSessions deletes every session of the user (signing them
	// out everywhere) and returns how many it deleted: 0, not an error,
	// for a user without sessions or an unknown user.
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)

	// Signing keys: UpdateKeys replaces the whole set with what update
	// returns, in one transaction, so rotation is atomic across processes.
	Keys(ctx context.Context) ([]SigningKey, error)
	UpdateKeys(ctx context.Context, update func([]SigningKey) ([]SigningKey, error)) error

	// Secret returns the named server secret (such as the CSRF key and the
	// key that seals authorization codes), creating it with gen the first
	// time. Every process sharing the store gets the same value.
	Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error)

	// GarbageCollect deletes tokens, sessions and device codes that expired
	// before now, and redeemed authorization codes that expired more than
	// CodeRetention before now.
	GarbageCollect(ctx context.Context, now time.Time) (GCResult, error)

	Close() error
}

// NewSecret returns a fresh random secret with the given prefix (for
// example "hf_oauth_") and the digest to store. The random part carries 160
// bits from crypto/rand.
func NewSecret(prefix string) (string, Digest) {
	s := prefix + rand.Text() + rand.Text()[:6]
	return s, Hash(s)
}
