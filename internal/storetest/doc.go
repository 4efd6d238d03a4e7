// Package storetest is the contract suite of the notes half of every
// notes.Store engine: the identity half (users, sessions, API keys,
// tokens, retention) is accounts/accountstest's, which every engine runs
// too.
//
// An engine's own test calls Run with a function that opens a fresh, empty,
// migrated store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store {
//			db := openMigrated(t) // engine specific
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// Each behaviour of the contract is one parallel subtest with its own store:
// notes CRUD and owner isolation (someone else's note is ErrNotFound and
// stays unchanged), the zero Owner owning nothing, keyset pagination, the
// admin-only DeleteAnyNote, the per-user note quota (bursts of 50 parallel
// creates included), note text, concurrent writes and Ping. Users are
// created through the accounts interfaces the store also implements.
// RunImport and RunOperator check the operator's import and methods.
//
// Times: an engine may store them at any precision of a millisecond or
// finer. A time the caller passed in (an expiry, a last-use time) must come
// back within a millisecond; a time the store returned must round-trip
// exactly through later reads and as a now argument; every returned time must
// be in UTC.
package storetest
