package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// PostgreSQL SQLSTATE codes mapErr translates.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// sqlState returns the SQLSTATE of err, or "".
func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// mapErr turns driver errors into the domain's sentinels: no rows is
// notes.ErrNotFound, a unique violation (23505) notes.ErrConflict and a
// foreign key violation (23503: the user a row would belong to does not
// exist) notes.ErrNotFound. Other errors are returned unchanged.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return notes.ErrNotFound
	}
	switch sqlState(err) {
	case uniqueViolation:
		return notes.ErrConflict
	case foreignKeyViolation:
		return notes.ErrNotFound
	}
	return err
}
