// Package e2e proves that the clients people already use work against
// hubid unchanged: authlib (the library under gradio and huggingface_hub),
// openid-client, @huggingface/hub in headless Chromium, and go-oidc. The
// tests run the real provider in-process and drive each client as a
// subprocess, installed from the package registries by .ci/run.
//
// Where a client is missing the test skips with a one-line reason naming
// the package to install; with HUBID_E2E=require (as CI sets) a missing
// client fails instead. TestMain installs the locked npm packages itself
// (npm ci, where npm is present) and ends the run with one line naming
// every skipped test and why.
package e2e
