// Package accountstest is the contract every accounts store must keep,
// as a test suite: a third engine (MySQL, …) proves itself by passing Run.
//
// An engine's own test calls Run with a function that opens a fresh, empty,
// migrated store:
//
//	func TestAccounts(t *testing.T) {
//		accountstest.Run(t, func(t *testing.T) accountstest.Store {
//			st := openMigrated(t) // engine specific
//			t.Cleanup(func() { st.Close() })
//			return st
//		})
//	}
//
// Each behaviour of the contract is one parallel subtest with its own
// store: users (unique e-mail, keyset pages, the last-admin rule,
// deactivation revoking sessions, the admin grant and owner proofs the
// calls ask for), login sessions (lookup, touch, revocation, the owner's
// view), refresh-token rotation with reuse detection and the retry
// window, web sessions (by cookie hash, idle timeout), API keys (by
// prefix, touch, revocation, the owner's view), the per-user quotas of
// sessions and keys (bursts of 50 parallel creates included), the
// batched retention Purge, account tokens (single use under concurrency,
// replacement, reset and verification), text (invalid UTF-8 and NUL
// refused as a *accounts.ValidationError, session metadata cleaned) and
// concurrent writes. A store that caches lookups must still stop
// answering for what a write revoked, at once: the suite looks sessions and
// keys up before it revokes them.
//
// Times: an engine may store them at any precision of a millisecond or
// finer. A time the caller passed in (an expiry, a last-use time) must come
// back within a millisecond; a time the store returned must round-trip
// exactly through later reads and as a now argument; every returned time
// must be in UTC.
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
	for _, b := range behaviours() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			b.test(t, open(t))
		})
	}
}
