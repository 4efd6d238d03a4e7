//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Lock claims the database for this process as its one server, until
// Close: a second process that tries to serve the same file gets an error
// instead of a stale auth cache. Processes that do not serve (the CLI) do
// not lock. The claim is an advisory flock on "<database>.lock", released
// by the kernel if the process dies.
func (db *DB) Lock() error {
	f, err := os.OpenFile(db.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("sqlite: %s is being served by another process", db.path)
		}
		return fmt.Errorf("sqlite: lock: %w", err)
	}
	db.lock = f
	return nil
}
