package spaces

// SyncResponse is the answer to a sync: what it did and the Space's
// environment. It is the body of the hub's answer to PUT
// /api/spaces/{owner}/{name} and what hubid space sync --json prints,
// whether the sync ran on the hub or on the local database.
// OAUTH_CLIENT_SECRET is in Env only when the secret was created or
// rotated by this sync; otherwise it is empty and ClientSecretIncluded is
// false.
type SyncResponse struct {
	SpaceID              string `json:"space_id"`
	HFOAuth              bool   `json:"hf_oauth"`
	ClientID             string `json:"client_id,omitempty"`
	Created              bool   `json:"created"`
	Changed              bool   `json:"changed"`
	Disabled             bool   `json:"disabled"`
	ClientSecretIncluded bool   `json:"client_secret_included"`
	Env                  Env    `json:"env"`
}

// NewSyncResponse is the answer to a sync of sp with md and opt that
// returned res, for the hub whose issuer URL is issuer: the one place it
// is made, for the hub's API and for a local sync alike. The environment
// is BuildEnv's, with opt.CreatorID as SPACE_CREATOR_USER_ID; with
// opt.DevHosts, SPACE_HOST lists them instead of sp.Hosts, since a local
// run serves the app there. HF_ENDPOINT is the issuer unless
// opt.HFEndpoint says otherwise.
func NewSyncResponse(issuer string, sp Space, md Metadata, opt SyncOptions, res SyncResult) SyncResponse {
	if len(opt.DevHosts) > 0 {
		sp.Hosts = opt.DevHosts
	}
	return SyncResponse{
		SpaceID:              sp.ID(),
		HFOAuth:              md.HFOAuth,
		ClientID:             res.App.ClientID,
		Created:              res.Created,
		Changed:              res.Changed,
		Disabled:             res.Disabled,
		ClientSecretIncluded: res.Secret != "",
		Env:                  BuildEnv(EnvParams{Issuer: issuer, Space: sp, Metadata: md, App: res.App, Secret: res.Secret, CreatorID: opt.CreatorID, HFEndpoint: hfEndpoint(opt.HFEndpoint, issuer)}),
	}
}
