package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"testing/fstest"
)

// TestMigrateApp: an app's migrations apply after the identity schema,
// each once, recorded under the app's name; the identity's name, an empty
// one, an app newer than its files and a call before Migrate are refused.
func TestMigrateApp(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, false)
	one := fstest.MapFS{"migrations/0001_items.sql": {Data: []byte(`CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES users (id)) STRICT;`)}}
	if err := db.MigrateApp(ctx, "items", one); err == nil {
		t.Error("MigrateApp() before Migrate = nil, want an error")
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "accounts"} {
		if err := db.MigrateApp(ctx, name, one); err == nil {
			t.Errorf("MigrateApp(%q) = nil, want a refusal", name)
		}
	}
	two := fstest.MapFS{
		"migrations/0001_items.sql": one["migrations/0001_items.sql"],
		"migrations/0002_title.sql": {Data: []byte(`ALTER TABLE items ADD COLUMN title TEXT NOT NULL DEFAULT '';`)},
	}
	for i, fsys := range []fstest.MapFS{one, one, two, two} {
		if err := db.MigrateApp(ctx, "items", fsys); err != nil {
			t.Fatalf("MigrateApp() run %d = %v, want nil", i+1, err)
		}
	}
	if v, err := db.AppVersion(ctx, "items"); err != nil || v != 2 {
		t.Errorf("AppVersion(items) = %d, %v, want 2", v, err)
	}
	if v, err := db.Version(ctx); err != nil || v != 1 {
		t.Errorf("Version() = %d, %v, want 1 (the app's versions are its own)", v, err)
	}
	if err := db.MigrateApp(ctx, "items", one); err == nil {
		t.Error("MigrateApp() with fewer migrations than applied = nil, want a refusal")
	}
	if err := db.MigrateApp(ctx, "empty", fstest.MapFS{}); err == nil {
		t.Error("MigrateApp() of no migrations = nil, want an error")
	}
}

// TestBaseline: Baseline records the identity schema and the apps'
// versions without running them when adopt vouches for the tables, records
// nothing when adopt declines or fails, and does nothing (without asking
// adopt) on a database that records any migration.
func TestBaseline(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, false)
	yes := func(context.Context, *sql.Tx) (bool, error) { return true, nil }
	if _, err := db.Baseline(ctx, yes, 1, map[string]int{"accounts": 1}); err == nil {
		t.Error("Baseline(app accounts) = nil, want a refusal")
	}
	if _, err := db.Baseline(ctx, yes, 2, nil); err == nil {
		t.Error("Baseline(identity version 2) = nil, want a refusal: this binary knows 1")
	}
	if ok, err := db.Baseline(ctx, func(context.Context, *sql.Tx) (bool, error) { return false, nil }, 1, map[string]int{"legacy": 2}); ok || err != nil {
		t.Errorf("Baseline(declined) = %v, %v, want false, nil", ok, err)
	}
	errOld := errors.New("too old")
	if ok, err := db.Baseline(ctx, func(context.Context, *sql.Tx) (bool, error) { return false, errOld }, 1, nil); ok || !errors.Is(err, errOld) {
		t.Errorf("Baseline(failing adopt) = %v, %v, want false, %v", ok, err, errOld)
	}
	if v, err := db.Version(ctx); err != nil || v != 0 {
		t.Errorf("Version() after declined baselines = %d, %v, want 0", v, err)
	}
	if ok, err := db.Baseline(ctx, yes, 1, map[string]int{"legacy": 2}); !ok || err != nil {
		t.Fatalf("Baseline() = %v, %v, want true, nil", ok, err)
	}
	if v, err := db.Version(ctx); err != nil || v != 1 {
		t.Errorf("Version() after Baseline = %d, %v, want 1", v, err)
	}
	if v, err := db.AppVersion(ctx, "legacy"); err != nil || v != 2 {
		t.Errorf("AppVersion(legacy) after Baseline = %d, %v, want 2", v, err)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'users'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("users table after Baseline: count %d, %v, want 0 (nothing run)", n, err)
	}
	asked := false
	ok, err := db.Baseline(ctx, func(context.Context, *sql.Tx) (bool, error) { asked = true; return true, nil }, 1, map[string]int{"other": 1})
	if ok || err != nil || asked {
		t.Errorf("Baseline() again = %v, %v (adopt asked: %v), want false, nil, not asked", ok, err, asked)
	}
	if v, err := db.AppVersion(ctx, "other"); err != nil || v != 0 {
		t.Errorf("AppVersion(other) after a second Baseline = %d, %v, want 0 (nothing recorded)", v, err)
	}
}

// TestVersionLedgers: the identity schema's versions are in
// accounts_schema and each app's in app_schema, as pgstore keeps them;
// AppVersion refuses the identity schema's name.
func TestVersionLedgers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	one := fstest.MapFS{"migrations/0001_items.sql": {Data: []byte(`CREATE TABLE items (id INTEGER PRIMARY KEY) STRICT;`)}}
	if err := db.MigrateApp(ctx, "items", one); err != nil {
		t.Fatal(err)
	}
	var identityRows, appRows int
	if err := db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts_schema), (SELECT count(*) FROM app_schema WHERE app = 'items')`).Scan(&identityRows, &appRows); err != nil {
		t.Fatal(err)
	}
	if identityRows != 1 || appRows != 1 {
		t.Errorf("accounts_schema %d rows, app_schema %d rows of items; want 1 and 1", identityRows, appRows)
	}
	if _, err := db.AppVersion(ctx, "accounts"); err == nil {
		t.Error("AppVersion(accounts) = nil error, want a refusal: it is the identity schema (Version)")
	}
}
