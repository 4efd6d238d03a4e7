package sqlite

import (
	"database/sql"
	"errors"

	sqlitedriver "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
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

// mapErr turns driver errors into the domain's sentinels: no rows is
// notes.ErrNotFound, a unique violation notes.ErrConflict and a foreign key
// violation (the user a row would belong to does not exist)
// notes.ErrNotFound. Other errors are returned unchanged.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return notes.ErrNotFound
	case isUnique(err):
		return notes.ErrConflict
	case isForeignKey(err):
		return notes.ErrNotFound
	}
	return err
}
