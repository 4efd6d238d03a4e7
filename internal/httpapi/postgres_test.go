package httpapi_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
)

// envPostgresURL names the PostgreSQL database of the tests that run on
// both engines.
const envPostgresURL = "NOTESD_TEST_POSTGRES_URL"

// engines are the ways to build an env: on SQLite, and on PostgreSQL when
// NOTESD_TEST_POSTGRES_URL is set (the subtest skips, saying so, when not).
var engines = []struct {
	name   string
	newEnv func(t *testing.T) *env
}{
	{"sqlite", func(t *testing.T) *env { return newEnv(t) }},
	{"postgres", func(t *testing.T) *env { return newPostgresEnv(t) }},
}

// newPostgresEnv is newEnv on a fresh PostgreSQL schema, dropped when t
// ends. Its store field is nil: tests that use it go through the API.
func newPostgresEnv(t *testing.T, opts ...func(*httpapi.Config)) *env {
	t.Helper()
	base := os.Getenv(envPostgresURL)
	if base == "" {
		t.Skip(envPostgresURL + " not set: PostgreSQL HTTP tests skipped")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "gh_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", envPostgresURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("CREATE SCHEMA: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("DROP SCHEMA %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", envPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	key, err := auth.HS256Key("k1", []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "notesd", Audience: "notesd"}, key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.Config{
		Store:   db,
		Keyring: kr,
		Hasher:  auth.NewHasher(auth.HasherConfig{Params: fastArgon2}),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	api, err := httpapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, api: api, keyring: kr, hasher: cfg.Hasher}
}
