package grants

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/limits"
	"github.com/hubid/hubid/internal/protocol"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// DevicePath is where device authorization requests are posted (RFC 8628
// §3.1) and, with GET, where people type the user code: the same path on
// huggingface.co.
const DevicePath = "/oauth/device"

// userCodeAttempts bounds the retries when a fresh user code collides with
// a live one (the store keeps user codes unique).
const userCodeAttempts = 5

// ServeDeviceAuthorization is POST /oauth/device (RFC 8628 §3.1-3.2), as
// huggingface.co answers it: the form carries client_id and an optional
// scope; an app with a secret authenticates (Basic or client_secret in the
// body), a public app sends its client_id alone, as huggingface_hub does.
// Without scope the app's scopes are asked for. An unknown scope name is
// invalid_request listing the valid ones (HF's answer); a known scope the
// app was not given is invalid_scope.
func (h *Handler) ServeDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	resp, e := h.deviceAuthorization(w, r)
	if e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	httpx.WriteJSON(w, r, http.StatusOK, resp)
}

// deviceAuthorizationPolicy: the app names itself (an app with a secret
// authenticates) and may ask for scopes within its own.
var deviceAuthorizationPolicy = Policy{
	Client:          ClientIdentified,
	NoClient:        oidc.InvalidClient("client_id is missing: send the app's client_id (and, for an app with a secret, authenticate with Basic)"),
	Unauthenticated: oidc.InvalidClient("this app has a client secret: authenticate with Authorization: Basic base64(client_id:client_secret)"),
	Scope:           ScopeRequested,
}

func (h *Handler) deviceAuthorization(w http.ResponseWriter, r *http.Request) (*oidc.DeviceAuthorizationResponse, *oidc.Error) {
	req, e := h.endpointRequest(w, r, deviceAuthorizationPolicy)
	if e != nil {
		return nil, e
	}
	app, granted := req.Client, req.Scopes
	if e := h.limit(w, r, limits.Device, app.ClientID, "device authorizations from this client and address"); e != nil {
		return nil, e
	}
	now := h.now()
	for range userCodeAttempts {
		deviceCode, digest := store.NewSecret("")
		userCode := protocol.NewUserCode(rand.Reader)
		normalized, _ := protocol.NormalizeUserCode(userCode)
		err := h.Store.CreateDeviceCode(r.Context(), store.DeviceCode{
			Hash: digest, UserCodeHash: store.Hash(normalized), ClientID: app.ClientID, Scopes: granted,
			Status: store.DevicePending, Interval: protocol.DevicePollInterval,
			CreatedAt: now, ExpiresAt: now.Add(protocol.DeviceCodeTTL),
		})
		if errors.Is(err, store.ErrAlreadyExists) {
			continue
		}
		if err != nil {
			return nil, oidc.ServerError(err)
		}
		verify := h.Issuer + DevicePath
		return &oidc.DeviceAuthorizationResponse{
			DeviceCode:              deviceCode,
			UserCode:                userCode,
			VerificationURI:         verify,
			VerificationURIComplete: verify + "?" + url.Values{"user_code": {userCode}}.Encode(),
			ExpiresIn:               int64(protocol.DeviceCodeTTL / time.Second),
			Interval:                int64(protocol.DevicePollInterval / time.Second),
		}, nil
	}
	return nil, oidc.ServerError(fmt.Errorf("no free user code after %d attempts", userCodeAttempts))
}

// DeviceCode is the device_code grant (RFC 8628 §3.4-3.5): the device
// polls with the device code until the user approved or denied it in the
// browser, or it expired. Client rules are those of the code grant without
// the PKCE exception: a public app sends its client_id, an app with a
// secret authenticates.
//
// Answers, in order: a code that is unknown, was issued to another client
// or was redeemed before is invalid_grant; a code past its 15 minutes is
// expired_token; a denied one access_denied (HTTP 400, as huggingface.co
// sends it); an approved one gets the tokens, always with a refresh token,
// and is marked used; a pending one authorization_pending, or slow_down
// when the poll came sooner than the interval (less DevicePollLeeway)
// after the previous one, and then the interval grows by 5 s for this and
// every later poll (RFC 8628 §3.5).
//
// A redeemed code presented again revokes nothing: unlike an authorization
// code it never travels through a browser, so a second presentation is the
// device retrying, not a thief.
type DeviceCode struct {
	Store  DeviceStore
	Minter *Minter
}

// Type implements Grant.
func (DeviceCode) Type() string { return oidc.GrantDeviceCode }

// errNotPending stops a poll's update when the code was decided meanwhile.
var errNotPending = errors.New("device code no longer pending")

// Policy implements Grant: the device names its client, an app with a
// secret authenticates; the scopes are those the user approved.
func (DeviceCode) Policy() Policy {
	return Policy{
		Required:        []Param{{"device_code", "device_code is missing; send the device_code from the device authorization response"}},
		Client:          ClientIdentified,
		NoClient:        oidc.InvalidRequest("client_id is missing: a device token request names its client (and an app with a secret authenticates)"),
		Unauthenticated: oidc.InvalidClient("client authentication is required for this client: send its client_secret (Basic or in the body)"),
		Scope:           ScopeFromGrant,
	}
}

// Exchange implements Grant. A pending poll records its time and, for
// slow_down, the longer interval: the one change it makes on an error.
func (g DeviceCode) Exchange(ctx context.Context, req *Request) (*oidc.TokenResponse, *oidc.Error) {
	hash := store.Hash(req.DeviceCode)
	now := g.Minter.Now()
	d, err := g.Store.DeviceCode(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.InvalidGrant("the device code is invalid or has expired; start the login again")
	}
	if err != nil {
		return nil, oidc.ServerError(err)
	}
	if d.ClientID != req.ClientID {
		return nil, oidc.InvalidGrant("the device code was issued to another client")
	}
	if d.Status == store.DevicePending {
		if d, err = g.poll(ctx, hash, now); err != nil {
			return nil, oidc.AsError(err)
		}
	}
	switch {
	case !d.UsedAt.IsZero():
		return nil, oidc.InvalidGrant("the device code was already used; start the login again")
	case !now.Before(d.ExpiresAt):
		return nil, oidc.NewError(oidc.CodeExpiredToken, "the device code has expired (codes live 15 minutes); start the login again")
	case d.Status == store.DeviceDenied:
		return nil, oidc.NewError(oidc.CodeAccessDenied, "Device code denied").WithStatus(http.StatusBadRequest)
	case d.Status != store.DeviceApproved:
		return nil, oidc.ServerError(fmt.Errorf("device code in unknown status %q", d.Status))
	}
	return g.redeem(ctx, req, d, now)
}

// poll records a poll of a pending code and returns the pending answer as
// an error, or the code as it is now when it was decided meanwhile.
func (g DeviceCode) poll(ctx context.Context, hash store.Digest, now time.Time) (store.DeviceCode, error) {
	var answer *oidc.Error
	err := g.Store.UpdateDeviceCode(ctx, hash, func(d *store.DeviceCode) error {
		if d.Status != store.DevicePending {
			return errNotPending
		}
		if !now.Before(d.ExpiresAt) || !d.UsedAt.IsZero() {
			// Answered from the row as read; nothing to record.
			return errNotPending
		}
		if !d.LastPollAt.IsZero() && now.Sub(d.LastPollAt) < d.Interval-protocol.DevicePollLeeway {
			d.Interval += protocol.SlowDownStep
			answer = oidc.NewError(oidc.CodeSlowDown, fmt.Sprintf("polling too fast; poll at most every %d seconds", int64(d.Interval/time.Second)))
		} else {
			answer = oidc.NewError(oidc.CodeAuthorizationPending, "the user has not yet approved this login; keep polling")
		}
		d.LastPollAt = now
		return nil
	})
	switch {
	case err == nil:
		return store.DeviceCode{}, answer
	case errors.Is(err, errNotPending):
		d, err := g.Store.DeviceCode(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return d, oidc.InvalidGrant("the device code is invalid or has expired; start the login again")
		}
		return d, err
	case errors.Is(err, store.ErrNotFound):
		return store.DeviceCode{}, oidc.InvalidGrant("the device code is invalid or has expired; start the login again")
	default:
		return store.DeviceCode{}, err
	}
}

// redeem mints the tokens of an approved code and marks it used, in one
// transaction.
func (g DeviceCode) redeem(ctx context.Context, req *Request, d store.DeviceCode, now time.Time) (*oidc.TokenResponse, *oidc.Error) {
	user, err := g.Store.User(ctx, d.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.InvalidGrant("the user who approved this login no longer exists")
	}
	if err != nil {
		return nil, oidc.ServerError(err)
	}
	if e := checkAuthorizedOrgs(ctx, g.Store, *req.Client, user); e != nil {
		// The user left the app's orgs after approving.
		return nil, e
	}
	issued, oerr := g.Minter.Mint(ctx, MintParams{
		App: *req.Client, User: user, Scopes: d.Scopes, AuthTime: d.AuthTime, CodeHash: d.Hash, Refresh: true,
	})
	if oerr != nil {
		return nil, oerr
	}
	switch err := g.Store.RedeemDeviceCode(ctx, d.Hash, now, issued.Rows); {
	case errors.Is(err, store.ErrCodeUsed):
		return nil, oidc.InvalidGrant("the device code was already used; start the login again")
	case errors.Is(err, store.ErrNotFound):
		return nil, oidc.InvalidGrant("the device code is invalid or has expired; start the login again")
	case err != nil:
		return nil, oidc.ServerError(err)
	}
	return issued.Response, nil
}
