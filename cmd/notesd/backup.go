package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

const backupHeader = `Usage: notesd backup --to FILE [--database-url sqlite:PATH]

Writes a consistent copy of a SQLite database to FILE (a new file, mode
0600), while a server keeps serving it: VACUUM INTO reads one snapshot. To
restore, stop the server, put the copy in place of the database file (and
remove any -wal and -shm files beside the old one), and start the server.
For PostgreSQL use pg_dump (see the README).
`

// runBackup runs "notesd backup".
func runBackup(ctx context.Context, args []string, c cli) (err error) {
	cfg := defaultConfig()
	var to string
	fs := newFlagSet("backup", backupHeader, c.stderr)
	fs.StringVar(&to, "to", "", "the `file` to write the copy to; it must not exist (required)")
	cfg.addDatabaseFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	if to == "" {
		return errors.New("backup: --to is required")
	}
	d, err := cfg.database()
	if err != nil {
		return err
	}
	if d.sqlitePath == "" {
		return errors.New("backup: the database is PostgreSQL: use pg_dump (see the README)")
	}
	// Open neither claims nor migrates: the server keeps the file, and a
	// backup changes nothing.
	db, err := sqlite.Open(ctx, d.sqlitePath)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	if err := db.Backup(ctx, to); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(c.stdout, "backed up %s to %s\n", d, to)
	return nil
}
