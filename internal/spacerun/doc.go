// Package spacerun is the local Space runner: what `hubid space run` needs
// to do on one machine what Spaces do, and nothing the hub serves. It owns
//
//   - the app process (RunApp, AppOptions): a process group of its own,
//     signals passed on, SIGTERM then SIGKILL, the exit status as a shell
//     reports it; WaitForPort;
//   - the command and port variables for a README's sdk (DefaultCommand,
//     AppEnv);
//   - the local CA (LoadOrCreateCA) that signs the Space host's TLS
//     certificates, kept in a directory so it is trusted once;
//   - the Space host listener (ServeDual): plain HTTP and HTTPS on one
//     port;
//   - the reverse proxy to the app (NewProxy) and the static Space server
//     with window.huggingface.variables injected (NewStaticHandler,
//     NewStaticAppHandler).
//
// It knows nothing of the hub: no store, no OAuth app, no README parsing.
// The command reads the README and syncs the Space with internal/spaces,
// then hands this package a command, an environment and the variables
// browsers may see; the static server refuses any that look secret.
//
// internal/server must never import it, directly or not, so the provider
// binary's server links no process control, CA or proxy code;
// TestServerDoesNotImportSpaceRunner in internal/server fails when it does.
package spacerun
