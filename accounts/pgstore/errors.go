package pgstore

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// PostgreSQL SQLSTATE codes MapError translates.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	// badText is character_not_in_repertoire: bytes that are not UTF-8,
	// or a NUL, in a text value; untranslatable is a character the
	// database's encoding cannot hold.
	badText        = "22021"
	untranslatable = "22P05"
)

// sqlState returns the SQLSTATE of err, or "".
func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// MapUnavailable returns err marked as accounts.ErrUnavailable when it means
// that the database cannot serve calls now but may later (a 503): it
// could not be reached (connection refused, reset or closed, any network
// error, a failed connect), a call timed out or passed its deadline (the
// pool's wait included), or the server said so: connection exceptions
// (class 08), admin or crash shutdown and "cannot connect now" (57P01–03),
// a cancelled statement (57014, statement_timeout), insufficient resources
// (class 53: disk full, out of memory, too many connections), a read-only
// transaction (25006, a standby). Other errors are returned unchanged.
func MapUnavailable(err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return accounts.Unavailable(err)
	}
	return err
}

func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"):
			return true
		}
		switch pe.Code {
		case "57P01", "57P02", "57P03", "57014", "25006":
			return true
		}
		return false // any other answer of a working server
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed)
}

// MapError turns driver errors into the domain's sentinels: no rows is
// accounts.ErrNotFound, a unique violation (23505) accounts.ErrConflict, a
// foreign key violation (23503: the user a row would belong to does not
// exist) accounts.ErrNotFound, text the server refuses (22021, 22P05: not
// UTF-8, a NUL) a *accounts.ValidationError of the field "text", as
// accounts.CheckText would have said before the query, and what
// MapUnavailable knows accounts.ErrUnavailable. Other errors are returned
// unchanged.
func MapError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return accounts.ErrNotFound
	}
	switch sqlState(err) {
	case uniqueViolation:
		return accounts.ErrConflict
	case foreignKeyViolation:
		return accounts.ErrNotFound
	case badText, untranslatable:
		// CheckText's message for bad text, the same on every engine.
		return accounts.CheckText(accounts.TextField{Name: "text", Value: "\x00"})
	}
	return MapUnavailable(err)
}
