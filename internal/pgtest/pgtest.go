// Package pgtest gives tests a PostgreSQL schema of their own in the
// database of NOTESD_TEST_POSTGRES_URL, so that parallel tests and packages
// never see each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the PostgreSQL database of the tests.
const EnvURL = "NOTESD_TEST_POSTGRES_URL"

// Schema creates a fresh schema gh_<random> in the database of EnvURL
// (skipping t, saying so, when EnvURL is not set), drops it with everything
// in it when t ends, and returns the base URL and the schema's name.
func Schema(t testing.TB) (base, schema string) {
	t.Helper()
	base = os.Getenv(EnvURL)
	if base == "" {
		t.Skip(EnvURL + " not set: PostgreSQL tests skipped")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema = "gh_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("CREATE SCHEMA %s: %v", schema, err)
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
	return base, schema
}

// SchemaURL is Schema's base URL with the schema as the search_path of
// every connection made from it.
func SchemaURL(t testing.TB) string {
	t.Helper()
	base, schema := Schema(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
