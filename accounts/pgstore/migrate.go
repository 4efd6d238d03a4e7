package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts/internal/migrate"
)

// migrationFiles holds the identity schema's migrations, named
// NNNN_description.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// identityMigrations returns the embedded identity migrations in version
// order.
func identityMigrations() ([]migrate.Migration, error) { return migrate.Load(migrationFiles) }

// migrateLockKey is the first key of the advisory lock every migration
// transaction takes; the second is a hash of the current schema, so
// migrations of different schemas of one database do not wait on each other.
const migrateLockKey = 0x6e6f7465 // "note"

// lockMigrations takes the migration advisory lock until tx ends.
func lockMigrations(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, int32(migrateLockKey))
	return err
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ledger is where one schema's applied migrations are recorded: the
// identity schema's in accounts_schema, an application's in app_schema
// under its name.
type ledger struct {
	app string // "" for the identity schema
}

// identity is the ledger of the identity schema.
var identity = ledger{}

// String names the schema in errors.
func (l ledger) String() string {
	if l.app == "" {
		return "accounts"
	}
	return "app " + l.app
}

// table is the ledger's table.
func (l ledger) table() string {
	if l.app == "" {
		return "accounts_schema"
	}
	return "app_schema"
}

// applied reports whether version v is recorded.
func (l ledger) applied(ctx context.Context, q querier, v int) (bool, error) {
	var done bool
	var err error
	if l.app == "" {
		err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts_schema WHERE version = $1)`, v).Scan(&done)
	} else {
		err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM app_schema WHERE app = $1 AND version = $2)`, l.app, v).Scan(&done)
	}
	return done, err
}

// record records version v as applied.
func (l ledger) record(ctx context.Context, tx pgx.Tx, v int) error {
	var err error
	if l.app == "" {
		_, err = tx.Exec(ctx, `INSERT INTO accounts_schema (version) VALUES ($1)`, v)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO app_schema (app, version) VALUES ($1, $2)`, l.app, v)
	}
	return err
}

// version returns the highest recorded version, 0 when none is (the
// ledger's table missing included).
func (l ledger) version(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, l.table()).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	var err error
	if l.app == "" {
		err = q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM accounts_schema`).Scan(&v)
	} else {
		err = q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM app_schema WHERE app = $1`, l.app).Scan(&v)
	}
	return v, err
}

// createLedgers creates the ledger tables when they are missing, under
// the migration lock: CREATE TABLE IF NOT EXISTS is not safe against a
// concurrent creator on its own (both may try to insert the catalog rows).
func createLedgers(ctx context.Context, tx pgx.Tx) error {
	if err := lockMigrations(ctx, tx); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
CREATE TABLE IF NOT EXISTS accounts_schema (
	version    INTEGER     PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS app_schema (
	app        TEXT        NOT NULL,
	version    INTEGER     NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	PRIMARY KEY (app, version)
)`)
	return err
}

// Migrate brings the identity schema up to date: it applies, in order,
// every embedded migration not yet recorded in accounts_schema, each in its
// own transaction together with its record. Each transaction first takes a
// pg_advisory_xact_lock keyed on the schema, so Migrate is idempotent and
// safe to run from several processes at once: the first applies a
// migration, the others wait and then see it recorded. It refuses a
// database whose identity schema is newer than this binary knows.
func (st *Store) Migrate(ctx context.Context) error {
	ms, err := identityMigrations()
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	if err := st.apply(ctx, identity, ms); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}

// MigrateApp brings the tables of application name up to date: the
// numbered migrations in fsys's migrations/ directory (NNNN_description.sql,
// versions 1, 2, … as the identity schema's), tracked in app_schema under
// name, so several applications (or parts of one) keep their own versions.
// It first runs Migrate, so an app's tables may reference users (id); its
// migrations take the same advisory lock and are as safe to run from
// several processes at once. name is lower-case letters, digits and
// underscores, starting with a letter; it refuses an app schema newer than
// fsys knows.
func (st *Store) MigrateApp(ctx context.Context, name string, fsys fs.FS) error {
	if !validAppName(name) {
		return fmt.Errorf("pgstore: migrate app %q: name must be [a-z][a-z0-9_]*, at most 63 bytes", name)
	}
	ms, err := migrate.Load(fsys)
	if err != nil {
		return fmt.Errorf("pgstore: migrate app %s: %w", name, err)
	}
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if err := st.apply(ctx, ledger{app: name}, ms); err != nil {
		return fmt.Errorf("pgstore: migrate app %s: %w", name, err)
	}
	return nil
}

// validAppName reports whether name is [a-z][a-z0-9_]{0,62}.
func validAppName(name string) bool {
	if name == "" || len(name) > 63 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range []byte(name) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// apply applies the migrations of ms that l has not recorded, in order,
// each in a transaction of its own under the migration lock.
func (st *Store) apply(ctx context.Context, l ledger, ms []migrate.Migration) error {
	if len(ms) == 0 {
		return errors.New("no migrations")
	}
	if err := st.inTx(ctx, func(tx pgx.Tx) error { return createLedgers(ctx, tx) }); err != nil {
		return err
	}
	current, err := l.version(ctx, st.pool)
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("database %s schema version %d is newer than this binary's %d", l, current, latest)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		err := st.inTx(ctx, func(tx pgx.Tx) error {
			if err := lockMigrations(ctx, tx); err != nil {
				return err
			}
			// Checked under the lock, so a concurrent migrator that got
			// there first is seen.
			done, err := l.applied(ctx, tx, m.Version)
			if err != nil || done {
				return err
			}
			// No arguments: pgx sends the file with the simple protocol,
			// which runs every statement in it.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			return l.record(ctx, tx, m.Version)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

// Version returns the highest applied identity migration, 0 for a
// database (schema) whose identity schema was never migrated.
func (st *Store) Version(ctx context.Context) (int, error) {
	v, err := identity.version(ctx, st.pool)
	if err != nil {
		return 0, fmt.Errorf("pgstore: version: %w", err)
	}
	return v, nil
}

// AppVersion returns the highest applied migration of application name
// (MigrateApp), 0 when none was applied.
func (st *Store) AppVersion(ctx context.Context, name string) (int, error) {
	v, err := ledger{app: name}.version(ctx, st.pool)
	if err != nil {
		return 0, fmt.Errorf("pgstore: app version: %w", err)
	}
	return v, nil
}

// Baseline takes over a database whose tables an earlier release of an
// application made with migrations of its own, before it used this
// package: in one transaction under the migration lock, when no identity
// migration is recorded yet, it calls adopt, which inspects the database
// through tx (the earlier release's bookkeeping) and reports whether its
// tables are exactly what identity migrations 1…identity and each app's
// migrations 1…apps[name] make. When adopt returns true, Baseline records
// those migrations as applied without running them and returns true; the
// data stays as it is, and Migrate and MigrateApp then apply only newer
// migrations. An error of adopt (say, an earlier release too old to take
// over) rolls the transaction back and is returned. When an identity
// migration is recorded already, Baseline does nothing and returns false
// without calling adopt, so it is safe to call at every start, from
// several processes at once.
func (st *Store) Baseline(ctx context.Context, adopt func(ctx context.Context, tx pgx.Tx) (bool, error), identityVersion int, apps map[string]int) (bool, error) {
	ms, err := identityMigrations()
	if err != nil {
		return false, fmt.Errorf("pgstore: baseline: %w", err)
	}
	if identityVersion < 1 || identityVersion > ms[len(ms)-1].Version {
		return false, fmt.Errorf("pgstore: baseline: identity version %d is not one this binary knows", identityVersion)
	}
	for name, v := range apps {
		if !validAppName(name) || v < 1 {
			return false, fmt.Errorf("pgstore: baseline: app %q version %d: want a valid name and a positive version", name, v)
		}
	}
	var adopted bool
	err = st.inTx(ctx, func(tx pgx.Tx) error {
		if err := createLedgers(ctx, tx); err != nil {
			return err
		}
		if v, err := identity.version(ctx, tx); err != nil || v > 0 {
			return err
		}
		ok, err := adopt(ctx, tx)
		if err != nil || !ok {
			return err
		}
		for v := 1; v <= identityVersion; v++ {
			if err := identity.record(ctx, tx, v); err != nil {
				return err
			}
		}
		for name, n := range apps {
			for v := 1; v <= n; v++ {
				if err := (ledger{app: name}).record(ctx, tx, v); err != nil {
					return err
				}
			}
		}
		adopted = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("pgstore: baseline: %w", err)
	}
	return adopted, nil
}
