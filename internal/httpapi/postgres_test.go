package httpapi_test

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/pgtest"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
)

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
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.SchemaURL(t))
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return envOn(t, db, opts...)
}
