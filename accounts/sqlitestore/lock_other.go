//go:build !unix

package sqlitestore

import "os"

// lockFile does not lock where flock(2) is not available: run one server
// per database file there.
func lockFile(*os.File, string) error { return nil }
