package postgres

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/pgtest"
	"github.com/gatehouse-dev/gatehouse/internal/storetest"
)

// testURL returns the database URL from the environment, skipping t when
// it is not set.
func testURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(pgtest.EnvURL)
	if u == "" {
		t.Skip(pgtest.EnvURL + " not set: PostgreSQL store tests skipped")
	}
	return u
}

// newSchema creates a fresh, empty schema gh_<random> in the test
// database, dropped (with everything in it) when t ends, and returns its
// name. Each subtest gets its own, so parallel subtests never see each
// other's rows.
func newSchema(t *testing.T) string {
	t.Helper()
	_, schema := pgtest.Schema(t)
	return schema
}

// openSchema opens a DB whose connections use schema as their search_path,
// closed when t ends (before the schema is dropped: cleanups run last
// registered first). It migrates when migrate is set.
func openSchema(t *testing.T, schema string, migrate bool) *DB {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testURL(t))
	if err != nil {
		t.Fatalf("pgxpool.ParseConfig: %v", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 4
	db, err := OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatalf("OpenConfig() = %v, want nil error", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	if migrate {
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate() = %v, want nil error", err)
		}
	}
	return db
}

// openTest opens a DB on a fresh schema of its own.
func openTest(t *testing.T, migrate bool) *DB {
	t.Helper()
	return openSchema(t, newSchema(t), migrate)
}

func TestStore(t *testing.T) {
	testURL(t)
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTest(t, true) })
}

func TestNotesMigrations(t *testing.T) {
	t.Parallel()
	ms := sqlFiles(t, migrationFiles)
	if len(ms) == 0 {
		t.Fatal("no notes migrations embedded")
	}
	for i, m := range ms {
		if want := fmt.Sprintf("%04d_", i+1); !strings.HasPrefix(m.name, want) {
			t.Errorf("migration %d is %s, want it named %s…: versions must be 1, 2, … without gaps", i, m.name, want)
		}
	}
}

// sqlFile is one migration file.
type sqlFile struct{ name, sql string }

// sqlFiles returns the files of fsys's migrations/ directory in name order.
func sqlFiles(t *testing.T, fsys fs.FS) []sqlFile {
	t.Helper()
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	out := make([]sqlFile, len(names))
	for i, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = sqlFile{path.Base(name), string(b)}
	}
	return out
}

// count returns the single number query answers.
func count(t *testing.T, db *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestMigrateIdempotent: Migrate makes the identity schema and then the
// notes table, and changes nothing when run again.
func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, false)
	for i := range 3 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() run %d = %v, want nil", i+1, err)
		}
	}
	if v, err := db.Version(ctx); err != nil || v != 1 {
		t.Errorf("Version() = %d, %v, want 1, nil", v, err)
	}
	if v, err := db.NotesVersion(ctx); err != nil || v != 3 {
		t.Errorf("NotesVersion() = %d, %v, want 3, nil", v, err)
	}
	if n := count(t, db, `SELECT count(*) FROM app_schema`); n != 3 {
		t.Errorf("app_schema has %d rows, want 3 (notes 1, 2 and 3)", n)
	}
	if n := count(t, db, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`); n != 0 {
		t.Errorf("a fresh database has a schema_migrations table: only an earlier notesd made one")
	}
}

//go:embed testdata/v6/migrations/*.sql
var legacyFiles embed.FS

// legacyDB makes, in a fresh schema, the database an earlier notesd made:
// its migrations 1…upTo of testdata/v6, each recorded in schema_migrations
// as that notesd did. It returns the schema.
func legacyDB(t *testing.T, upTo int) string {
	t.Helper()
	sub, err := fs.Sub(legacyFiles, "testdata/v6")
	if err != nil {
		t.Fatal(err)
	}
	ms := sqlFiles(t, sub)
	if len(ms) != legacyVersion {
		t.Fatalf("testdata/v6 has %d migrations, want %d", len(ms), legacyVersion)
	}
	schema := newSchema(t)
	db := openSchema(t, schema, false)
	ctx := t.Context()
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE schema_migrations (
	version    INTEGER     PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`); err != nil {
		t.Fatalf("create schema_migrations: %v", err)
	}
	for i, m := range ms[:upTo] {
		if _, err := db.Pool().Exec(ctx, m.sql); err != nil {
			t.Fatalf("legacy %s: %v", m.name, err)
		}
		if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, i+1); err != nil {
			t.Fatalf("record legacy %s: %v", m.name, err)
		}
	}
	return schema
}

// TestMigrateAdoptsLegacy builds the database of the earlier notesd (at
// schema_migrations version 6), fills it as that notesd would, migrates it
// with this one and reads everything back: adopted, nothing run again,
// nothing lost, and it works on.
func TestMigrateAdoptsLegacy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := legacyDB(t, legacyVersion)
	old := openSchema(t, schema, false)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := old.Pool().Exec(ctx, q, args...); err != nil {
			t.Fatalf("fill the legacy database: %s: %v", q, err)
		}
	}
	nowUS := time.Now().UnixMicro()
	hour := time.Hour.Microseconds()
	exec(`INSERT INTO users (email, name, role, is_active, password_hash, created_at, is_verified)
VALUES ('ann@example.com', 'Ann', 'admin', TRUE, 'hash-a', $1, TRUE),
       ('bob@example.com', 'Bob', 'user', FALSE, 'hash-b', $1, FALSE)`, nowUS)
	var ann, bob int64
	if err := old.Pool().QueryRow(ctx, `SELECT id FROM users WHERE email = 'ann@example.com'`).Scan(&ann); err != nil {
		t.Fatal(err)
	}
	if err := old.Pool().QueryRow(ctx, `SELECT id FROM users WHERE email = 'bob@example.com'`).Scan(&bob); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO sessions (user_id, user_agent, ip, created_at, last_seen_at, expires_at, refresh_hash, scopes, web_hash)
VALUES ($1, 'ua', '10.0.0.1', $2, $2, $3, '\x01', 'notes:read notes:write', NULL),
       ($1, 'browser', '10.0.0.2', $2, $2, $3, NULL, '', '\x02')`, ann, nowUS, nowUS+hour)
	exec(`INSERT INTO used_refresh_tokens (hash, session_id, used_at) SELECT '\x03', id, $1 FROM sessions WHERE refresh_hash = '\x01'`, nowUS)
	exec(`INSERT INTO api_keys (user_id, name, prefix, hash, scopes, created_at) VALUES ($1, 'ci', 'pfx12345', '\x04', 'notes:read', $2)`, ann, nowUS)
	exec(`INSERT INTO account_tokens (user_id, purpose, hash, created_at, expires_at) VALUES ($1, 'verify', '\x05', $2, $3)`, ann, nowUS, nowUS+hour)
	exec(`INSERT INTO notes (owner_id, title, body, created_at, updated_at) VALUES ($1, 'first', 'one', $2, $2), ($1, 'second', 'two', $2, $2), ($3, 'bob''s', '', $2, $2)`, ann, nowUS, bob)
	exec(`INSERT INTO health (id, checked_at) VALUES (1, $1)`, nowUS)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := openSchema(t, schema, false)
	for i := range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() run %d of the legacy database = %v, want nil", i+1, err)
		}
	}
	if v, err := db.Version(ctx); err != nil || v != 1 {
		t.Errorf("Version() = %d, %v, want 1", v, err)
	}
	if v, err := db.NotesVersion(ctx); err != nil || v != 3 {
		t.Errorf("NotesVersion() = %d, %v, want 3 (1 adopted, then note_counts and fastapi_users)", v, err)
	}
	// note_counts starts from the notes already there: ann 2, bob 1.
	if n := count(t, db, `SELECT n FROM note_counts WHERE owner_id = $1`, ann); n != 2 {
		t.Errorf("note_counts of ann after adoption = %d, want 2", n)
	}
	if n := count(t, db, `SELECT n FROM note_counts WHERE owner_id = $1`, bob); n != 1 {
		t.Errorf("note_counts of bob after adoption = %d, want 1", n)
	}
	if n := count(t, db, `SELECT max(version) FROM schema_migrations`); n != legacyVersion {
		t.Errorf("schema_migrations at %d after adoption, want it left at %d", n, legacyVersion)
	}

	now := time.Now()
	u, err := db.UserByEmail(ctx, "ann@example.com")
	if err != nil || u.ID != ann || u.Name != "Ann" || u.Role != accounts.RoleAdmin || !u.Active || !u.Verified || u.PasswordHash != "hash-a" {
		t.Errorf("UserByEmail(ann) = %+v, %v, want the legacy user", u, err)
	}
	if b, err := db.UserByID(ctx, bob); err != nil || b.Active || b.Verified || b.Email != "bob@example.com" {
		t.Errorf("UserByID(bob) = %+v, %v, want the inactive legacy user", b, err)
	}
	ss, next, err := db.Sessions(gatehousetest.Owner(ann)).List(ctx, now, notes.Page{})
	if err != nil || len(ss) != 2 || next != 0 {
		t.Fatalf("Sessions(ann).List = %d sessions, %v, want 2", len(ss), err)
	}
	if _, s, err := db.WebSessionUser(ctx, []byte{0x02}, now, time.Hour); err != nil || s.UserAgent != "browser" {
		t.Errorf("WebSessionUser(legacy cookie) = %+v, %v, want the browser session", s, err)
	}
	s, ru, err := db.RotateRefresh(ctx, []byte{0x01}, []byte{0x06}, now, 0)
	if err != nil || ru.ID != ann || strings.Join(s.Scopes, " ") != "notes:read notes:write" {
		t.Errorf("RotateRefresh(legacy refresh token) = %+v, %+v, %v, want ann's session with its scopes", s, ru, err)
	}
	if _, _, err := db.RotateRefresh(ctx, []byte{0x03}, []byte{0x07}, now, 0); !errors.Is(err, accounts.ErrRefreshReused) {
		t.Errorf("RotateRefresh(legacy used token) = %v, want ErrRefreshReused", err)
	}
	if k, ku, err := db.APIKeyByPrefix(ctx, "pfx12345"); err != nil || ku.ID != ann || k.Name != "ci" {
		t.Errorf("APIKeyByPrefix(legacy key) = %+v, %v, want ann's key", k, err)
	}
	if tu, err := db.AccountTokenUser(ctx, accounts.PurposeVerify, []byte{0x05}, now); err != nil || tu.ID != ann {
		t.Errorf("AccountTokenUser(legacy token) = %+v, %v, want ann", tu, err)
	}
	ns, _, err := db.Notes(gatehousetest.Owner(ann)).List(ctx, notes.Page{})
	if err != nil || len(ns) != 2 || ns[0].Title != "second" || ns[1].Body != "one" {
		t.Errorf("Notes(ann).List = %+v, %v, want her two legacy notes, newest first", ns, err)
	}
	if n, err := db.Notes(gatehousetest.Owner(bob)).Create(ctx, notes.NoteInput{Title: "new"}); err != nil || n.OwnerID != bob {
		t.Errorf("Notes(bob).Create after adoption = %+v, %v, want a note", n, err)
	}
	if _, err := db.CreateUser(ctx, accounts.NewUser{Email: "cy@example.com"}); err != nil {
		t.Errorf("CreateUser after adoption = %v, want nil (the identity sequence goes on)", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping after adoption = %v", err)
	}
}

// TestMigrateRefusesOldLegacy: a database an earlier notesd left below
// version 6 is refused with an error that says what to do, and nothing is
// recorded.
func TestMigrateRefusesOldLegacy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openSchema(t, legacyDB(t, 3), false)
	err := db.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "version 3") || !strings.Contains(err.Error(), "notesd migrate") {
		t.Fatalf("Migrate() of a legacy database at version 3 = %v, want an error naming the version and the way on", err)
	}
	if v, err := db.Version(ctx); err != nil || v != 0 {
		t.Errorf("Version() after the refusal = %d, %v, want 0: nothing recorded", v, err)
	}
	if n := count(t, db, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'account_tokens'`); n != 0 {
		t.Errorf("the refused database got account_tokens: a migration ran")
	}
}

// TestSchemaMatchesLegacy: a fresh database's tables, columns, indexes and
// constraints are exactly those of the earlier notesd's (the bookkeeping
// tables aside, and note_counts and fastapi_users of the notes migrations
// after the adopted version 1), so adopting one as version 1 is sound.
func TestSchemaMatchesLegacy(t *testing.T) {
	t.Parallel()
	legacy := catalog(t, openSchema(t, legacyDB(t, legacyVersion), false))
	fresh := catalog(t, openTest(t, true))
	if diff := cmp.Diff(legacy, fresh); diff != "" {
		t.Errorf("schema of a fresh database differs from the legacy one (-legacy +fresh):\n%s", diff)
	}
}

// catalog describes the current schema's tables, columns, indexes and
// constraints, one line each, the bookkeeping tables, note_counts and
// fastapi_users (notes migrations 2 and 3, which an adopted database gets
// after adoption) left out.
func catalog(t *testing.T, db *DB) []string {
	t.Helper()
	const skip = `('schema_migrations', 'accounts_schema', 'app_schema', 'note_counts', 'fastapi_users')`
	rows, err := db.Pool().Query(t.Context(), `
SELECT 'column ' || table_name || '.' || column_name || ' #' || ordinal_position || ' ' || data_type ||
	' null=' || is_nullable || ' default=' || coalesce(column_default, '') || ' identity=' || is_identity
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name NOT IN `+skip+`
UNION ALL
SELECT 'index ' || tablename || ' ' || regexp_replace(indexdef, ' ON [^ ]+\.', ' ON ')
FROM pg_indexes
WHERE schemaname = current_schema() AND tablename NOT IN `+skip+`
UNION ALL
SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname = current_schema() AND c.conrelid::regclass::text NOT IN `+skip+`
ORDER BY 1`)
	if err != nil {
		t.Fatalf("read the catalog: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read the catalog: %v", err)
	}
	if len(lines) < 40 {
		t.Fatalf("catalog has %d lines, want the whole schema", len(lines))
	}
	return lines
}
