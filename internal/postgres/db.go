package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// DB is a notes.Store on one PostgreSQL database (the schema the
// connection's search_path names). It is safe for concurrent use. Create it
// with Open, then call Migrate.
type DB struct {
	pool *pgxpool.Pool
}

var _ notes.Store = (*DB)(nil)

// Open connects to the PostgreSQL database at url (postgres:// or
// postgresql://, any libpq-style parameters, search_path included) and
// checks that it answers. It does not change the schema: call Migrate
// before use.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx redacts passwords from its parse errors only on a best-effort
		// basis, so the URL (and the error quoting it) is not shown.
		return nil, errors.New("postgres: open: cannot parse the database URL (not shown: it may hold a password)")
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Ping checks that the database can commit a write (SPEC §4 /readyz): it
// upserts the one row of the health table in a transaction, so a server
// that is down, stalled past the deadline of ctx, read-only or out of
// space fails it.
func (db *DB) Ping(ctx context.Context) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO health (id, checked_at) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, toDB(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: ping: %w", MapUnavailable(err))
	}
	return nil
}

// Close closes the connection pool, waiting for connections in use to be
// returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// inTx runs fn in a transaction and commits when fn returns nil; otherwise
// it rolls back and returns fn's error.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// toDB converts t to the stored form: unix microseconds.
func toDB(t time.Time) int64 { return t.UnixMicro() }

// fromDB converts a stored time back, in UTC.
func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullTime converts a nullable stored time.
func nullTime(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromDB(*v)
	return &t
}

// nullableTime converts an optional time to its stored form (nil: NULL).
func nullableTime(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := toDB(*t)
	return &v
}

// now is the current time at the stored precision, in UTC.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// limitOf returns the page size for p: 50 unless p.Limit is positive.
func limitOf(p notes.Page) int {
	if p.Limit <= 0 {
		return 50
	}
	return p.Limit
}

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

// page cuts items, fetched with LIMIT limit+1, to limit and returns the
// next cursor: the id of the last item kept when there are more, else 0.
func page[T any](items []T, limit int, id func(T) int64) ([]T, int64) {
	if len(items) <= limit {
		return items, 0
	}
	items = items[:limit]
	return items, id(items[limit-1])
}

// oneRow returns notes.ErrNotFound unless tag reports at least one row.
func oneRow(tag interface{ RowsAffected() int64 }) error {
	if tag.RowsAffected() == 0 {
		return notes.ErrNotFound
	}
	return nil
}
