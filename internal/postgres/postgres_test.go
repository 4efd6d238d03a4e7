package postgres

import (
	"errors"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/pgtest"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/storetest"
)

// envURL names the PostgreSQL database the tests use.
const envURL = "NOTESD_TEST_POSTGRES_URL"

// testURL returns the database URL from the environment, skipping t when
// it is not set.
func testURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip(envURL + " not set: PostgreSQL store tests skipped")
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
	storetest.Run(t, func(t *testing.T) notes.Store { return openTest(t, true) })
}

// latestVersion is the version of the newest embedded migration.
func latestVersion(t *testing.T) int {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations() = %v", err)
	}
	return ms[len(ms)-1].Version
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations() = %v, want nil error", err)
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %d is %s (version %d), want version %d: versions must be 1, 2, … without gaps", i, m.Name, m.Version, i+1)
		}
	}
	if len(ms) < 2 {
		t.Errorf("migrations() = %d migrations, want at least 2 (init, refresh tokens)", len(ms))
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
	latest := latestVersion(t)
	for i := range 3 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() run %d = %v, want nil", i+1, err)
		}
		v, err := db.Version(ctx)
		if err != nil || v != latest {
			t.Fatalf("Version() after Migrate run %d = %d, %v, want %d, nil", i+1, v, err, latest)
		}
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	if n != latest {
		t.Errorf("schema_migrations has %d rows, want %d (one per migration)", n, latest)
	}
	// The schema works after repeated runs.
	if _, err := db.CreateUser(ctx, notes.NewUser{Email: "ann@example.com", Name: "ann"}); err != nil {
		t.Errorf("CreateUser() after Migrate = %v, want nil", err)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	latest := latestVersion(t)
	if _, err := db.pool.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, latest+1); err != nil {
		t.Fatalf("insert a future version: %v", err)
	}
	if err := db.Migrate(ctx); err == nil {
		t.Errorf("Migrate() on a schema at version %d = nil, want an error (binary knows %d)", latest+1, latest)
	}
}

// TestMigrateConcurrent starts several Migrate calls at once from separate
// pools (as separate notesd processes would) on one fresh schema: the
// advisory lock makes each migration apply once, and all succeed.
func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := newSchema(t)
	const n = 4
	dbs := make([]*DB, n)
	for i := range dbs {
		dbs[i] = openSchema(t, schema, false)
	}
	var (
		wg   sync.WaitGroup
		errs = make([]error, n)
	)
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate() from pool %d = %v, want nil", i, err)
		}
	}
	latest := latestVersion(t)
	var rows, distinct int
	if err := dbs[0].pool.QueryRow(ctx,
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	if rows != latest || distinct != latest {
		t.Errorf("schema_migrations = %d rows, %d versions, want %d of each", rows, distinct, latest)
	}
	for i, db := range dbs {
		if v, err := db.Version(ctx); err != nil || v != latest {
			t.Errorf("Version() from pool %d = %d, %v, want %d, nil", i, v, err, latest)
		}
	}
}

// TestOpenBadURL checks that Open reports a malformed URL.
func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	if _, err := Open(t.Context(), "postgres://%zz"); err == nil {
		t.Errorf("Open(malformed URL) = nil error, want an error")
	}
}

// TestLastAdminConcurrent races two demotions of the only two admins, many
// times: the row locks let exactly one of each pair win, so there is
// always an active admin left.
func TestLastAdminConcurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	for round := range 10 {
		a, err := db.CreateUser(ctx, notes.NewUser{Email: "a" + string(rune('a'+round)) + "@example.com", Role: notes.RoleAdmin})
		if err != nil {
			t.Fatalf("CreateUser(a) = %v", err)
		}
		b, err := db.CreateUser(ctx, notes.NewUser{Email: "b" + string(rune('a'+round)) + "@example.com", Role: notes.RoleAdmin})
		if err != nil {
			t.Fatalf("CreateUser(b) = %v", err)
		}
		if round > 0 {
			// Only a and b of this round are active admins.
			if _, err := db.pool.Exec(ctx, `UPDATE users SET is_active = FALSE WHERE id NOT IN ($1, $2)`, a.ID, b.ID); err != nil {
				t.Fatalf("deactivate earlier users: %v", err)
			}
		}
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		wg.Go(func() { _, errs[0] = db.UpdateUser(ctx, adminGrant(), a.ID, notes.UserPatch{Active: ptr(false)}) })
		wg.Go(func() {
			_, errs[1] = db.UpdateUser(ctx, adminGrant(), b.ID, notes.UserPatch{Role: ptr(notes.RoleUser)})
		})
		wg.Wait()
		okCount := 0
		for _, err := range errs {
			switch {
			case err == nil:
				okCount++
			case errors.Is(err, notes.ErrLastAdmin):
			default:
				t.Fatalf("round %d: UpdateUser = %v, want nil or ErrLastAdmin", round, err)
			}
		}
		if okCount != 1 {
			t.Fatalf("round %d: %d of 2 concurrent demotions succeeded, want exactly 1 (errors %v)", round, okCount, errs)
		}
		var active int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND is_active`).Scan(&active); err != nil {
			t.Fatalf("count admins: %v", err)
		}
		if active != 1 {
			t.Fatalf("round %d: %d active admins, want 1", round, active)
		}
	}
}

// TestNoCacheAcrossReplicas checks that a revocation through one DB is
// seen at once by another DB on the same database (two replicas).
func TestNoCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := newSchema(t)
	a := openSchema(t, schema, true)
	b := openSchema(t, schema, true)
	u, err := a.CreateUser(ctx, notes.NewUser{Email: "ann@example.com"})
	if err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	ss, err := a.CreateSession(ctx, notes.NewSession{UserID: u.ID, ExpiresAt: now().Add(3600e9)})
	if err != nil {
		t.Fatalf("CreateSession = %v", err)
	}
	if _, _, err := b.SessionUser(ctx, u.ID, ss.ID, now()); err != nil {
		t.Fatalf("SessionUser on replica b = %v, want the session", err)
	}
	if err := a.Sessions(gatehousetest.Owner(u.ID)).Revoke(ctx, ss.ID); err != nil {
		t.Fatalf("Revoke on replica a = %v", err)
	}
	if _, _, err := b.SessionUser(ctx, u.ID, ss.ID, now()); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("SessionUser on replica b after revoke on a = %v, want ErrNotFound", err)
	}
}

func ptr[T any](v T) *T { return &v }

// adminGrant is the proof of the admin role that admin operations ask for.
func adminGrant() auth.RoleGrant { return gatehousetest.Grant(string(notes.RoleAdmin)) }
