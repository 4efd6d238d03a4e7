package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/storetest"
)

func TestOperator(t *testing.T) {
	storetest.RunOperator(t, func(t *testing.T) storetest.Operator { return openTest(t, true) })
}

// TestBackup checks that Backup writes a private, complete copy that opens
// as a database, while the source stays open, and refuses to overwrite.
func TestBackup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ann@x.test", PasswordHash: "h"})
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
