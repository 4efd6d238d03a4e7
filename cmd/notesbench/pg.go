package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Engines of the benchmarked notesd, as the report names them.
const (
	engineSQLite   = "sqlite"
	enginePostgres = "postgresql"
)

// pgDDLTimeout bounds creating and dropping the run's schema, on a context
// of its own, so that the schema is dropped even after the run's deadline
// passed or it was interrupted.
const pgDDLTimeout = 30 * time.Second

// schemaName matches the names newSchemaName makes: the only names
// notesbench puts into DDL.
var schemaName = regexp.MustCompile(`^nb_[0-9a-f]{16}$`)

// newSchemaName returns a fresh name nb_<16 hex digits> for a run's
// private schema.
func newSchemaName() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "nb_" + hex.EncodeToString(b[:])
}

// parsePostgresURL checks that s is a postgres:// or postgresql:// URL
// with a host. Its errors never hold s, which may hold a password.
func parsePostgresURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("--database-url: not a valid URL")
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "postgres" && scheme != "postgresql" {
		return nil, errors.New("--database-url: want postgres://… or postgresql://… (empty: SQLite)")
	}
	if u.Host == "" {
		return nil, errors.New("--database-url: names no host")
	}
	if u.Query().Has("search_path") {
		return nil, errors.New("--database-url: has a search_path: notesbench makes a schema of its own")
	}
	return u, nil
}

// redactURL describes u for the report and the logs without its user,
// password or parameters: scheme://host/database.
func redactURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// withSearchPath returns u with schema as the search_path of every
// connection made from it (pgx and notesd send it as a run-time parameter).
func withSearchPath(u *url.URL, schema string) string {
	v := *u
	q := v.Query()
	q.Set("search_path", schema)
	v.RawQuery = q.Encode()
	return v.String()
}

// scrubError returns err, or an error of the same text with u's password
// replaced, should the text hold it.
func scrubError(err error, u *url.URL) error {
	if err == nil {
		return nil
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}

// pgExec connects to url and runs sql on one connection, within
// pgDDLTimeout of a context that ctx's cancellation does not end.
func pgExec(ctx context.Context, u *url.URL, connURL, sql string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pgDDLTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return scrubError(err, u)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return scrubError(err, u)
}

// pgSchema is the private schema of one run.
type pgSchema struct {
	base *url.URL // the --database-url
	name string
}

// createSchema creates a fresh private schema in the database of base.
func createSchema(ctx context.Context, base *url.URL) (*pgSchema, error) {
	s := &pgSchema{base: base, name: newSchemaName()}
	if err := pgExec(ctx, base, base.String(), `CREATE SCHEMA `+s.name); err != nil {
		return nil, fmt.Errorf("create schema %s in %s: %w", s.name, redactURL(base), err)
	}
	return s, nil
}

// url is the URL of the schema: the base URL with it as search_path.
func (s *pgSchema) url() string { return withSearchPath(s.base, s.name) }

// drop drops the schema with everything in it, even when ctx is done.
func (s *pgSchema) drop(ctx context.Context) error {
	if !schemaName.MatchString(s.name) {
		return fmt.Errorf("drop schema: %q is not a notesbench schema", s.name)
	}
	if err := pgExec(ctx, s.base, s.base.String(), `DROP SCHEMA IF EXISTS `+s.name+` CASCADE`); err != nil {
		return fmt.Errorf("drop schema %s in %s (drop it by hand): %w", s.name, redactURL(s.base), err)
	}
	return nil
}

// seedPostgres seeds spec into the migrated, empty PostgreSQL schema of
// connURL with COPY: the same rows as seed, then moves the identity
// sequences past the seeded ids and analyzes the tables. u is the base
// URL, for scrubbing errors. It returns the sample of API keys.
func seedPostgres(ctx context.Context, u *url.URL, connURL string, spec seedSpec) ([]sampleKey, error) {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", scrubError(err, u))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return nil, fmt.Errorf("seed: the database has no schema (run notesd migrate first): %w", scrubError(err, u))
	}
	if n > 0 {
		return nil, fmt.Errorf("seed: the database already has %d users", n)
	}
	var keys []sampleKey
	for _, t := range seedTables(spec, time.Now().UnixMicro(), true, &keys) {
		if err := copyTable(ctx, conn, t); err != nil {
			return nil, fmt.Errorf("seed %s: %w", t.name, scrubError(err, u))
		}
	}
	return keys, nil
}

// copyTable copies t's rows 1..t.n into its table, sets its id sequence to
// t.n and analyzes it.
func copyTable(ctx context.Context, conn *pgx.Conn, t seedTable) error {
	id := int64(0)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if id >= int64(t.n) {
			return nil, nil
		}
		id++
		row := make([]any, len(t.columns))
		t.fill(id, row)
		return row, nil
	})
	copied, err := conn.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, src)
	if err != nil {
		return err
	}
	if copied != int64(t.n) {
		return fmt.Errorf("copied %d rows, want %d", copied, t.n)
	}
	if t.n > 0 {
		if _, err := conn.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, t.name, int64(t.n)); err != nil {
			return fmt.Errorf("set the id sequence: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, `ANALYZE `+pgx.Identifier{t.name}.Sanitize()); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
