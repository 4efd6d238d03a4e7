package pgstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/accountstest"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/pgtest"
)

// newSchema creates a fresh, empty schema gh_<random> in the test database
// (skipping t without NOTESD_TEST_POSTGRES_URL), dropped with everything
// in it when t ends, and returns the base URL and the schema's name. Each
// subtest gets its own, so parallel subtests never see each other's rows.
func newSchema(t *testing.T) (base, schema string) {
	t.Helper()
	return pgtest.Schema(t)
}

// openSchema opens a Store whose connections use schema as their
// search_path, closed when t ends (before the schema is dropped: cleanups
// run last registered first). It migrates when migrate is set.
func openSchema(t *testing.T, base, schema string, migrate bool) *Store {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(base)
	if err != nil {
		t.Fatalf("pgxpool.ParseConfig: %v", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 4
	st, err := OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatalf("OpenConfig() = %v, want nil error", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	if migrate {
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate() = %v, want nil error", err)
		}
	}
	return st
}

// openTest opens a Store on a fresh schema of its own.
func openTest(t *testing.T, migrate bool) *Store {
	t.Helper()
	base, schema := newSchema(t)
	return openSchema(t, base, schema, migrate)
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	accountstest.Run(t, func(t *testing.T) accountstest.Store { return openTest(t, true) })
}

// TestStores checks that Stores hands out the store as every capability.
func TestStores(t *testing.T) {
	t.Parallel()
	st := &Store{}
	s := st.Stores()
	for name, c := range map[string]any{
		"Users": s.Users, "Sessions": s.Sessions, "WebSessions": s.WebSessions,
		"APIKeys": s.APIKeys, "Tokens": s.Tokens, "Purger": s.Purger,
	} {
		if c != any(st) {
			t.Errorf("Stores().%s = %v, want the store", name, c)
		}
	}
}

// latestVersion is the version of the newest embedded identity migration.
func latestVersion(t *testing.T) int {
	t.Helper()
	ms, err := identityMigrations()
	if err != nil {
		t.Fatalf("identityMigrations() = %v", err)
	}
	return ms[len(ms)-1].Version
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ms, err := identityMigrations()
	if err != nil {
		t.Fatalf("identityMigrations() = %v, want nil error", err)
	}
	if len(ms) == 0 {
		t.Fatal("identityMigrations() = none, want at least 0001_accounts.sql")
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %d is %s (version %d), want version %d: versions must be 1, 2, … without gaps", i, m.Name, m.Version, i+1)
		}
	}
}

// count returns the single number query (with args) answers.
func count(t *testing.T, st *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := st.pool.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openTest(t, false)

	v, err := st.Version(ctx)
	if err != nil || v != 0 {
		t.Fatalf("Version() before Migrate = %d, %v, want 0, nil", v, err)
	}
	latest := latestVersion(t)
	for i := range 3 {
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() run %d = %v, want nil", i+1, err)
		}
		v, err := st.Version(ctx)
		if err != nil || v != latest {
			t.Fatalf("Version() after Migrate run %d = %d, %v, want %d, nil", i+1, v, err, latest)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM accounts_schema`); n != latest {
		t.Errorf("accounts_schema has %d rows, want %d (one per migration)", n, latest)
	}
	// The schema works after repeated runs.
	if _, err := st.CreateUser(ctx, accounts.NewUser{Email: "ann@example.com", Name: "ann"}); err != nil {
		t.Errorf("CreateUser() after Migrate = %v, want nil", err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping() after Migrate = %v, want nil", err)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openTest(t, true)
	latest := latestVersion(t)
	if _, err := st.pool.Exec(ctx, `INSERT INTO accounts_schema (version) VALUES ($1)`, latest+1); err != nil {
		t.Fatalf("insert a future version: %v", err)
	}
	if err := st.Migrate(ctx); err == nil {
		t.Errorf("Migrate() on a schema at version %d = nil, want an error (binary knows %d)", latest+1, latest)
	}
}

// TestMigrateConcurrent starts several Migrate and MigrateApp calls at
// once from separate pools (as separate processes would) on one fresh
// schema: the advisory lock makes each migration apply once, and all
// succeed.
func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	base, schema := newSchema(t)
	const n = 4
	sts := make([]*Store, n)
	for i := range sts {
		sts[i] = openSchema(t, base, schema, false)
	}
	var (
		wg   sync.WaitGroup
		errs = make([]error, n)
	)
	for i, st := range sts {
		if i%2 == 0 {
			wg.Go(func() { errs[i] = st.Migrate(ctx) })
		} else {
			wg.Go(func() { errs[i] = st.MigrateApp(ctx, "widgets", widgetMigrations) })
		}
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrate from pool %d = %v, want nil", i, err)
		}
	}
	latest := latestVersion(t)
	if rows, distinct := count(t, sts[0], `SELECT count(*) FROM accounts_schema`),
		count(t, sts[0], `SELECT count(DISTINCT version) FROM accounts_schema`); rows != latest || distinct != latest {
		t.Errorf("accounts_schema = %d rows, %d versions, want %d of each", rows, distinct, latest)
	}
	if rows := count(t, sts[0], `SELECT count(*) FROM app_schema WHERE app = 'widgets'`); rows != 2 {
		t.Errorf("app_schema has %d rows of widgets, want 2", rows)
	}
	for i, st := range sts {
		if v, err := st.Version(ctx); err != nil || v != latest {
			t.Errorf("Version() from pool %d = %d, %v, want %d, nil", i, v, err, latest)
		}
	}
}

// widgetMigrations are the migrations of a test app with a table of its own.
var widgetMigrations = fstest.MapFS{
	"migrations/0001_widgets.sql": {Data: []byte(`CREATE TABLE widgets (
	id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name     TEXT   NOT NULL
);`)},
	"migrations/0002_widget_colour.sql": {Data: []byte(`ALTER TABLE widgets ADD COLUMN colour TEXT NOT NULL DEFAULT '';`)},
}

// TestMigrateApp runs an app's migrations beside the identity schema: the
// identity schema first, the app's tracked under its name, idempotent,
// refusing a newer app schema, and the app's rows in one database with the
// users they reference.
func TestMigrateApp(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openTest(t, false)
	for i := range 2 {
		if err := st.MigrateApp(ctx, "widgets", widgetMigrations); err != nil {
			t.Fatalf("MigrateApp() run %d = %v, want nil", i+1, err)
		}
	}
	if v, err := st.Version(ctx); err != nil || v != latestVersion(t) {
		t.Errorf("Version() after MigrateApp = %d, %v, want %d: the identity schema first", v, err, latestVersion(t))
	}
	if v, err := st.AppVersion(ctx, "widgets"); err != nil || v != 2 {
		t.Errorf("AppVersion(widgets) = %d, %v, want 2, nil", v, err)
	}
	if v, err := st.AppVersion(ctx, "other"); err != nil || v != 0 {
		t.Errorf("AppVersion(other) = %d, %v, want 0, nil", v, err)
	}
	if n := count(t, st, `SELECT count(*) FROM app_schema WHERE app = 'widgets'`); n != 2 {
		t.Errorf("app_schema has %d widgets rows, want 2", n)
	}
	u, err := st.CreateUser(ctx, accounts.NewUser{Email: "ann@example.com"})
	if err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	if _, err := st.Pool().Exec(ctx, `INSERT INTO widgets (owner_id, name, colour) VALUES ($1, 'w', 'red')`, u.ID); err != nil {
		t.Fatalf("insert a widget: %v", err)
	}
	_, err = st.Pool().Exec(ctx, `INSERT INTO widgets (owner_id, name) VALUES ($1, 'w')`, u.ID+1000)
	if err = MapError(err); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("MapError(insert a widget of no user) = %v, want ErrNotFound", err)
	}

	_, err = st.Pool().Exec(ctx, `INSERT INTO widgets (owner_id, name) VALUES ($1, $2)`, u.ID, "bad \xff")
	var ve *accounts.ValidationError
	if err = MapError(err); !errors.As(err, &ve) {
		t.Errorf("MapError(insert a widget named with bad UTF-8) = %v, want a *accounts.ValidationError", err)
	}

	older := fstest.MapFS{"migrations/0001_widgets.sql": widgetMigrations["migrations/0001_widgets.sql"]}
	if err := st.MigrateApp(ctx, "widgets", older); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("MigrateApp(widgets at 2, binary knows 1) = %v, want a newer-schema error", err)
	}
	for _, name := range []string{"", "Widgets", "1widgets", "wid-gets", "wid gets", strings.Repeat("w", 64)} {
		if err := st.MigrateApp(ctx, name, widgetMigrations); err == nil {
			t.Errorf("MigrateApp(%q) = nil, want a bad-name error", name)
		}
	}
	if err := st.MigrateApp(ctx, "empty", fstest.MapFS{}); err == nil {
		t.Errorf("MigrateApp(no migrations) = nil, want an error")
	}
}

// TestBaseline: Baseline records the versions without running anything
// only when adopt says so, and only on a database without identity
// versions; adopt's error rolls everything back.
func TestBaseline(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openTest(t, false)
	fail := errors.New("too old")
	if ok, err := st.Baseline(ctx, func(context.Context, pgx.Tx) (bool, error) { return false, fail }, 1, map[string]int{"widgets": 1}); ok || !errors.Is(err, fail) {
		t.Errorf("Baseline(adopt fails) = %v, %v, want false, its error", ok, err)
	}
	if ok, err := st.Baseline(ctx, func(context.Context, pgx.Tx) (bool, error) { return false, nil }, 1, nil); ok || err != nil {
		t.Errorf("Baseline(adopt says no) = %v, %v, want false, nil", ok, err)
	}
	if v, _ := st.Version(ctx); v != 0 {
		t.Fatalf("Version() after refused baselines = %d, want 0", v)
	}
	// Take over a database made without the ledgers: the tables exist,
	// nothing is run again.
	ms, err := identityMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.pool.Exec(ctx, ms[0].SQL); err != nil {
		t.Fatalf("make the tables: %v", err)
	}
	if _, err := st.pool.Exec(ctx, string(widgetMigrations["migrations/0001_widgets.sql"].Data)); err != nil {
		t.Fatalf("make the app's tables: %v", err)
	}
	ok, err := st.Baseline(ctx, func(context.Context, pgx.Tx) (bool, error) { return true, nil }, 1, map[string]int{"widgets": 1})
	if !ok || err != nil {
		t.Fatalf("Baseline(adopt) = %v, %v, want true, nil", ok, err)
	}
	called := false
	if ok, err := st.Baseline(ctx, func(context.Context, pgx.Tx) (bool, error) { called = true; return true, nil }, 1, nil); ok || err != nil || called {
		t.Errorf("second Baseline = %v, %v (adopt called %v), want false, nil, not called", ok, err, called)
	}
	if err := st.MigrateApp(ctx, "widgets", widgetMigrations); err != nil {
		t.Fatalf("MigrateApp after Baseline = %v, want only 0002 run", err)
	}
	if v, err := st.AppVersion(ctx, "widgets"); err != nil || v != 2 {
		t.Errorf("AppVersion(widgets) = %d, %v, want 2", v, err)
	}
	for _, bad := range []struct {
		identity int
		apps     map[string]int
	}{{0, nil}, {latestVersion(t) + 1, nil}, {1, map[string]int{"Bad": 1}}, {1, map[string]int{"widgets": 0}}} {
		if _, err := st.Baseline(ctx, func(context.Context, pgx.Tx) (bool, error) { return true, nil }, bad.identity, bad.apps); err == nil {
			t.Errorf("Baseline(%d, %v) = nil error, want an error", bad.identity, bad.apps)
		}
	}
}

// TestOpenBadURL checks that Open reports a malformed URL without showing it.
func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	_, err := Open(t.Context(), "postgres://u:secret@%zz")
	if err == nil {
		t.Fatal("Open(malformed URL) = nil error, want an error")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("Open(malformed URL) = %v: shows the password", err)
	}
}

// TestLastAdminConcurrent races two demotions of the only two admins, many
// times: the row locks let exactly one of each pair win, so there is
// always an active admin left.
func TestLastAdminConcurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openTest(t, true)
	for round := range 10 {
		a, err := st.CreateUser(ctx, accounts.NewUser{Email: "a" + string(rune('a'+round)) + "@example.com", Role: accounts.RoleAdmin})
		if err != nil {
			t.Fatalf("CreateUser(a) = %v", err)
		}
		b, err := st.CreateUser(ctx, accounts.NewUser{Email: "b" + string(rune('a'+round)) + "@example.com", Role: accounts.RoleAdmin})
		if err != nil {
			t.Fatalf("CreateUser(b) = %v", err)
		}
		if round > 0 {
			// Only a and b of this round are active admins.
			if _, err := st.pool.Exec(ctx, `UPDATE users SET is_active = FALSE WHERE id NOT IN ($1, $2)`, a.ID, b.ID); err != nil {
				t.Fatalf("deactivate earlier users: %v", err)
			}
		}
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		wg.Go(func() { _, errs[0] = st.UpdateUser(ctx, adminGrant(), a.ID, accounts.UserPatch{Active: ptr(false)}) })
		wg.Go(func() {
			_, errs[1] = st.UpdateUser(ctx, adminGrant(), b.ID, accounts.UserPatch{Role: ptr(accounts.RoleUser)})
		})
		wg.Wait()
		okCount := 0
		for _, err := range errs {
			switch {
			case err == nil:
				okCount++
			case errors.Is(err, accounts.ErrLastAdmin):
			default:
				t.Fatalf("round %d: UpdateUser = %v, want nil or ErrLastAdmin", round, err)
			}
		}
		if okCount != 1 {
			t.Fatalf("round %d: %d of 2 concurrent demotions succeeded, want exactly 1 (errors %v)", round, okCount, errs)
		}
		if active := count(t, st, `SELECT count(*) FROM users WHERE role = 'admin' AND is_active`); active != 1 {
			t.Fatalf("round %d: %d active admins, want 1", round, active)
		}
	}
}

// TestNoCacheAcrossReplicas checks that a revocation through one Store is
// seen at once by another Store on the same database (two replicas).
func TestNoCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	base, schema := newSchema(t)
	a := openSchema(t, base, schema, true)
	b := openSchema(t, base, schema, true)
	u, err := a.CreateUser(ctx, accounts.NewUser{Email: "ann@example.com"})
	if err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	ss, err := a.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: now().Add(3600e9)})
	if err != nil {
		t.Fatalf("CreateSession = %v", err)
	}
	if _, _, err := b.SessionUser(ctx, u.ID, ss.ID, now()); err != nil {
		t.Fatalf("SessionUser on replica b = %v, want the session", err)
	}
	if err := a.Sessions(gatehousetest.Owner(u.ID)).Revoke(ctx, ss.ID); err != nil {
		t.Fatalf("Revoke on replica a = %v", err)
	}
	if _, _, err := b.SessionUser(ctx, u.ID, ss.ID, now()); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("SessionUser on replica b after revoke on a = %v, want ErrNotFound", err)
	}
}

// TestPoolStats checks that the pool statistics see the pool's connections.
func TestPoolStats(t *testing.T) {
	t.Parallel()
	st := openTest(t, true)
	if s := st.PoolStats(); s.MaxConns() != 4 || s.TotalConns() == 0 {
		t.Errorf("PoolStats() max %d, total %d; want 4 and at least one", s.MaxConns(), s.TotalConns())
	}
}

func ptr[T any](v T) *T { return &v }

// adminGrant is the proof of the admin role that admin operations ask for.
func adminGrant() auth.RoleGrant { return gatehousetest.Grant(string(accounts.RoleAdmin)) }

// TestOpenWithMaxConns: OpenWith sizes the pool as told, over the URL's
// pool_max_conns, and keeps the URL's size (or pgx's default) otherwise;
// DefaultMaxConns grows with the processors.
func TestOpenWithMaxConns(t *testing.T) {
	t.Parallel()
	base, _ := newSchema(t)
	withURLSize := base + "&pool_max_conns=3"
	if !strings.Contains(base, "?") {
		withURLSize = base + "?pool_max_conns=3"
	}
	cases := []struct {
		name string
		url  string
		o    Options
		want int32
	}{
		{"option", base, Options{MaxConns: 37}, 37},
		{"option over the URL", withURLSize, Options{MaxConns: 37}, 37},
		{"the URL's", withURLSize, Options{}, 3},
	}
	for _, c := range cases {
		st, err := OpenWith(t.Context(), c.url, c.o)
		if err != nil {
			t.Fatalf("%s: OpenWith() = %v", c.name, err)
		}
		if got := st.Pool().Config().MaxConns; got != c.want {
			t.Errorf("%s: OpenWith(%+v) pool size = %d, want %d", c.name, c.o, got, c.want)
		}
		st.Close()
	}
	if _, err := OpenWith(t.Context(), "postgres://u:secret@%zz", Options{MaxConns: 5}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("OpenWith(malformed URL) = %v, want an error that hides the password", err)
	}
	for procs, want := range map[int]int32{1: 16, 2: 16, 4: 32, 16: 128} {
		if got := DefaultMaxConns(procs); got != want {
			t.Errorf("DefaultMaxConns(%d) = %d, want %d", procs, got, want)
		}
	}
}
