package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts/internal/migrate"
)

// migrationFiles holds the identity schema's migrations, named
// NNNN_description.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// identity names the identity schema where an app's name could go; no app
// may take it.
const identity = "accounts"

// versionsTable records every applied migration as pgstore does: the
// identity schema's in accounts_schema, each app's in app_schema under the
// app's name.
const versionsTable = `CREATE TABLE IF NOT EXISTS accounts_schema (
	version    INTEGER PRIMARY KEY,
	applied_at TEXT    NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS app_schema (
	app        TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	applied_at TEXT    NOT NULL,
	PRIMARY KEY (app, version)
) STRICT`

// ledger is where the versions of one schema are recorded: the identity
// schema's (identity) in accounts_schema, an app's in app_schema.
type ledger string

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// has reports whether version v is recorded.
func (l ledger) has(ctx context.Context, q querier, v int) (bool, error) {
	var n int
	var err error
	if l == identity {
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM accounts_schema WHERE version = ?`, v).Scan(&n)
	} else {
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM app_schema WHERE app = ? AND version = ?`, string(l), v).Scan(&n)
	}
	return n > 0, err
}

// latest returns the highest version recorded, 0 for none.
func (l ledger) latest(ctx context.Context, q querier) (int, error) {
	var v int
	var err error
	if l == identity {
		err = q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM accounts_schema`).Scan(&v)
	} else {
		err = q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM app_schema WHERE app = ?`, string(l)).Scan(&v)
	}
	return v, err
}

// Migrate brings the identity schema up to date: it applies, in order,
// every embedded migration not yet recorded in accounts_schema, each in
// its own transaction together with its record. It is idempotent and safe
// to run from several processes at once. It refuses a database whose
// identity schema is newer than this package knows. Call it before
// MigrateApp.
func (db *Store) Migrate(ctx context.Context) error {
	ms, err := migrate.Load(migrationFiles)
	if err != nil {
		return fmt.Errorf("sqlitestore: migrate: %w", err)
	}
	if err := db.apply(ctx, identity, ms); err != nil {
		return fmt.Errorf("sqlitestore: migrate: %w", err)
	}
	return nil
}

// MigrateApp brings an app's own tables up to date in the same database:
// it applies the numbered migrations in fsys's migrations/ directory (named
// NNNN_description.sql, as go:embed gives them) that are not yet recorded
// under name, in order, each in its own transaction together with its
// record, like Migrate. Call it after Migrate: the app's tables may
// reference the identity tables (users.id). The name "accounts" is the
// identity schema's and is refused; a database where name is newer than
// fsys is refused.
func (db *Store) MigrateApp(ctx context.Context, name string, fsys fs.FS) error {
	if name == "" || name == identity {
		return fmt.Errorf("sqlitestore: migrate app: invalid name %q", name)
	}
	v, err := db.Version(ctx)
	if err != nil {
		return fmt.Errorf("sqlitestore: migrate %s: %w", name, err)
	}
	if v == 0 {
		return fmt.Errorf("sqlitestore: migrate %s: the identity schema is not migrated: call Migrate first", name)
	}
	ms, err := migrate.Load(fsys)
	if err != nil {
		return fmt.Errorf("sqlitestore: migrate %s: %w", name, err)
	}
	if len(ms) == 0 {
		return fmt.Errorf("sqlitestore: migrate %s: no migrations in migrations/", name)
	}
	if err := db.apply(ctx, name, ms); err != nil {
		return fmt.Errorf("sqlitestore: migrate %s: %w", name, err)
	}
	return nil
}

// apply applies the migrations ms of name that are not recorded yet.
func (db *Store) apply(ctx context.Context, name string, ms []migrate.Migration) error {
	if len(ms) == 0 {
		return errors.New("no migrations embedded")
	}
	if _, err := db.w.ExecContext(ctx, versionsTable); err != nil {
		return MapUnavailable(err)
	}
	current, err := db.version(ctx, name)
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("database schema version %d of %s is newer than this binary's %d", current, name, latest)
	}
	for _, m := range ms {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			// Checked inside the (immediate) transaction, so a concurrent
			// migrator that got there first is seen.
			done, err := ledger(name).has(ctx, tx, m.Version)
			if err != nil || done {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			return record(ctx, tx, name, m.Version)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, MapUnavailable(err))
		}
	}
	return nil
}

// record records version of name as applied, inside tx.
func record(ctx context.Context, tx *sql.Tx, name string, version int) error {
	at := time.Now().UTC().Format(time.RFC3339Nano)
	if name == identity {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts_schema (version, applied_at) VALUES (?, ?)`, version, at)
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO app_schema (app, version, applied_at) VALUES (?, ?, ?)`, name, version, at)
	return err
}

// Baseline takes over a database whose tables an earlier release of an
// application made with migrations of its own, before it used this
// package: in one write transaction, when no migration is recorded yet, it
// calls adopt, which inspects the database through tx (the earlier
// release's bookkeeping) and reports whether its tables are exactly what
// identity migrations 1…identityVersion and each app's migrations
// 1…apps[name] make. When adopt returns true, Baseline records those
// migrations as applied without running them and returns true; the data
// stays as it is, and Migrate and MigrateApp then apply only newer
// migrations. An error of adopt (say, an earlier release too old to take
// over) rolls the transaction back and is returned. When a migration is
// recorded already, Baseline does nothing and returns false without
// calling adopt, so it is safe to call at every start, from several
// processes at once. It is pgstore.Store.Baseline's twin.
func (db *Store) Baseline(ctx context.Context, adopt func(ctx context.Context, tx *sql.Tx) (bool, error), identityVersion int, apps map[string]int) (bool, error) {
	ms, err := migrate.Load(migrationFiles)
	if err != nil {
		return false, fmt.Errorf("sqlitestore: baseline: %w", err)
	}
	if identityVersion < 1 || identityVersion > ms[len(ms)-1].Version {
		return false, fmt.Errorf("sqlitestore: baseline: identity version %d is not one this binary knows", identityVersion)
	}
	for name, v := range apps {
		if name == "" || name == identity || v <= 0 {
			return false, fmt.Errorf("sqlitestore: baseline: invalid app %q at version %d", name, v)
		}
	}
	if _, err := db.w.ExecContext(ctx, versionsTable); err != nil {
		return false, fmt.Errorf("sqlitestore: baseline: %w", MapUnavailable(err))
	}
	var adopted bool
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if v, err := ledger(identity).latest(ctx, tx); err != nil || v > 0 {
			return err // the identity schema is migrated: nothing to take over
		}
		ok, err := adopt(ctx, tx)
		if err != nil || !ok {
			return err
		}
		for v := 1; v <= identityVersion; v++ {
			if err := record(ctx, tx, identity, v); err != nil {
				return err
			}
		}
		for name, latest := range apps {
			for v := 1; v <= latest; v++ {
				if err := record(ctx, tx, name, v); err != nil {
					return err
				}
			}
		}
		adopted = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sqlitestore: baseline: %w", MapUnavailable(err))
	}
	return adopted, nil
}

// Version returns the highest applied migration of the identity schema,
// 0 for a database that was never migrated.
func (db *Store) Version(ctx context.Context) (int, error) { return db.version(ctx, identity) }

// AppVersion returns the highest applied migration recorded under name
// (an app's, see MigrateApp), 0 when there is none.
func (db *Store) AppVersion(ctx context.Context, name string) (int, error) {
	if name == identity {
		return 0, fmt.Errorf("sqlitestore: version: %q names the identity schema (Version)", name)
	}
	return db.version(ctx, name)
}

// version is the latest version of name's ledger, 0 before any migration.
func (db *Store) version(ctx context.Context, name string) (int, error) {
	var exists int
	if err := db.w.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'app_schema'`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("sqlitestore: version: %w", MapUnavailable(err))
	}
	if exists == 0 {
		return 0, nil
	}
	v, err := ledger(name).latest(ctx, db.w)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: version: %w", MapUnavailable(err))
	}
	return v, nil
}
