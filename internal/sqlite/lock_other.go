//go:build !unix

package sqlite

// Lock is a no-op where flock is not available: run one server per
// database file there.
func (db *DB) Lock() error { return nil }
