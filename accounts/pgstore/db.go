package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// Store is the identity half of an application on one PostgreSQL database
// (the schema the connection's search_path names): it implements every
// capability of accounts.Stores. It is safe for concurrent use. Create it
// with Open, then call Migrate.
type Store struct {
	pool *pgxpool.Pool
}

var (
	_ accounts.Users       = (*Store)(nil)
	_ accounts.Sessions    = (*Store)(nil)
	_ accounts.WebSessions = (*Store)(nil)
	_ accounts.APIKeys     = (*Store)(nil)
	_ accounts.Tokens      = (*Store)(nil)
	_ accounts.Purger      = (*Store)(nil)
)

// Open connects to the PostgreSQL database at url (postgres:// or
// postgresql://, any libpq-style parameters, search_path included) and
// checks that it answers. It does not change the schema: call Migrate
// before use.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx redacts passwords from its parse errors only on a best-effort
		// basis, so the URL (and the error quoting it) is not shown.
		return nil, errors.New("pgstore: open: cannot parse the database URL (not shown: it may hold a password)")
	}
	return OpenConfig(ctx, cfg)
}

// Options tune OpenWith. The zero Options are pgx's defaults, or what the
// URL's pool_* parameters say.
type Options struct {
	// MaxConns, when positive, is the pool's size, whatever the URL's
	// pool_max_conns says. pgx's default is max(4, number of CPUs): a
	// server with many concurrent requests, each a round trip or two,
	// waits for connections long before it runs out of CPU (see
	// DefaultMaxConns).
	MaxConns int32
}

// DefaultMaxConns is a pool size fitted to a server that runs procs
// goroutines at once (GOMAXPROCS): requests spend most of their time
// waiting on the network, so it keeps 8 connections per processor, at
// least 16.
func DefaultMaxConns(procs int) int32 { return int32(max(16, 8*procs)) }

// OpenWith is Open with the settings of o.
func OpenWith(ctx context.Context, url string, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, errors.New("pgstore: open: cannot parse the database URL (not shown: it may hold a password)")
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Stores returns st as every capability the accounts package works with.
func (st *Store) Stores() accounts.Stores {
	return accounts.Stores{Users: st, Sessions: st, WebSessions: st, APIKeys: st, Tokens: st, Purger: st}
}

// Ping checks that the database can commit a write (a readiness probe): it
// upserts the one row of the health table in a transaction, so a server
// that is down, stalled past the deadline of ctx, read-only or out of
// space fails it.
func (st *Store) Ping(ctx context.Context) error {
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO health (id, checked_at) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, toDB(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: ping: %w", MapUnavailable(err))
	}
	return nil
}

// Close closes the connection pool, waiting for connections in use to be
// returned.
func (st *Store) Close() error {
	st.pool.Close()
	return nil
}

// inTx runs fn in a transaction and commits when fn returns nil; otherwise
// it rolls back and returns fn's error.
func (st *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, st.pool, fn)
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
