package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to the new file path
// (mode 0600) with VACUUM INTO. It runs on this Store's writer connection (the
// readers are query-only), which it holds while it copies; but VACUUM INTO
// only reads one snapshot of a WAL database and takes no write lock of the
// file, so the server, another process, keeps reading and writing: the CLI
// opens the file with Open, beside its server. The copy is written beside path and renamed into place once it
// is complete and synced, so path never holds half a copy. An existing path
// is refused.
func (db *Store) Backup(ctx context.Context, path string) (err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	if abs == db.path {
		return errors.New("sqlitestore: backup: the copy would overwrite the database")
	}
	if _, err := os.Lstat(abs); err == nil {
		return fmt.Errorf("sqlitestore: backup: %s already exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	// VACUUM INTO fills an empty file; creating it first gives it mode 0600
	// (it holds password hashes) and fails if another backup races this one.
	tmp := abs + ".part"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	// A hard link, unlike a rename, never replaces a file that appeared
	// meanwhile.
	if err := os.Link(tmp, abs); err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	if err := syncFile(filepath.Dir(abs)); err != nil {
		return fmt.Errorf("sqlitestore: backup: %w", err)
	}
	return nil
}

// syncFile flushes the file or directory at path to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
