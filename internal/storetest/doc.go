// Package storetest is the contract suite every notes.Store engine runs.
//
// An engine's own test calls Run with a function that opens a fresh, empty,
// migrated store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) notes.Store {
//			db := openMigrated(t) // engine specific
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// Each behaviour of the contract is one parallel subtest with its own store:
// owner isolation (someone else's row is ErrNotFound and stays unchanged),
// the zero Owner owning nothing, keyset pagination, the last-admin rule,
// session and API key lifecycles, the admin-only DeleteAnyNote, the
// per-user quotas (bursts of 50 parallel creates included) and the
// batched retention Purge.
//
// Times: an engine may store them at any precision of a millisecond or
// finer. A time the caller passed in (an expiry, a last-use time) must come
// back within a millisecond; a time the store returned must round-trip
// exactly through later reads and as a now argument; every returned time must
// be in UTC.
package storetest
