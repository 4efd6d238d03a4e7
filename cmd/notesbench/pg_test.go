package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/pgtest"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
)

// secretPassword is the password of the URLs of these tests: no error may
// hold it.
const secretPassword = "hunter2-s3cret"

func TestParsePostgresURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		wantErr  string // "" for success
	}{
		{"postgres", "postgres://u:" + secretPassword + "@127.0.0.1:5432/test?sslmode=disable", ""},
		{"postgresql upper case", "PostgreSQL://u:" + secretPassword + "@db/notes", ""},
		{"not a URL", "postgres://u:" + secretPassword + "@[::1/x", "not a valid URL"},
		{"other scheme", "mysql://u:" + secretPassword + "@db/notes", "want postgres://"},
		{"sqlite", "sqlite:/tmp/x.db", "want postgres://"},
		{"no host", "postgres://u:" + secretPassword + "@/notes", "no host"},
		{"search_path", "postgres://u:" + secretPassword + "@db/notes?search_path=public", "search_path"},
	}
	for _, tt := range tests {
		u, err := parsePostgresURL(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: parsePostgresURL = %v, want nil", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: parsePostgresURL = %v, want an error with %q", tt.name, err, tt.wantErr)
		case err != nil && strings.Contains(err.Error(), secretPassword):
			t.Errorf("%s: parsePostgresURL error %q holds the password", tt.name, err)
		case err == nil && u.Host == "":
			t.Errorf("%s: parsePostgresURL = %v, want a host", tt.name, u)
		}
	}
}

func TestParseFlagsDatabaseURL(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"--database-url", "postgres://u:" + secretPassword + "@db:5432/test", "--db-max-conns", "24",
		"--cpu-server", "none", "--cpu-client", "none"}, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags(--database-url postgres://…) = %v, want nil", err)
	}
	if cfg.pgURL == nil || cfg.pgURL.Host != "db:5432" || cfg.dbMaxConns != 24 {
		t.Errorf("parseFlags() = pgURL %v, dbMaxConns %d, want db:5432 and 24", cfg.pgURL, cfg.dbMaxConns)
	}
	if cfg, err := parseFlags([]string{"--cpu-server", "none", "--cpu-client", "none"}, io.Discard); err != nil || cfg.pgURL != nil {
		t.Errorf("parseFlags() without --database-url = %v, %v, want SQLite", cfg.pgURL, err)
	}
	for _, args := range [][]string{
		{"--database-url", "mysql://u:" + secretPassword + "@db/x"},
		{"--database-url", "postgres://u:" + secretPassword + "@db/x", "--db-max-conns", "-1"},
		{"--db-max-conns", "10001"},
	} {
		_, err := parseFlags(args, io.Discard)
		if err == nil {
			t.Errorf("parseFlags(%q) = nil, want an error", args[:2])
			continue
		}
		if strings.Contains(err.Error(), secretPassword) {
			t.Errorf("parseFlags error %q holds the password", err)
		}
	}
}

func TestURLHelpers(t *testing.T) {
	t.Parallel()
	u, err := url.Parse("postgres://bench:" + secretPassword + "@127.0.0.1:5432/test?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := redactURL(u), "postgres://127.0.0.1:5432/test"; got != want {
		t.Errorf("redactURL = %q, want %q", got, want)
	}
	s, err := url.Parse(withSearchPath(u, "nb_0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	if q := s.Query(); q.Get("search_path") != "nb_0123456789abcdef" || q.Get("sslmode") != "disable" {
		t.Errorf("withSearchPath query = %v, want search_path and sslmode", q)
	}
	if u.Query().Has("search_path") {
		t.Error("withSearchPath changed its argument")
	}

	plain := errors.New("connection refused")
	if got := scrubError(plain, u); got != plain {
		t.Errorf("scrubError(%v) = %v, want it unchanged", plain, got)
	}
	leaky := errors.New("cannot connect as bench:" + secretPassword)
	if got := scrubError(leaky, u); strings.Contains(got.Error(), secretPassword) || !strings.Contains(got.Error(), "bench:xxxxx") {
		t.Errorf("scrubError(%v) = %v, want the password replaced", leaky, got)
	}
	if scrubError(nil, u) != nil {
		t.Error("scrubError(nil) != nil")
	}
}

func TestNewSchemaName(t *testing.T) {
	t.Parallel()
	a, b := newSchemaName(), newSchemaName()
	if !schemaName.MatchString(a) || !schemaName.MatchString(b) || a == b {
		t.Errorf("newSchemaName() = %q, %q, want two different nb_<16 hex>", a, b)
	}
	for _, bad := range []string{"public", "nb_0123", "nb_0123456789abcdef; DROP", "NB_0123456789ABCDEF"} {
		if schemaName.MatchString(bad) {
			t.Errorf("schemaName matches %q", bad)
		}
	}
	s := &pgSchema{base: &url.URL{Scheme: "postgres", Host: "127.0.0.1:1"}, name: "public"}
	if err := s.drop(context.Background()); err == nil || !strings.Contains(err.Error(), "not a notesbench schema") {
		t.Errorf("drop(public) = %v, want a refusal", err)
	}
}

// TestCreateSchemaUnreachable: a server that does not answer fails fast,
// and the error names the host but not the password.
func TestCreateSchemaUnreachable(t *testing.T) {
	t.Parallel()
	u, err := parsePostgresURL("postgres://bench:" + secretPassword + "@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	_, err = createSchema(context.Background(), u)
	if err == nil {
		t.Fatal("createSchema(port 1) = nil, want an error")
	}
	if strings.Contains(err.Error(), secretPassword) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("createSchema(port 1) = %q, want the host and no password", err)
	}
}

// schemaExists reports whether schema is in the database of base.
func schemaExists(t *testing.T, base, schema string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestSeedPostgres seeds a schema migrated by notesd's own engine and reads
// the rows back through it; new rows get ids past the seeded ones, and drop
// removes the schema.
func TestSeedPostgres(t *testing.T) {
	t.Parallel()
	base := os.Getenv(pgtest.EnvURL)
	if base == "" {
		t.Skip(pgtest.EnvURL + " not set: PostgreSQL tests skipped")
	}
	ctx := context.Background()
	u, err := parsePostgresURL(base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := createSchema(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	dropped := false
	t.Cleanup(func() {
		if !dropped {
			_ = s.drop(ctx)
		}
	})
	db, err := postgres.Open(ctx, s.url())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	const hash = "$argon2id$v=19$m=47104,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	keys, err := seedPostgres(ctx, u, s.url(), seedSpec{Users: 50, Notes: 200, Keys: 50, PasswordHash: hash, SampleKeys: 8})
	if err != nil {
		t.Fatalf("seedPostgres = %v, want nil", err)
	}
	usr, err := db.UserByEmail(ctx, emailOf(7))
	if err != nil {
		t.Fatalf("UserByEmail(%s) = %v", emailOf(7), err)
	}
	if usr.ID != 7 || !usr.Active || usr.Role != accounts.RoleUser || usr.PasswordHash != hash {
		t.Errorf("UserByEmail(%s) = %+v, want id 7, active, role user, the shared hash", emailOf(7), usr)
	}
	n, err := db.Notes(gatehousetest.Owner(int64(7))).Get(ctx, 57)
	if err != nil {
		t.Fatalf("Notes(owner 7).Get(57) = %v, want note 57", err)
	}
	if n.Title != noteTitle(57) || n.Body != noteBody || n.OwnerID != 7 {
		t.Errorf("Notes(owner 7).Get(57) = %+v, want title %q, owner 7", n, noteTitle(57))
	}
	if _, err := db.Notes(gatehousetest.Owner(int64(8))).Get(ctx, 57); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("Notes(owner 8).Get(57) = %v, want ErrNotFound (note 57 is user 7's)", err)
	}
	if len(keys) != 8 {
		t.Fatalf("seedPostgres returned %d sample keys, want 8", len(keys))
	}
	for _, k := range keys {
		prefix, ok := auth.SplitAPIKey(k.Key)
		if !ok {
			t.Fatalf("sample key %q is not an API key", k.Key)
		}
		stored, owner, err := db.APIKeyByPrefix(ctx, prefix)
		if err != nil {
			t.Fatalf("APIKeyByPrefix(%s) = %v", prefix, err)
		}
		if owner.ID != k.UserID || string(stored.Hash) != string(auth.HashAPIKey(k.Key)) ||
			!slices.Equal(stored.Scopes, []string{"notes:read", "notes:write"}) {
			t.Errorf("stored key %+v of user %d, want the key's hash, scopes notes:read notes:write, user %d", stored, owner.ID, k.UserID)
		}
	}
	// The identity sequences start past the seeded ids.
	for table, want := range map[string]int64{"users": 51, "notes": 201, "api_keys": 51} {
		var next int64
		if err := db.Pool().QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id'))`, table).Scan(&next); err != nil {
			t.Fatal(err)
		}
		if next != want {
			t.Errorf("next id of %s = %d, want %d", table, next, want)
		}
	}
	if _, err := seedPostgres(ctx, u, s.url(), seedSpec{Users: 1}); err == nil {
		t.Error("seedPostgres into a seeded schema = nil, want an error")
	}

	db.Close()
	if err := s.drop(ctx); err != nil {
		t.Fatalf("drop = %v", err)
	}
	dropped = true
	if schemaExists(t, base, s.name) {
		t.Errorf("schema %s still exists after drop", s.name)
	}
}

// TestSmokePostgres runs the whole benchmark, small, on PostgreSQL: it
// builds notesd, makes a schema, seeds it, loads every route for 300 ms
// with the Go client, and drops the schema; then a 1 s --mix of two
// clients the same way. It needs PostgreSQL and builds notesd, so it is
// skipped without the env variable or with -short.
func TestSmokePostgres(t *testing.T) {
	base := os.Getenv(pgtest.EnvURL)
	if base == "" || testing.Short() {
		t.Skip("end-to-end benchmark on PostgreSQL: needs " + pgtest.EnvURL + " and no -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"--database-url", base, "--db-max-conns", "4", "--users", "20", "--notes", "100",
		"--logins", "4", "--duration", "300ms", "--rounds", "1", "--connections", "4", "--wrk", "off",
		"--cpu-server", "none", "--cpu-client", "none", "--json"}, &stdout, &stderr)
	m := regexp.MustCompile(`created schema (nb_[0-9a-f]{16})`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("run() = %v; progress names no schema:\n%s", err, stderr.String())
	}
	if schemaExists(t, base, m[1]) {
		t.Errorf("schema %s left behind", m[1])
	}
	if err != nil {
		t.Fatalf("run() = %v\n%s", err, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("run(--json) printed %v:\n%s", err, stdout.String())
	}
	if rep.Engine != enginePostgres || !strings.Contains(rep.Database, "PostgreSQL") || !strings.Contains(rep.Database, "--db-max-conns 4") ||
		!strings.Contains(rep.Database, "not pinned") || len(rep.Summary) != 9 || rep.Logins != 4 {
		// 9: three baselines, verify /me and /data, three reads and POST /notes (no normal twin on PostgreSQL).
		t.Errorf("run() = engine %q, database %q, %d routes, %d logins; want postgresql, its description, 9 routes, 4 logins",
			rep.Engine, rep.Database, len(rep.Summary), rep.Logins)
	}
	if u, _ := url.Parse(base); u != nil {
		if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(stdout.String()+stderr.String(), pw) {
			t.Error("the output holds the database password")
		}
	}

	// The mixed workload on PostgreSQL: two clients for 1 s.
	stdout.Reset()
	stderr.Reset()
	err = run(ctx, []string{"--mix", "--database-url", base, "--clients", "2", "--users", "10", "--notes", "40", "--duration", "1s",
		"--relogin-every", "500ms", "--refresh-every", "250ms", "--cpu-server", "none", "--cpu-client", "none", "--json"}, &stdout, &stderr)
	if m := regexp.MustCompile(`created schema (nb_[0-9a-f]{16})`).FindStringSubmatch(stderr.String()); m == nil || schemaExists(t, base, m[1]) {
		t.Errorf("run(--mix) left its schema behind or named none (%q):\n%s", m, stderr.String())
	}
	if err != nil {
		t.Fatalf("run(--mix) = %v\n%s", err, stderr.String())
	}
	var mix mixReport
	if err := json.Unmarshal(stdout.Bytes(), &mix); err != nil {
		t.Fatalf("run(--mix --json) printed %v:\n%s", err, stdout.String())
	}
	if mix.Engine != enginePostgres || mix.LoggedIn != 2 || mix.Errors != 0 || mix.CrossUser != 0 || mix.Requests == 0 {
		t.Errorf("run(--mix) = %+v", mix)
	}
}

// TestPostgresFailureDropsSchema: a run that fails after making its schema
// (here notesd migrate fails: --notesd is false(1)) drops it.
func TestPostgresFailureDropsSchema(t *testing.T) {
	t.Parallel()
	base := os.Getenv(pgtest.EnvURL)
	if base == "" {
		t.Skip(pgtest.EnvURL + " not set: PostgreSQL tests skipped")
	}
	falseBin, err := exec.LookPath("false")
	if err != nil {
		t.Skip("no false(1) on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"--database-url", base, "--notesd", falseBin, "--users", "2", "--notes", "2",
		"--cpu-server", "none", "--cpu-client", "none"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "notesd migrate") {
		t.Errorf("run(--notesd false) = %v, want the migration's failure", err)
	}
	m := regexp.MustCompile(`created schema (nb_[0-9a-f]{16})`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("progress names no schema:\n%s", stderr.String())
	}
	if schemaExists(t, base, m[1]) {
		t.Errorf("schema %s left behind after a failed run", m[1])
	}
}
