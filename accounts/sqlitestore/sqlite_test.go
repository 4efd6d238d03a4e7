package sqlitestore

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/accountstest"
	"github.com/gatehouse-dev/gatehouse/accounts/internal/migrate"
)

// openTest opens a fresh database in t's temporary directory, closed when
// t ends. It migrates when migrate is set.
func openTest(t *testing.T, migrate bool) *Store {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "data", "accounts.db"))
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

// TestAccounts runs the accounts contract on a fresh database file per
// behaviour.
func TestAccounts(t *testing.T) {
	t.Parallel()
	accountstest.Run(t, func(t *testing.T) accountstest.Store { return openTest(t, true) })
}

func TestStoresFillsEveryField(t *testing.T) {
	t.Parallel()
	db := openTest(t, false)
	s := db.Stores()
	if s.Users == nil || s.Sessions == nil || s.WebSessions == nil || s.APIKeys == nil || s.Tokens == nil || s.Purger == nil {
		t.Errorf("Stores() = %+v, want every field set", s)
	}
}

func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, false)

	v, err := db.Version(ctx)
	if err != nil || v != 0 {
		t.Fatalf("Version() before Migrate = %d, %v, want 0, nil", v, err)
	}
	ms, err := migrate.Load(migrationFiles)
	if err != nil {
		t.Fatalf("migrate.Load() = %v", err)
	}
	latest := ms[len(ms)-1].Version
	for i := range 3 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() run %d = %v, want nil", i+1, err)
		}
		v, err := db.Version(ctx)
		if err != nil || v != latest {
			t.Fatalf("Version() after Migrate run %d = %d, %v, want %d, nil", i+1, v, err, latest)
		}
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM accounts_schema`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Errorf("accounts_schema has %d rows after Migrate run %d, want %d", n, i+1, len(ms))
		}
	}
	for _, table := range []string{"users", "sessions", "used_refresh_tokens", "api_keys", "account_tokens", "health"} {
		var n int
		err := db.r.QueryRowContext(ctx,
			`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: count %d, %v, want 1, nil", table, n, err)
		}
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	if _, err := db.w.ExecContext(ctx,
		`INSERT INTO accounts_schema (version, applied_at) VALUES (9999, 'future')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err == nil {
		t.Errorf("Migrate() on a newer schema = nil, want an error")
	}
}

func TestMigrateReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "accounts.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate() = %v", err)
	}
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ann@example.com", Name: "Ann"})
	if err != nil {
		t.Fatalf("CreateUser() = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open() again = %v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate() again = %v", err)
	}
	got, err := db.UserByID(ctx, u.ID)
	if err != nil || got.Email != u.Email {
		t.Errorf("UserByID(%d) after reopen = %+v, %v, want %s", u.ID, got, err, u.Email)
	}
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	for _, c := range []struct {
		pool, pragma, want string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "foreign_keys", "1"},
		{"writer", "busy_timeout", "5000"},
		{"writer", "synchronous", "2"}, // FULL: SPEC §5 Durability
		{"writer", "query_only", "0"},
		{"reader", "journal_mode", "wal"},
		{"reader", "foreign_keys", "1"},
		{"reader", "busy_timeout", "5000"},
		{"reader", "synchronous", "2"},
		{"reader", "query_only", "1"},
		{"reader", "cache_size", "-8192"},
		// ReadOne's connections, which database/sql does not hand out.
		{"direct", "journal_mode", "wal"},
		{"direct", "foreign_keys", "1"},
		{"direct", "busy_timeout", "5000"},
		{"direct", "synchronous", "2"},
		{"direct", "query_only", "1"},
		{"direct", "cache_size", "-8192"},
	} {
		pool := db.w
		if c.pool == "reader" {
			pool = db.r
		}
		var got string
		var err error
		if c.pool == "direct" {
			var v any
			err = db.ReadOne(t.Context(), "PRAGMA "+c.pragma).Scan(&v)
			got = fmt.Sprint(v)
		} else {
			err = pool.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got)
		}
		if err != nil {
			t.Errorf("%s PRAGMA %s: %v", c.pool, c.pragma, err)
			continue
		}
		if !strings.EqualFold(got, c.want) {
			t.Errorf("%s PRAGMA %s = %q, want %q", c.pool, c.pragma, got, c.want)
		}
	}
}

// TestSynchronousOption: OpenWith sets the synchronous setting it is given
// on every connection, and refuses one it does not know.
func TestSynchronousOption(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		sync Synchronous
		want string
	}{{"", "2"}, {SyncFull, "2"}, {SyncNormal, "1"}} {
		db, err := OpenWith(t.Context(), filepath.Join(t.TempDir(), "n.db"), Options{Synchronous: c.sync})
		if err != nil {
			t.Fatalf("OpenWith(Synchronous %q) = %v, want nil error", c.sync, err)
		}
		for name, pool := range map[string]*sql.DB{"writer": db.w, "reader": db.r} {
			var got string
			if err := pool.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got); err != nil || got != c.want {
				t.Errorf("OpenWith(Synchronous %q): %s PRAGMA synchronous = %q, %v, want %q", c.sync, name, got, err, c.want)
			}
		}
		db.Close()
	}
	if db, err := OpenWith(t.Context(), filepath.Join(t.TempDir(), "n.db"), Options{Synchronous: "OFF"}); err == nil {
		db.Close()
		t.Errorf("OpenWith(Synchronous OFF) = nil error, want a refusal")
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	_, err := db.r.ExecContext(t.Context(),
		`INSERT INTO users (email, created_at) VALUES ('x@example.com', 0)`)
	if err == nil {
		t.Errorf("insert through the reader pool = nil error, want a query_only error")
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	_, err := db.CreateSession(t.Context(), accounts.NewSession{UserID: 12345})
	if err == nil {
		t.Fatalf("CreateSession(unknown user) = nil error, want a foreign key error")
	}
	if !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("CreateSession(unknown user) = %v, want accounts.ErrNotFound", err)
	}
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "accounts.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer db.Close()
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{dir, 0o700}, {path, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatalf("Stat(%s) = %v", c.path, err)
		}
		if got := fi.Mode().Perm(); got != c.mode {
			t.Errorf("mode of %s = %v, want %v", c.path, got, c.mode)
		}
	}
}

// TestMapUnavailableReadOnly: a write to a database that is read-only to
// its connection fails with SQLITE_READONLY, which MapUnavailable marks
// accounts.ErrUnavailable (SPEC §2: read-only is 503, not 500); a constraint
// error stays what it is.
func TestMapUnavailableReadOnly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "n.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.ExecContext(t.Context(), `INSERT INTO health (id, checked_at) VALUES (1, 0)`)
	if err == nil {
		t.Fatal("insert through a read-only connection = nil error, want SQLITE_READONLY")
	}
	if got := MapUnavailable(err); !errors.Is(got, accounts.ErrUnavailable) || !strings.Contains(got.Error(), err.Error()) {
		t.Errorf("MapUnavailable(%v) = %v, want accounts.ErrUnavailable wrapping the cause", err, got)
	}
	_, err = ro.ExecContext(t.Context(), `SELECT * FROM no_such_table`)
	if got := MapUnavailable(err); errors.Is(got, accounts.ErrUnavailable) {
		t.Errorf("MapUnavailable(%v) = %v, want it unchanged (not an outage)", err, got)
	}
}
