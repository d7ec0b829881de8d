package storetest

import (
	"testing"

	"github.com/hubid/hubid/internal/store"
)

// Run runs the conformance suite against the backend that open creates:
// every aggregate's tests, in the order of aggregates.
//
// Every call of open must return a new, empty store and arrange for it to
// be closed when t ends (t.Cleanup). Subtests do not run in parallel, so a
// backend may reuse one database between them if open empties it. The
// aggregate functions (Users, Orgs, Apps, …) take the same arguments and
// run one aggregate's tests alone, with the same subtest names.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, run := range aggregates {
		run(t, open)
	}
}

// aggregates are the parts of the suite, in the order Run runs them.
var aggregates = []func(*testing.T, func(t *testing.T) store.Store){
	Users,
	Orgs,
	Apps,
	Consents,
	Codes,
	Tokens,
	DeviceCodes,
	Sessions,
	Keys,
	Secrets,
	GarbageCollect,
}

// suite gives the tests the backend's open function.
type suite struct {
	open func(t *testing.T) store.Store
}

// test is a subtest of an aggregate.
type test struct {
	name string
	fn   func(*testing.T)
}

// run runs tests as subtests of t, one after another.
func run(t *testing.T, tests []test) {
	for _, tc := range tests {
		t.Run(tc.name, tc.fn)
	}
}
