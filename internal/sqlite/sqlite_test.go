package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/accountstest"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/storetest"
)

// openTest opens a fresh database in t's temporary directory, closed when
// t ends. It migrates when migrate is set.
func openTest(t testing.TB, migrate bool) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "data", "notesd.db"))
	if err != nil {
		t.Fatalf("Open() = %v, want nil error", err)
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

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTest(t, true) })
}

// TestAccounts: the notes half leaves the identity half's contract intact
// on a database with the notes in it.
func TestAccounts(t *testing.T) {
	t.Parallel()
	accountstest.Run(t, func(t *testing.T) accountstest.Store { return openTest(t, true) })
}

// versions returns the versions recorded under name.
func versions(t *testing.T, db *DB, name string) []int {
	t.Helper()
	rows, err := db.Reader().QueryContext(t.Context(), `SELECT version FROM app_schema WHERE app = ?1 UNION ALL SELECT version FROM accounts_schema WHERE ?1 = 'accounts' ORDER BY version`, name)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := collect(rows, func(s scanner) (int, error) {
		var v int
		return v, s.Scan(&v)
	})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestMigrateIdempotent: Migrate applies the identity schema and the
// notes, records each under its name, and changes nothing when run again.
func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, false)
	if v, err := db.Version(ctx); err != nil || v != 0 {
		t.Fatalf("Version() before Migrate = %d, %v, want 0, nil", v, err)
	}
	for i := range 3 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() run %d = %v, want nil", i+1, err)
		}
		if got := versions(t, db, "accounts"); !slices.Equal(got, []int{1}) {
			t.Errorf("identity versions after run %d = %v, want [1]", i+1, got)
		}
		if got := versions(t, db, app); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("notes versions after run %d = %v, want [1 2 3]", i+1, got)
		}
	}
	if v, err := db.Version(ctx); err != nil || v != 1 {
		t.Errorf("Version() = %d, %v, want 1, nil", v, err)
	}
}

// legacyFiles are the migrations of the notesd before the split: only for
// building a database it made.
//
//go:embed testdata/legacy/migrations/*.sql
var legacyFiles embed.FS

// legacyDB builds a database as the earlier notesd left it at schema
// version upTo (its schema_migrations and tables) at path.
func legacyDB(t *testing.T, path string, upTo int) {
	t.Helper()
	ctx := t.Context()
	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `CREATE TABLE schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at TEXT NOT NULL
)`); err != nil {
		t.Fatal(err)
	}
	names, err := legacyFiles.ReadDir("testdata/legacy/migrations")
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range names[:upTo] {
		b, err := legacyFiles.ReadFile("testdata/legacy/migrations/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("legacy %s: %v", e.Name(), err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'then')`, i+1); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMigrateLegacyV6: a database of the earlier notesd at schema version
// 6, filled, opens and migrates with this code (its versions adopted,
// nothing run) and every row reads back.
func TestMigrateLegacyV6(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "legacy.db")
	legacyDB(t, path, 6)

	// Fill it as the earlier notesd would have, with the rows of every
	// table the earlier schema had.
	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	fill := []string{
		`INSERT INTO users (id, email, name, role, is_active, password_hash, created_at, is_verified) VALUES (1, 'ann@x.test', 'Ann', 'admin', 1, 'h-ann', 1000000, 1)`,
		`INSERT INTO users (id, email, name, role, is_active, password_hash, created_at) VALUES (2, 'bob@x.test', 'Bob', 'user', 1, 'h-bob', 2000000)`,
		`INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, refresh_hash, scopes) VALUES (1, 1, 1, 1, 9999999999999999, x'0102', 'notes:read')`,
		`INSERT INTO used_refresh_tokens (hash, session_id, used_at) VALUES (x'0001', 1, 5)`,
		`INSERT INTO api_keys (id, user_id, name, prefix, hash, scopes, created_at) VALUES (1, 1, 'laptop', 'abcd1234', x'99', 'notes:read', 3)`,
		`INSERT INTO account_tokens (user_id, purpose, hash, created_at, expires_at) VALUES (2, 'verify', x'aa', 1, 9999999999999999)`,
		`INSERT INTO notes (owner_id, title, body, created_at, updated_at) VALUES (1, 'first', 'a', 10, 10), (1, 'second', 'b', 20, 20), (2, 'bob''s', 'c', 30, 30)`,
		`INSERT INTO health (id, checked_at) VALUES (1, 7)`,
	}
	for _, q := range fill {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := OpenLocked(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() of the legacy database, run %d = %v, want nil", i+1, err)
		}
	}
	if got := versions(t, db, "accounts"); !slices.Equal(got, []int{1}) {
		t.Errorf("identity versions = %v, want [1] (adopted)", got)
	}
	if got := versions(t, db, app); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("notes versions = %v, want [1 2 3] (1 adopted, then note_counts and fastapi_users)", got)
	}
	// note_counts starts from the notes already there: ann 2, bob 1.
	for id, want := range map[int64]int{1: 2, 2: 1} {
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT n FROM note_counts WHERE owner_id = ?`, id).Scan(&n); err != nil || n != want {
			t.Errorf("note_counts of user %d after adoption = %d, %v, want %d", id, n, err, want)
		}
	}

	ann, err := db.UserByEmail(ctx, "ann@x.test")
	if err != nil || ann.ID != 1 || ann.Name != "Ann" || ann.Role != accounts.RoleAdmin || !ann.Active || !ann.Verified || ann.PasswordHash != "h-ann" {
		t.Errorf("UserByEmail(ann) = %+v, %v; want the stored admin", ann, err)
	}
	bob, err := db.UserByID(ctx, 2)
	if err != nil || bob.Email != "bob@x.test" || !bob.Active || bob.Verified {
		t.Errorf("UserByID(2) = %+v, %v; want bob, active, unverified", bob, err)
	}
	if u, _, err := db.SessionUser(ctx, 1, 1, time.Now()); err != nil || u.ID != 1 {
		t.Errorf("SessionUser(1, 1) = %+v, %v; want ann", u, err)
	}
	if ss, u, err := db.RotateRefresh(ctx, []byte{1, 2}, []byte{4}, time.Now(), 0); err != nil || u.ID != 1 || ss.ID != 1 || !slices.Equal(ss.Scopes, []string{"notes:read"}) {
		t.Errorf("RotateRefresh(legacy current token) = %+v, %+v, %v; want ann's session with its scopes", ss, u, err)
	}
	if _, _, err := db.RotateRefresh(ctx, []byte{0, 1}, []byte{3}, time.Now(), 0); !errors.Is(err, accounts.ErrRefreshReused) {
		t.Errorf("RotateRefresh(used legacy token) = %v, want ErrRefreshReused", err)
	}
	if k, u, err := db.APIKeyByPrefix(ctx, "abcd1234"); err != nil || k.ID != 1 || u.ID != 1 {
		t.Errorf("APIKeyByPrefix() = %+v, %+v, %v; want ann's key", k, u, err)
	}
	if u, err := db.VerifyEmail(ctx, []byte{0xaa}, time.Now()); err != nil || u.ID != 2 || !u.Verified {
		t.Errorf("VerifyEmail(legacy token) = %+v, %v; want bob verified", u, err)
	}
	ns, _, err := db.Notes(gatehousetest.Owner[int64](1)).List(ctx, notes.Page{})
	if err != nil || len(ns) != 2 || ns[0].Title != "second" || ns[1].Title != "first" {
		t.Errorf("ann's notes = %+v, %v; want second, first", ns, err)
	}
	if n, err := db.Notes(gatehousetest.Owner[int64](1)).Create(ctx, notes.NoteInput{Title: "new"}); err != nil || n.ID != 4 {
		t.Errorf("Notes.Create() after adoption = %+v, %v; want id 4 (AUTOINCREMENT kept)", n, err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping() = %v", err)
	}
}

// TestMigrateLegacyOlderRefused: a database of the earlier notesd below
// version 6 is refused, untouched, with an error that says what to do.
func TestMigrateLegacyOlderRefused(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "legacy5.db")
	legacyDB(t, path, 5)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "version 5") || !strings.Contains(err.Error(), "earlier notesd release") {
		t.Fatalf("Migrate() at legacy version 5 = %v, want a refusal naming the version and the way out", err)
	}
	if v, err := db.Version(ctx); err != nil || v != 0 {
		t.Errorf("Version() after the refusal = %d, %v, want 0 (nothing recorded)", v, err)
	}
}

// TestLegacySchemaMatches: a new database and one of the earlier notesd
// at version 6 have the same tables, columns and indexes, but for those of
// the notes migrations after the adopted version 1 (note_counts,
// fastapi_users), so
// adopting the latter as version 1 is sound.
func TestLegacySchemaMatches(t *testing.T) {
	t.Parallel()
	legacy := filepath.Join(t.TempDir(), "legacy.db")
	legacyDB(t, legacy, 6)
	fresh := openTest(t, true)
	got := schemaOf(t, fresh.Reader())
	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(legacy))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	want := schemaOf(t, raw)
	if len(want) < 50 || !slices.Contains(want, "table notes strict 1") {
		t.Fatalf("legacy schema = %q, want its seven tables described", want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("new schema differs from the legacy v6 one:\n got %q\nwant %q", got, want)
	}
}

// schemaOf describes every table of db but the version tables: its
// columns (name, type, not null, default, primary key), foreign keys,
// indexes with their columns, and whether it is STRICT.
func schemaOf(t *testing.T, db *sql.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	query := func(q string, args ...any) [][]string {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var res [][]string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = "NULL"
				if v.Valid {
					row[i] = v.String
				}
			}
			res = append(res, row)
		}
		return res
	}
	for _, tbl := range query(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'accounts_schema', 'app_schema', 'note_counts', 'fastapi_users') ORDER BY name`) {
		name := tbl[0]
		out = append(out, "table "+name+" strict "+tbl[1])
		for _, c := range query(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`, name) {
			out = append(out, name+" column "+strings.Join(c, " "))
		}
		for _, fk := range query(`SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list(?)`, name) {
			out = append(out, name+" fk "+strings.Join(fk, " "))
		}
		for _, ix := range query(`SELECT name, "unique", partial FROM pragma_index_list(?) ORDER BY name`, name) {
			cols := query(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix[0])
			out = append(out, fmt.Sprint(name, " index ", strings.Join(ix, " "), " ", cols))
		}
		if sqls := query(`SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql LIKE '% WHERE %' ORDER BY name`, name); len(sqls) > 0 {
			for _, s := range sqls {
				out = append(out, name+" partial "+s[0][strings.Index(s[0], " WHERE "):])
			}
		}
	}
	return out
}
