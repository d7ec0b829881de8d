// Package spaces is what a hub needs to know about Spaces: it reads a
// Space's README.md front matter into its configuration (Metadata, with
// ParseReadme), holds the rules for Space ids and hosts (ParseSpaceID,
// DefaultHost, ValidateHosts, IsDevHost), syncs the Space's OAuth app
// with that configuration idempotently (Sync, Delete), and builds the
// environment a Space process gets (BuildEnv: SPACE_*, OAUTH_*,
// OPENID_PROVIDER_URL) and the answer to a sync (NewSyncResponse), the
// same for the hub's API and for a local hubid space sync.
//
// It takes the clock and the store from its callers. Parsing and validation
// read no files and touch no store: a README's problems are reported with
// README line numbers before anything changes. It never logs a client
// secret; the secret a sync creates is returned once, to its caller.
//
// It does not run Spaces: processes, the local CA, listeners, the proxy
// and static serving are internal/spacerun's, which the hub's server never
// links. This package must not import internal/spacerun.
package spaces
