package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// DB is a notes.Store on one SQLite database file: the identity half is
// the embedded sqlitestore.Store, the notes are this package's. It is safe
// for concurrent use. Create it with Open, then call Migrate.
type DB struct {
	*sqlitestore.Store
	notes *noteCache // the notes Get read; nil keeps none
}

var _ notes.Store = (*DB)(nil)

// The engine's settings and errors, which are sqlitestore's.
type (
	// Synchronous is SQLite's synchronous setting (sqlitestore.Synchronous).
	Synchronous = sqlitestore.Synchronous
)

// The synchronous settings Options accepts (sqlitestore's).
const (
	SyncFull   = sqlitestore.SyncFull
	SyncNormal = sqlitestore.SyncNormal
)

// Options tune how OpenWith opens a database. The zero Options are the
// defaults: synchronous FULL, no lock, a note cache of DefaultNoteCache.
type Options struct {
	// Synchronous is SyncFull (the default when empty) or SyncNormal.
	Synchronous Synchronous
	// Lock claims the file as OpenLocked does.
	Lock bool
	// NoteCache is the most bytes of notes the DB keeps in memory, so that
	// a note read again is not read from SQLite: DefaultNoteCache when 0,
	// none when negative.
	NoteCache int
}

// ErrInUse is returned by OpenLocked for a file another process serves
// (sqlitestore.ErrInUse).
var ErrInUse = sqlitestore.ErrInUse

// MapUnavailable marks the driver's errors that mean the database cannot
// serve calls now as notes.ErrUnavailable (sqlitestore.MapUnavailable).
func MapUnavailable(err error) error { return sqlitestore.MapUnavailable(err) }

// Open opens (creating if needed) the SQLite database at path, like
// sqlitestore.Open: it neither changes the schema (call Migrate) nor
// claims the file.
func Open(ctx context.Context, path string) (*DB, error) { return OpenWith(ctx, path, Options{}) }

// OpenLocked is Open for the one server of a database file
// (sqlitestore.OpenLocked): a second OpenLocked of the file fails with
// ErrInUse until Close.
func OpenLocked(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{Lock: true})
}

// OpenWith is Open, or OpenLocked when o.Lock is set, with the settings of o.
func OpenWith(ctx context.Context, path string, o Options) (*DB, error) {
	st, err := sqlitestore.OpenWith(ctx, path, sqlitestore.Options{Synchronous: o.Synchronous, Lock: o.Lock})
	if err != nil {
		return nil, err
	}
	return &DB{Store: st, notes: newNoteCache(o.NoteCache)}, nil
}

// app is the name the notes' migrations are recorded under.
const app = "notes"

// migrationFiles holds the notes' migrations, named NNNN_description.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// legacyVersion is the last schema_migrations version of the notesd that
// kept identity and notes in one migration series: a database at it has
// every table of both halves and is adopted as it is.
const legacyVersion = 6

// Migrate brings the schema up to date: the identity half
// (sqlitestore.Store.Migrate), then the notes (MigrateApp under "notes").
// It is idempotent and safe to run from several processes at once.
//
// A database of an earlier notesd, with its schema_migrations at version
// 6, has exactly the tables these migrations make: its versions are
// recorded as applied, in one transaction, without running anything
// (sqlitestore.Store.Baseline), and its data stays. One at a lower version
// is refused: an earlier notesd release migrates it to 6 first.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.Baseline(ctx, adoptLegacy, 1, map[string]int{app: 1}); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if err := db.Store.Migrate(ctx); err != nil {
		return err
	}
	return db.MigrateApp(ctx, app, migrationFiles)
}

// adoptLegacy reports whether the database is one of the earlier notesd,
// which kept schema_migrations, at legacyVersion; an error for any other
// version it reached. A schema_migrations without rows made no table:
// nothing to adopt.
func adoptLegacy(ctx context.Context, tx *sql.Tx) (bool, error) {
	var exists int
	if err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
		return false, err
	}
	if exists == 0 {
		return false, nil // a new database
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v == 0:
		return false, nil // made by an earlier notesd that never got to migrate
	case v < legacyVersion:
		return false, fmt.Errorf("the database is at the earlier notesd's schema version %d: "+
			"migrate it to version %d with an earlier notesd release first", v, legacyVersion)
	case v > legacyVersion:
		return false, fmt.Errorf("the database's earlier schema version %d is newer than this binary's %d", v, legacyVersion)
	}
	return true, nil
}

// scanner is a sqlitestore.Row, *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// toDB converts t to the stored form: unix microseconds.
func toDB(t time.Time) int64 { return t.UnixMicro() }

// fromDB converts a stored time back, in UTC.
func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

// now is the current time at the stored precision, in UTC.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// oneRow returns notes.ErrNotFound unless res changed at least one row.
func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notes.ErrNotFound
	}
	return nil
}

// collect scans every row of rows with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
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
