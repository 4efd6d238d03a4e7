package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/storetest"
)

func TestOperator(t *testing.T) {
	storetest.RunOperator(t, func(t *testing.T) storetest.Operator { return openTestDB(t) })
}

// TestCacheStats checks that the auth cache counts a first lookup as a
// miss and a repeated one as a hit.
func TestCacheStats(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTestDB(t)
	u, err := db.CreateUser(ctx, notes.NewUser{Email: "ann@x.test", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.CreateSession(ctx, notes.NewSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour), RefreshHash: []byte("r")})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := db.SessionUser(ctx, u.ID, s.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := db.CacheStats(), (CacheStats{Hits: 2, Misses: 1}); got != want {
		t.Errorf("CacheStats() = %+v, want %+v", got, want)
	}
	if w, r := db.PoolStats(); w.MaxOpenConnections != 1 || r.OpenConnections == 0 {
		t.Errorf("PoolStats() = writer %+v, reader %+v; want one writer and open readers", w, r)
	}
}

// TestBackup checks that Backup writes a private, complete copy that opens
// as a database, while the source stays open, and refuses to overwrite.
func TestBackup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTestDB(t)
	u, err := db.CreateUser(ctx, notes.NewUser{Email: "ann@x.test", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Notes(gatehousetest.Owner(u.ID)).Create(ctx, notes.NoteInput{Title: "kept", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, to); err != nil {
		t.Fatalf("Backup() = %v", err)
	}
	fi, err := os.Stat(to)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("backup mode = %o, want 600", m)
	}
	if _, err := os.Stat(to + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind: %v", err)
	}
	if err := db.Backup(ctx, to); err == nil {
		t.Error("Backup() over an existing file = nil, want an error")
	}

	cp, err := Open(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	ns, _, err := cp.Notes(gatehousetest.Owner(u.ID)).List(ctx, notes.Page{Limit: 10})
	if err != nil || len(ns) != 1 || ns[0].Title != "kept" {
		t.Errorf("notes in the copy = %v, %v; want the one note", ns, err)
	}
}
