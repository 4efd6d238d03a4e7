package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// TestMapUnavailable: the errors of a PostgreSQL that is down, stalled or
// out of resources are accounts.ErrUnavailable (SPEC §2: 503); the answers
// of a working server are not.
func TestMapUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("dial: %w", refused), true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"connection closed mid-answer", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"deadline exceeded", fmt.Errorf("acquire: %w", context.DeadlineExceeded), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"disk full", &pgconn.PgError{Code: "53100"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"read-only transaction", &pgconn.PgError{Code: "25006"}, true},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"other", errors.New("boom"), false},
	} {
		got := MapUnavailable(c.err)
		if errors.Is(got, accounts.ErrUnavailable) != c.want {
			t.Errorf("MapUnavailable(%s: %v) = %v, want unavailable %v", c.name, c.err, got, c.want)
		}
		if c.want && !errors.Is(got, c.err) {
			t.Errorf("MapUnavailable(%s) = %v, want the cause kept", c.name, got)
		}
	}
}

// TestMapError: the driver's answers become the accounts sentinels.
func TestMapError(t *testing.T) {
	t.Parallel()
	other := errors.New("boom")
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"no rows", fmt.Errorf("scan: %w", pgx.ErrNoRows), accounts.ErrNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505"}, accounts.ErrConflict},
		{"foreign key violation", &pgconn.PgError{Code: "23503"}, accounts.ErrNotFound},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, accounts.ErrUnavailable},
		{"syntax error", &pgconn.PgError{Code: "42601"}, nil},
		{"other", other, other},
		{"nil", nil, nil},
	} {
		got := MapError(c.err)
		switch {
		case c.want == nil && c.err != nil:
			if got != c.err {
				t.Errorf("MapError(%s) = %v, want it unchanged", c.name, got)
			}
		case !errors.Is(got, c.want):
			t.Errorf("MapError(%s) = %v, want %v", c.name, got, c.want)
		}
	}
	for _, code := range []string{"22021", "22P05"} {
		var ve *accounts.ValidationError
		if err := MapError(&pgconn.PgError{Code: code}); !errors.As(err, &ve) || len(ve.Fields) != 1 {
			t.Errorf("MapError(%s) = %v, want a *accounts.ValidationError of one field", code, err)
		}
	}
}
