package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"syscall"

	sqlitedriver "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// errCode returns the SQLite extended result code of err, or 0.
func errCode(err error) int {
	var e *sqlitedriver.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	c := errCode(err)
	return c == sqlitelib.SQLITE_CONSTRAINT_UNIQUE || c == sqlitelib.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	return errCode(err) == sqlitelib.SQLITE_CONSTRAINT_FOREIGNKEY
}

// MapUnavailable returns err marked as accounts.ErrUnavailable when it means
// that the database cannot serve calls now but may later (SPEC §2): disk
// full (SQLITE_FULL, ENOSPC), read-only (SQLITE_READONLY, EROFS), failing
// I/O (SQLITE_IOERR, EIO), a file it cannot open (SQLITE_CANTOPEN), locked
// by another process past busy_timeout (SQLITE_BUSY), a call interrupted
// by its deadline (SQLITE_INTERRUPT, context.DeadlineExceeded). Other
// errors are returned unchanged.
func MapUnavailable(err error) error {
	if err == nil {
		return nil
	}
	switch errCode(err) & 0xff { // the primary result code
	case sqlitelib.SQLITE_FULL, sqlitelib.SQLITE_READONLY, sqlitelib.SQLITE_IOERR,
		sqlitelib.SQLITE_CANTOPEN, sqlitelib.SQLITE_BUSY, sqlitelib.SQLITE_INTERRUPT:
		return accounts.Unavailable(err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ENOSPC) ||
		errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EIO) {
		return accounts.Unavailable(err)
	}
	return err
}

// MapError turns driver errors into accounts' sentinels, for an app's
// queries as for the store's own: no rows is accounts.ErrNotFound, a unique
// violation accounts.ErrConflict, a foreign key violation (the user a row
// would belong to does not exist) accounts.ErrNotFound, and what
// MapUnavailable knows accounts.ErrUnavailable. Other errors are returned
// unchanged.
func MapError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return accounts.ErrNotFound
	case isUnique(err):
		return accounts.ErrConflict
	case isForeignKey(err):
		return accounts.ErrNotFound
	}
	return MapUnavailable(err)
}
