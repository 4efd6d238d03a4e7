package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// migratedDB returns the path of a new, migrated SQLite database.
func migratedDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := migratedDB(t)
	const hash = "$argon2id$v=19$m=47104,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	keys, err := seed(ctx, path, seedSpec{Users: 50, Notes: 200, Keys: 50, PasswordHash: hash, SampleKeys: 8})
	if err != nil {
		t.Fatalf("seed = %v, want nil", err)
	}

	raw, err := sql.Open("sqlite", seedDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for table, want := range map[string]int64{"users": 50, "notes": 200, "api_keys": 50, "sessions": 0} {
		var n int64
		if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("count(%s) = %d, want %d", table, n, want)
		}
	}
	var perUser []int64
	rows, err := raw.QueryContext(ctx, `SELECT count(*) FROM notes GROUP BY owner_id ORDER BY owner_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		perUser = append(perUser, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if want := slices.Repeat([]int64{4}, 50); !slices.Equal(perUser, want) {
		t.Errorf("notes per user = %v, want 4 each (round-robin)", perUser)
	}

	// What the store reads back: users, owner-scoped notes, API keys.
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, emailOf(7))
	if err != nil {
		t.Fatalf("UserByEmail(%s) = %v", emailOf(7), err)
	}
	if u.ID != 7 || !u.Active || u.Role != accounts.RoleUser || u.PasswordHash != hash {
		t.Errorf("UserByEmail(%s) = %+v, want id 7, active, role user, the shared hash", emailOf(7), u)
	}
	n, err := db.Notes(gatehousetest.Owner(int64(7))).Get(ctx, 57)
	if err != nil {
		t.Fatalf("Notes(owner 7).Get(57) = %v, want note 57", err)
	}
	if n.Title != noteTitle(57) || n.Body != noteBody || n.OwnerID != 7 {
		t.Errorf("Notes(owner 7).Get(57) = %+v, want title %q, owner 7", n, noteTitle(57))
	}

	if len(keys) != 8 {
		t.Fatalf("seed returned %d sample keys, want 8", len(keys))
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

	if _, err := seed(ctx, path, seedSpec{Users: 1}); err == nil {
		t.Error("seed into a seeded database = nil, want an error")
	}
}

func TestSpreadIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n, k int
		want []int64
	}{
		{"fewer", 10, 3, []int64{1, 4, 7}},
		{"all", 3, 5, []int64{1, 2, 3}},
		{"none", 5, 0, []int64{}},
	}
	for _, tt := range tests {
		if got := spreadIDs(tt.n, tt.k); !slices.Equal(got, tt.want) {
			t.Errorf("%s: spreadIDs(%d, %d) = %v, want %v", tt.name, tt.n, tt.k, got, tt.want)
		}
	}
}
