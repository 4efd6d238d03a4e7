package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrationFiles holds the notes migrations, named NNNN_description.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// appName is the name notes' migrations are tracked under (app_schema).
const appName = "notes"

// legacyVersion is the schema_migrations version of the last notesd that
// kept one migration list for everything: its tables are exactly identity
// migration 1 plus notes migration 1.
const legacyVersion = 6

// Migrate brings the schema up to date: the identity schema (pgstore's
// Migrate), then the notes tables (MigrateApp "notes"), each migration in
// its own transaction under the migration advisory lock, so it is
// idempotent and safe to run from several processes at once.
//
// A database of an earlier notesd, whose schema_migrations is at version
// 6, is adopted first: identity version 1 and notes version 1 are recorded
// as applied, in one transaction, without running them; its data stays
// (schema_migrations too, unused from then on). One at a lower version is
// refused: an earlier notesd must bring it to version 6 first.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.Baseline(ctx, adoptLegacy, 1, map[string]int{appName: 1}); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if err := db.MigrateApp(ctx, appName, migrationFiles); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// adoptLegacy reports whether the database is one of the notesd that kept
// schema_migrations, at legacyVersion; an error for any other version it
// reached. A schema_migrations without rows made no table: nothing to adopt.
func adoptLegacy(ctx context.Context, tx pgx.Tx) (bool, error) {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return false, err
	}
	if !exists {
		return false, nil
	}
	var v int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v == 0:
		return false, nil
	case v < legacyVersion:
		return false, fmt.Errorf("database made by an earlier notesd is at schema version %d: "+
			"run \"notesd migrate\" of a release that knows version %d on it first, then this one", v, legacyVersion)
	case v > legacyVersion:
		return false, fmt.Errorf("database schema_migrations version %d is not one any notesd made", v)
	}
	return true, nil
}

// NotesVersion returns the highest applied notes migration, 0 when none
// was applied.
func (db *DB) NotesVersion(ctx context.Context) (int, error) { return db.AppVersion(ctx, appName) }
