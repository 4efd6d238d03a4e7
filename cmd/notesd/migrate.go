package main

import (
	"context"
	"errors"
	"fmt"
)

const migrateHeader = `Usage: notesd migrate

Applies the database migrations embedded in the binary (serve does this at
start too) and prints the schema version.
`

// runMigrate runs "notesd migrate".
func runMigrate(ctx context.Context, args []string, c cli) (err error) {
	cfg := defaultConfig()
	fs := newFlagSet("migrate", migrateHeader, c.stderr)
	cfg.addDatabaseFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	dbase, err := cfg.database()
	if err != nil {
		return err
	}
	db, err := dbase.openStore(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "database %s at schema version %d\n", dbase, v)
	return nil
}
