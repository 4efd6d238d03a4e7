package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/pgstore"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// DB is a notes.Store on one PostgreSQL database (the schema the
// connection's search_path names): the identity half is the embedded
// pgstore.Store, the notes half lives here, in the same database. It is
// safe for concurrent use. Create it with Open, then call Migrate.
type DB struct {
	*pgstore.Store
}

var _ notes.Store = (*DB)(nil)

// Open connects to the PostgreSQL database at url (postgres:// or
// postgresql://, any libpq-style parameters, search_path included) and
// checks that it answers. It does not change the schema: call Migrate
// before use.
func Open(ctx context.Context, url string) (*DB, error) {
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return &DB{Store: st}, nil
}

// OpenWith is Open with the settings of o (pgstore.OpenWith).
func OpenWith(ctx context.Context, url string, o pgstore.Options) (*DB, error) {
	st, err := pgstore.OpenWith(ctx, url, o)
	if err != nil {
		return nil, err
	}
	return &DB{Store: st}, nil
}

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	st, err := pgstore.OpenConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &DB{Store: st}, nil
}

// MapUnavailable returns err marked as notes.ErrUnavailable when it means
// that the database cannot serve calls now but may later: see
// pgstore.MapUnavailable.
func MapUnavailable(err error) error { return pgstore.MapUnavailable(err) }

// mapErr turns driver errors into the domain's sentinels (pgstore.MapError).
func mapErr(err error) error { return pgstore.MapError(err) }

// inTx runs fn in a transaction and commits when fn returns nil; otherwise
// it rolls back and returns fn's error.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.Pool(), fn)
}

// toDB converts t to the stored form: unix microseconds.
func toDB(t time.Time) int64 { return t.UnixMicro() }

// fromDB converts a stored time back, in UTC.
func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

// now is the current time at the stored precision, in UTC.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row of rows with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// oneRow returns accounts.ErrNotFound unless tag reports at least one row.
func oneRow(tag interface{ RowsAffected() int64 }) error {
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}
