package spaces

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hubid/hubid/internal/accounts"
	"github.com/hubid/hubid/internal/apps"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// InputError is a sync failure caused by what the caller sent (a bad
// Space id or host, an unknown owner or org), as opposed to a failure of
// the hub. Its message says what to fix.
type InputError struct {
	Msg string
	// Err, when set, holds the README problems behind Msg (one or more
	// *MetadataError, see MetadataErrors); their Line is 0 until
	// LocateInReadme finds it.
	Err error
}

func (e *InputError) Error() string { return e.Msg }

func (e *InputError) Unwrap() error { return e.Err }

func inputErrorf(format string, a ...any) error { return &InputError{Msg: fmt.Sprintf(format, a...)} }

// Space identifies a Space on the hub and where it is served.
type Space struct {
	Owner string // user or org name
	Name  string
	// Hosts are the Space's hosts ("host" or "host:port"), the first one
	// primary: SPACE_HOST lists them comma-separated.
	Hosts []string
}

// ID is "owner/name".
func (s Space) ID() string { return s.Owner + "/" + s.Name }

var spaceIDRE = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]{0,95})/([A-Za-z0-9][A-Za-z0-9._-]{0,95})$`)

// ParseSpaceID splits "owner/name", checking both parts.
func ParseSpaceID(id string) (owner, name string, err error) {
	m := spaceIDRE.FindStringSubmatch(id)
	if m == nil || strings.Contains(id, "..") || strings.Contains(id, "--") {
		return "", "", inputErrorf("space %q is not owner/name (letters, digits, '-', '_', '.'; e.g. alice/my-space)", id)
	}
	return m[1], m[2], nil
}

// DefaultHost is the host a hub gives a Space: "{owner}-{name}.{domain}",
// lowercase, with '.' and '_' turned into '-', as *.hf.space hosts are.
func DefaultHost(owner, name, domain string) string {
	sub := strings.ToLower(owner + "-" + name)
	sub = strings.NewReplacer(".", "-", "_", "-").Replace(sub)
	return sub + "." + strings.TrimPrefix(domain, ".")
}

var hostRE = regexp.MustCompile(`^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:[0-9]{1,5})?$`)

// ValidateHosts checks Space hosts: host or host:port, nothing else.
func ValidateHosts(hosts []string) error {
	if len(hosts) == 0 {
		return inputErrorf("a Space needs at least one host")
	}
	for _, h := range hosts {
		if !hostRE.MatchString(h) {
			return inputErrorf("space host %q is not a host or host:port (no scheme, no path)", h)
		}
	}
	return nil
}

// HostPolicy says which hosts a Space may have: the hosts the hub serves
// for it, never merely those a caller names, since a Space app accepts any
// URL on its hosts as a redirect (and a post-logout redirect) target.
type HostPolicy struct {
	// SpacesDomain is the domain Spaces are served under: the Space's
	// own host is DefaultHost(owner, name, SpacesDomain), on any port.
	SpacesDomain string
	// CustomDomains allows hosts outside SpacesDomain (a Space's custom
	// domain). The hub does not verify that the caller controls them, so
	// with it any Space owner can make the hub redirect to any host they
	// name: an operator turns it on only when every Space owner is
	// trusted that far.
	CustomDomains bool
}

// CheckHosts checks that every host of a Space is one the policy lets it
// have: its own host under the spaces domain, a loopback host (a local
// run), or, only when the policy allows custom domains, a host outside
// the spaces domain. A host under the spaces domain that is not the
// Space's own (another Space's) is always refused.
func CheckHosts(sp Space, pol HostPolicy) error {
	if err := ValidateHosts(sp.Hosts); err != nil {
		return err
	}
	domain := strings.ToLower(strings.TrimPrefix(pol.SpacesDomain, "."))
	own := DefaultHost(sp.Owner, sp.Name, domain)
	for _, h := range sp.Hosts {
		name := strings.Trim(strings.ToLower(hostName(h)), "[]")
		switch {
		case name == hostName(own) || protocol.IsLoopbackHost(name):
		case name == hostName(domain) || strings.HasSuffix(name, "."+hostName(domain)):
			return inputErrorf("space host %q is under the spaces domain but is not this Space's host (%s)", h, own)
		case !pol.CustomDomains:
			return inputErrorf("space host %q is a custom domain, and this hub accepts only the Space's own host %s and loopback hosts: custom domains are not verified, so the operator must allow them (hubid serve --space-custom-domains)", h, own)
		}
	}
	return nil
}

// hostName is h without its port.
func hostName(h string) string {
	if name, _, err := net.SplitHostPort(h); err == nil {
		return name
	}
	return h
}

// SyncResult is what a sync did.
type SyncResult struct {
	// App is the Space's OAuth app; zero when the Space has no hf_oauth and
	// never had one.
	App store.App
	// Secret is the client secret, only when it was created or rotated by
	// this sync: it is shown once, to the sync caller.
	Secret string
	// Created: the app was created now. Changed: an existing app was
	// updated. Disabled: hf_oauth is off and the app was disabled now.
	Created, Changed, Disabled bool
	// Revoked counts tokens revoked because the app was disabled or its
	// secret rotated.
	Revoked int64
}

// SyncOptions are the rarely used parts of a sync.
type SyncOptions struct {
	// CreatorID is the id of the user who syncs (SPACE_CREATOR_USER_ID).
	CreatorID string
	// RotateSecret gives the app a new secret (and revokes its tokens).
	RotateSecret bool
	// DevHosts are the hosts of a local run (hubid space run): loopback
	// host:port pairs (see IsDevHost) that the app accepts as redirect
	// hosts for the run, in addition to the Space's own. A sync with
	// DevHosts never changes the Space's hosts: an existing app keeps
	// its hosts that are not dev hosts (its deployed and custom-domain
	// hosts), and sp.Hosts is used only when it has none. The dev hosts
	// replace those of an earlier run; a sync without DevHosts drops
	// them.
	DevHosts []string
	// HFEndpoint is the Space's HF_ENDPOINT (see ParseHFEndpoint): ""
	// for the hub's issuer, HFEndpointOff for none, or another URL (a
	// hub behind another name). It only shapes the answer's environment.
	HFEndpoint string
}

// IsDevHost reports whether h is a host a local run serves on: a
// loopback address (127.0.0.0/8, ::1) or localhost or *.localhost, with
// an explicit port. A hub never gives a deployed Space such a host.
func IsDevHost(h string) bool {
	host, port, err := net.SplitHostPort(h)
	if err != nil || port == "" {
		return false
	}
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Store is the part of store.Store the Space sync uses: the Space's app,
// its owner and authorized orgs, and the tokens a change revokes.
type Store interface {
	accounts.Lookup
	ListOrgs(ctx context.Context) ([]store.Org, error)
	App(ctx context.Context, clientID string) (store.App, error)
	AppBySpace(ctx context.Context, spaceID string) (store.App, error)
	CreateApp(ctx context.Context, a store.App) error
	UpdateApp(ctx context.Context, clientID string, update func(*store.App) error) error
	DeleteApp(ctx context.Context, clientID string) error
	RevokeTokens(ctx context.Context, f store.TokenFilter, now time.Time) (int64, error)
}

// Sync makes the Space's OAuth app match its metadata, idempotently: the
// first sync with hf_oauth creates the app (confidential, client id a UUID,
// secret returned once); later syncs update it without touching the client
// id or the secret; a sync without hf_oauth disables it and revokes its
// tokens. An unchanged README changes nothing.
func Sync(ctx context.Context, st Store, sp Space, md Metadata, opt SyncOptions, now time.Time) (SyncResult, error) {
	if _, _, err := ParseSpaceID(sp.ID()); err != nil {
		return SyncResult{}, err
	}
	if err := ValidateHosts(sp.Hosts); err != nil {
		return SyncResult{}, err
	}
	if len(opt.DevHosts) > 0 {
		if err := ValidateHosts(opt.DevHosts); err != nil {
			return SyncResult{}, err
		}
		for _, h := range opt.DevHosts {
			if !IsDevHost(h) {
				return SyncResult{}, inputErrorf("dev host %q is not a loopback host:port (127.0.0.1:PORT, localhost:PORT or NAME.localhost:PORT)", h)
			}
		}
	}
	ownerID, err := resolveOwner(ctx, st, sp.Owner)
	if err != nil {
		return SyncResult{}, err
	}
	existing, err := st.AppBySpace(ctx, sp.ID())
	if err == nil && len(opt.DevHosts) > 0 {
		// A local run keeps the Space's own hosts.
		var own []string
		for _, h := range existing.SpaceHosts {
			if !IsDevHost(h) {
				own = append(own, h)
			}
		}
		if len(own) > 0 {
			sp.Hosts = own
		}
	}
	for _, h := range opt.DevHosts {
		if !slices.Contains(sp.Hosts, h) {
			sp.Hosts = append(slices.Clip(sp.Hosts), h)
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		if !md.HFOAuth {
			return SyncResult{}, nil
		}
		return create(ctx, st, sp, md, ownerID, now)
	case err != nil:
		return SyncResult{}, err
	}
	var res SyncResult
	if !md.HFOAuth {
		if existing.Disabled {
			return SyncResult{App: existing}, nil
		}
		err := st.UpdateApp(ctx, existing.ClientID, func(a *store.App) error {
			a.Disabled, a.UpdatedAt = true, now
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Revoked, err = st.RevokeTokens(ctx, store.TokenFilter{ClientID: existing.ClientID}, now)
		if err != nil {
			return res, err
		}
		res.Disabled = true
		res.App, err = st.App(ctx, existing.ClientID)
		return res, err
	}
	if err := checkOrgs(ctx, st, md.HFOAuthAuthorizedOrgs); err != nil {
		return res, err
	}
	want := wantedApp(sp, md, ownerID)
	err = st.UpdateApp(ctx, existing.ClientID, func(a *store.App) error {
		before := *a
		a.Name, a.OwnerID, a.SpaceHosts = want.Name, want.OwnerID, want.SpaceHosts
		a.Scopes, a.TokenTTL, a.AuthorizedOrgs = want.Scopes, want.TokenTTL, want.AuthorizedOrgs
		a.Disabled = false
		a.RefreshTokens = true
		res.Changed = !sameApp(before, *a)
		if res.Changed {
			a.UpdatedAt = now
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if opt.RotateSecret {
		if res.Secret, err = apps.RotateSecret(ctx, st, existing.ClientID, now); err != nil {
			return res, err
		}
	}
	res.App, err = st.App(ctx, existing.ClientID)
	return res, err
}

// Delete removes a deleted Space's app, with its consents and tokens. A
// Space without an app on this hub (never synced with hf_oauth, or
// deleted already) is an error wrapping store.ErrNotFound that says so.
func Delete(ctx context.Context, st Store, spaceID string) error {
	a, err := st.AppBySpace(ctx, spaceID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("the Space %s has no OAuth app on this hub (never synced with hf_oauth: true, or deleted already): nothing to delete: %w", spaceID, err)
	}
	if err != nil {
		return err
	}
	return st.DeleteApp(ctx, a.ClientID)
}

func create(ctx context.Context, st Store, sp Space, md Metadata, ownerID string, now time.Time) (SyncResult, error) {
	if err := checkOrgs(ctx, st, md.HFOAuthAuthorizedOrgs); err != nil {
		return SyncResult{}, err
	}
	app := wantedApp(sp, md, ownerID)
	app.ClientID = apps.NewClientID()
	secret, digest := apps.NewClientSecret()
	app.SecretHash, app.CreatedAt, app.UpdatedAt = digest, now, now
	if err := st.CreateApp(ctx, app); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			// Another sync of the same Space won the race: use its app.
			return Sync(ctx, st, sp, md, SyncOptions{}, now)
		}
		return SyncResult{}, err
	}
	return SyncResult{App: app, Secret: secret, Created: true}, nil
}

// wantedApp is the app the metadata asks for (without id and secret).
func wantedApp(sp Space, md Metadata, ownerID string) store.App {
	// The title is the app's name on the consent page: without control
	// and direction-changing characters, and never the hub's own name or
	// Hugging Face's (the Space id instead).
	name := protocol.CleanDisplayName(md.Title)
	if name == "" || protocol.ImpersonatesHub(name) {
		name = sp.ID()
	}
	orgs := slices.Clone(md.HFOAuthAuthorizedOrgs)
	if len(orgs) == 0 {
		orgs = nil
	}
	return store.App{
		Name:           name,
		OwnerID:        ownerID,
		SpaceID:        sp.ID(),
		SpaceHosts:     slices.Clone(sp.Hosts),
		Scopes:         protocol.NormalizeScopes(md.OAuthScopes()),
		TokenTTL:       time.Duration(md.ExpirationMinutes()) * time.Minute,
		AuthorizedOrgs: orgs,
		IDTokenAlg:     oidc.AlgRS256,
		RefreshTokens:  true,
	}
}

func sameApp(a, b store.App) bool {
	return a.Name == b.Name && a.OwnerID == b.OwnerID && slices.Equal(a.SpaceHosts, b.SpaceHosts) &&
		slices.Equal(a.Scopes, b.Scopes) && a.TokenTTL == b.TokenTTL && slices.Equal(a.AuthorizedOrgs, b.AuthorizedOrgs) &&
		a.Disabled == b.Disabled && a.RefreshTokens == b.RefreshTokens
}

// resolveOwner finds the Space owner, a user or an org.
func resolveOwner(ctx context.Context, st Store, owner string) (string, error) {
	o, err := accounts.ResolveOwner(ctx, st, owner)
	if errors.Is(err, store.ErrNotFound) {
		return "", inputErrorf("space owner %q is neither a user nor an org on this hub", owner)
	}
	return o.ID, err
}

// checkOrgs makes sure every hf_oauth_authorized_org exists. Each one
// that does not is a *MetadataError (without a line: Sync has no README;
// see LocateInReadme) naming the key and the value and listing the orgs
// the README could mean, closest first, or saying there are none and how
// to create one.
func checkOrgs(ctx context.Context, st Store, orgs []string) error {
	var missing []string
	for _, o := range orgs {
		if _, err := st.OrgByName(ctx, o); errors.Is(err, store.ErrNotFound) {
			missing = append(missing, o)
		} else if err != nil {
			return err
		}
	}
	if len(missing) == 0 {
		return nil
	}
	all, err := st.ListOrgs(ctx)
	if err != nil {
		return err
	}
	names := make([]string, len(all))
	for i, o := range all {
		names[i] = o.Name
	}
	var errs []error
	var msgs []string
	for _, o := range missing {
		me := &MetadataError{Key: "hf_oauth_authorized_org", Value: strconv.Quote(o), Msg: "does not exist on this hub"}
		if len(names) == 0 {
			me.Allowed = "an existing org, and this hub has none yet: create it (hubid org add " + o + ", then hubid org member " + o + " USER), or remove the key to let everyone sign in"
		} else {
			close := closestNames(o, names)
			if d := editDistance(strings.ToLower(o), strings.ToLower(close[0])); d <= max(2, len(o)/4) {
				me.Msg += fmt.Sprintf(" (did you mean %q?)", close[0])
			}
			shown := close[:min(len(close), 10)]
			me.Allowed = "an existing org: " + strings.Join(shown, ", ")
			if len(close) > len(shown) {
				me.Allowed += fmt.Sprintf(" and %d more (hubid org list)", len(close)-len(shown))
			}
			me.Allowed += "; or create it (hubid org add " + o + ")"
		}
		errs = append(errs, me)
		msgs = append(msgs, me.Error())
	}
	return &InputError{Msg: strings.Join(msgs, "\n"), Err: errors.Join(errs...)}
}

// closestNames sorts names, ignoring case: first those sharing at least
// three leading characters with name ("acme" and "acme-research" for
// "acmee"), then by edit distance, then alphabetically.
func closestNames(name string, names []string) []string {
	lower := strings.ToLower(name)
	out := slices.Clone(names)
	type rank struct{ far, dist int }
	ranks := make(map[string]rank, len(out))
	for _, n := range out {
		ln := strings.ToLower(n)
		p := 0
		for p < len(ln) && p < len(lower) && ln[p] == lower[p] {
			p++
		}
		r := rank{far: 1, dist: editDistance(lower, ln)}
		if p >= min(3, len(lower)) {
			r.far = 0
		}
		ranks[n] = r
	}
	slices.SortStableFunc(out, func(a, b string) int {
		ra, rb := ranks[a], ranks[b]
		if ra.far != rb.far {
			return ra.far - rb.far
		}
		if ra.dist != rb.dist {
			return ra.dist - rb.dist
		}
		return strings.Compare(a, b)
	})
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (org names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
