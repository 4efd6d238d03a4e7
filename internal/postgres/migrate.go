package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/migrate"
)

// migrationFiles holds the schema migrations, named NNNN_description.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]migrate.Migration, error) { return migrate.Load(migrationFiles) }

// migrateLockKey is the first key of the advisory lock every migration
// transaction takes; the second is a hash of the current schema, so
// migrations of different schemas of one database do not wait on each other.
const migrateLockKey = 0x6e6f7465 // "note"

// lockMigrations takes the migration advisory lock until tx ends.
func lockMigrations(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, int32(migrateLockKey))
	return err
}

// Migrate brings the schema up to date: it applies, in order, every
// embedded migration not yet recorded in schema_migrations, each in its own
// transaction together with its record. Each transaction first takes a
// pg_advisory_xact_lock, so Migrate is idempotent and safe to run from
// several processes at once: the first applies a migration, the others wait
// and then see it recorded. It refuses a database whose schema is newer
// than this binary knows.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if len(ms) == 0 {
		return fmt.Errorf("postgres: migrate: no migrations embedded")
	}
	// CREATE TABLE IF NOT EXISTS is not safe against a concurrent creator
	// on its own (both may try to insert the catalog rows): the lock is.
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER     PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	current, err := db.Version(ctx)
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("postgres: migrate: database schema version %d is newer than this binary's %d", current, latest)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			if err := lockMigrations(ctx, tx); err != nil {
				return err
			}
			// Checked under the lock, so a concurrent migrator that got
			// there first is seen.
			var done bool
			if err := tx.QueryRow(ctx,
				`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			// No arguments: pgx sends the file with the simple protocol,
			// which runs every statement in it.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", m.Name, err)
		}
	}
	return nil
}

// Version returns the highest applied migration version, 0 for a database
// (schema) that was never migrated.
func (db *DB) Version(ctx context.Context) (int, error) {
	var exists bool
	if err := db.pool.QueryRow(ctx,
		`SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("postgres: version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := db.pool.QueryRow(ctx,
		`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: version: %w", err)
	}
	return v, nil
}
