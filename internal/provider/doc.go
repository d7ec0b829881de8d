// Package provider is the one place where hubid's provider stack is built:
// the store's secrets (CSRF/MAC key, authorization-code key), the signing
// keys, the password hasher, the rate limits, the token endpoint with its
// grants, and the HTTP server on top of them. `hubid serve` and `hubid
// dev`, signintest, the server's tests, the benchmarks and the end-to-end
// tests all call New, so what runs in a test is what runs in production.
//
// It wires; it holds no protocol rule, no HTTP handler and no SQL. It must
// not set process-wide state (the default logger, GC tuning): the command
// decides those.
package provider
