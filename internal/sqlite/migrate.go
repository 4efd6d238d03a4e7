package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/migrate"
)

// migrationFiles holds the schema migrations, named NNNN_description.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]migrate.Migration, error) { return migrate.Load(migrationFiles) }

// Migrate brings the schema up to date: it applies, in order, every
// embedded migration not yet recorded in schema_migrations, each in its own
// transaction together with its record. It is idempotent and safe to run
// from several processes at once. It refuses a database whose schema is
// newer than this binary knows.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if len(ms) == 0 {
		return fmt.Errorf("sqlite: migrate: no migrations embedded")
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at TEXT NOT NULL
)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	current, err := db.Version(ctx)
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("sqlite: migrate: database schema version %d is newer than this binary's %d", current, latest)
	}
	for _, m := range ms {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			// Checked inside the (immediate) transaction, so a concurrent
			// migrator that got there first is seen.
			var n int
			if err := tx.QueryRowContext(ctx,
				`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.Version, time.Now().UTC().Format(time.RFC3339Nano))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migrate %s: %w", m.Name, err)
		}
	}
	return nil
}

// Version returns the highest applied migration version, 0 for a database
// that was never migrated.
func (db *DB) Version(ctx context.Context) (int, error) {
	var exists int
	if err := db.w.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("sqlite: version: %w", err)
	}
	if exists == 0 {
		return 0, nil
	}
	var v int
	if err := db.w.QueryRowContext(ctx,
		`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: version: %w", err)
	}
	return v, nil
}
