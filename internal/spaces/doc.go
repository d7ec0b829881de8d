// Package spaces does on one hub what Spaces do: it reads a Space's
// README.md front matter into its configuration (Metadata, with
// ParseReadme), syncs the Space's OAuth app with that configuration
// idempotently (Sync), builds the environment a Space process gets
// (BuildEnv: SPACE_*, OAUTH_*, OPENID_PROVIDER_URL), and runs a Space's app
// locally: the app process, a proxy in front of it, and the files of a
// static Space with window.huggingface.variables injected.
//
// It takes the clock and the store from its callers. Parsing and validation
// read no files and touch no store: a README's problems are reported with
// README line numbers before anything changes. It never logs a client
// secret; the secret a sync creates is returned once, to its caller.
package spaces
