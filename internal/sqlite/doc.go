// Package sqlite implements notes.Store on SQLite through the pure-Go driver
// modernc.org/sqlite, so notesd builds and runs without cgo.
//
// A DB holds two connection pools on one database file: a single writer
// connection, through which every write and every transaction goes (SQLite
// allows one writer at a time; queuing in Go is cheaper than SQLITE_BUSY),
// and a small pool of query-only readers, which WAL mode lets run alongside
// the writer. Every connection runs with journal_mode=WAL,
// foreign_keys=ON, busy_timeout=5000 and synchronous=FULL (or NORMAL, see
// Options).
//
// Writes are grouped (group commit, see DB.write and Options.NoGroupCommit):
// one goroutine runs the writes that queued while the previous commit was
// syncing, each in its own SAVEPOINT of one transaction, commits once and
// only then answers each caller, so synchronous=FULL costs one sync per
// batch rather than per write.
//
// The schema lives in numbered SQL files under migrations/, embedded in the
// binary and applied by Migrate; Open never changes the schema.
//
// Times are stored as INTEGER unix microseconds and returned in UTC.
// Every query that reads or changes user data has the owner's id in its
// WHERE clause, so a row of someone else is indistinguishable from a missing
// one (notes.ErrNotFound).
package sqlite
