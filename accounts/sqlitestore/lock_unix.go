//go:build unix

package sqlitestore

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile claims the database file f (at path) for this process as its
// one server: an exclusive, non-blocking advisory flock(2) on the file
// itself, so it holds whatever path names the file (symlinks, hard links,
// bind mounts, ./ and ..), and the kernel releases it if the process dies.
//
// flock(2) locks are independent of the POSIX fcntl(2) locks SQLite takes
// on the same file, so the lock does not disturb SQLite, and processes that
// do not serve (the CLI) open the database beside the server as before.
// Closing any descriptor of the file drops the POSIX locks this process
// holds on it, SQLite's included, so f must stay open until the connection
// pools are closed (Store.Close closes it last).
func lockFile(f *os.File, path string) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("sqlitestore: %s %w", path, ErrInUse)
		}
		return fmt.Errorf("sqlitestore: lock: %w", err)
	}
	return nil
}
