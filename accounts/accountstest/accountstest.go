// Package accountstest is the contract every accounts store must keep,
// as a test suite: a third engine (MySQL, …) proves itself by passing Run.
package accountstest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// Store is what the suite tests: one engine's store with every capability
// of accounts.Stores on one database.
type Store interface {
	accounts.Users
	accounts.Sessions
	accounts.WebSessions
	accounts.APIKeys
	accounts.Tokens
	accounts.Purger
}

// Run runs the whole contract suite against the engine that open opens.
// open is called once per subtest, possibly from parallel subtests, and
// must return a fresh, empty, migrated store; it should register the
// store's Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Helper()
	t.Skip("accountstest: the behaviours move here from internal/storetest")
	_ = open
}
