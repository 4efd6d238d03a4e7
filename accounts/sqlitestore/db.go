package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	sqlitedriver "modernc.org/sqlite" // also registers the "sqlite" database/sql driver

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// readers is the size of the read-only connection pool: at least 4, and
// one per CPU on larger machines. Fewer connections than concurrent
// requests costs goroutine hand-offs in database/sql's pool.
func readers() int { return max(4, runtime.GOMAXPROCS(0)) }

// Store is the accounts stores on one SQLite database file: it implements
// accounts.Users, Sessions, WebSessions, APIKeys, Tokens and Purger (see
// Stores). It is safe for concurrent use. Create it with Open (or
// OpenLocked for a server), then call Migrate.
type Store struct {
	w *sql.DB // the single writer connection: all writes and transactions
	r *sql.DB // query-only readers

	ws, rs *stmts      // prepared statements of w and r
	direct *directPool // the readers of ReadOne, without database/sql
	g      *grouper    // the group commit writer on w; nil with Options.NoGroupCommit
	cache  *authCache
	path   string   // the database file
	lock   *os.File // the locked database file while this process serves it (OpenLocked)
}

var (
	_ accounts.Users       = (*Store)(nil)
	_ accounts.Sessions    = (*Store)(nil)
	_ accounts.WebSessions = (*Store)(nil)
	_ accounts.APIKeys     = (*Store)(nil)
	_ accounts.Tokens      = (*Store)(nil)
	_ accounts.Purger      = (*Store)(nil)
	// The auth cache answers the hottest lookups without a deadline.
	_ accounts.CachedSessions = (*Store)(nil)
	_ accounts.CachedAPIKeys  = (*Store)(nil)
)

// Stores returns db as every capability of accounts.Stores.
func (db *Store) Stores() accounts.Stores {
	return accounts.Stores{Users: db, Sessions: db, WebSessions: db, APIKeys: db, Tokens: db, Purger: db}
}

// Synchronous is SQLite's synchronous setting: when a commit reaches the
// disk.
type Synchronous string

// The synchronous settings Options accepts.
const (
	// SyncFull syncs the write-ahead log at every commit: a commit that
	// returned survives a power cut. The default.
	SyncFull Synchronous = "FULL"
	// SyncNormal syncs only at checkpoints: faster, and the database is
	// never corrupted, but the last commits before a power cut (or an
	// operating system crash) may be lost. A crash of the process alone
	// loses nothing.
	SyncNormal Synchronous = "NORMAL"
)

// Options tune how OpenWith opens a database. The zero Options are the
// defaults: synchronous FULL, no lock.
type Options struct {
	// Synchronous is SyncFull (the default when empty) or SyncNormal.
	Synchronous Synchronous
	// Lock claims the file as OpenLocked does.
	Lock bool
	// NoGroupCommit runs every write in a transaction of its own instead
	// of grouping concurrent writes into one commit (see Store.Write): for
	// comparisons.
	NoGroupCommit bool
}

// Open opens (creating if needed) the SQLite database at path and its
// parent directory (mode 0700; a new database file gets mode 0600). It does
// not change the schema: call Migrate before use. It does not claim the
// file: the CLI opens a database beside its server this way.
func Open(ctx context.Context, path string) (*Store, error) { return OpenWith(ctx, path, Options{}) }

// OpenLocked is Open for the one server of a database file: before SQLite
// opens the file, it takes an exclusive lock on the file itself (not on its
// path), held until Close, so a second OpenLocked of the same file fails
// with an error saying another process serves it, whatever path names the
// file (symlinks, hard links, bind mounts). The server caches sessions and
// keys, so a second one would keep accepting what the first revoked. There
// is no lock where flock(2) is not available.
func OpenLocked(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{Lock: true})
}

// OpenWith is Open, or OpenLocked when o.Lock is set, with the settings of o.
func OpenWith(ctx context.Context, path string, o Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlitestore: open: empty path")
	}
	switch o.Synchronous {
	case "":
		o.Synchronous = SyncFull
	case SyncFull, SyncNormal:
	default:
		return nil, fmt.Errorf("sqlitestore: open: unknown synchronous setting %q (want FULL or NORMAL)", o.Synchronous)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	// Create the file ourselves so that it (and the -wal and -shm files,
	// which SQLite gives the database file's mode) is not world-readable.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	if !o.Lock {
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("sqlitestore: open: %w", err)
		}
		f = nil
	} else if err := lockFile(f, abs); err != nil {
		f.Close()
		return nil, err
	}
	db, err := openPools(ctx, abs, o.Synchronous)
	if err != nil {
		if f != nil {
			f.Close() // after the pools: see lockFile
		}
		return nil, err
	}
	db.lock = f
	if !o.NoGroupCommit {
		db.g = newGrouper(db.w)
	}
	return db, nil
}

// openPools opens the writer and the readers of the database file abs.
func openPools(ctx context.Context, abs string, sync Synchronous) (*Store, error) {
	w, err := sql.Open("sqlite", dsn(abs, sync, false))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer connects first: it switches the file to WAL, which the
	// query-only readers could not do.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}

	r, err := sql.Open("sqlite", dsn(abs, sync, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	r.SetMaxOpenConns(readers())
	r.SetMaxIdleConns(readers())
	r.SetConnMaxIdleTime(5 * time.Minute)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	connector, err := sqlitedriver.NewConnector(dsn(abs, sync, true))
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	return &Store{w: w, r: r, ws: &stmts{pool: w}, rs: &stmts{pool: r, uncancelable: true},
		direct: newDirectPool(connector, readers()), cache: newAuthCache(), path: abs}, nil
}

// dsn builds the driver's data source name for the absolute path abs. The
// pragmas are DSN parameters, so every pooled connection runs them when it
// connects. Write transactions begin IMMEDIATE: they take the write lock at
// BEGIN, so they wait on busy_timeout there instead of failing half-way on
// an upgrade from a read lock when another process writes. sync is the
// synchronous setting (SPEC §5 Durability).
func dsn(abs string, sync Synchronous, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+string(sync)+")")
	if readOnly {
		q.Set("_query_only", "1")
		// 8 MiB of page cache per reader (SQLite's default is 2 MiB): the
		// B-tree pages of a large database stay cached instead of being
		// read through pread(2) again. (mmap was faster still, but every
		// page it touches counts as resident memory.)
		q.Add("_pragma", "cache_size(-8192)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}

// Ping checks that the database can commit a write (SPEC §4 /readyz): it
// upserts the one row of the health table in a write transaction on the
// writer, so a full, read-only or failing disk, or a writer stuck past the
// deadline of ctx, fails it. It also checks that the readers answer.
func (db *Store) Ping(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO health (id, checked_at) VALUES (1, ?)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, toDB(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlitestore: ping: %w", MapUnavailable(err))
	}
	var one int
	if err := db.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlitestore: ping: %w", MapUnavailable(err))
	}
	return nil
}

// Close waits for the writes already submitted to commit, closes the
// connection pools (waiting for the reads in flight), then releases the
// file's lock (OpenLocked).
func (db *Store) Close() error {
	if db.g != nil {
		db.g.close() // the writes already queued commit first
	}
	db.rs.close()
	db.ws.close()
	err := errors.Join(db.direct.close(), db.r.Close(), db.w.Close())
	if db.lock != nil {
		err = errors.Join(err, db.lock.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: close: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction on the writer connection and commits
// when fn returns nil.
func (db *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// toDB converts t to the stored form: unix microseconds.
func toDB(t time.Time) int64 { return t.UnixMicro() }

// fromDB converts a stored time back, in UTC.
func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullTime converts a nullable stored time.
func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromDB(v.Int64)
	return &t
}

// nullableTime converts an optional time to its stored form.
func nullableTime(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: toDB(*t), Valid: true}
}

// now is the current time at the stored precision, in UTC.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
