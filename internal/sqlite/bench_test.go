package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// benchNotes opens a migrated database in b's temporary directory with one
// user owning n notes, and returns it with the owner and the notes' ids.
func benchNotes(b *testing.B, n int) (*DB, notes.Owner, []int64) {
	b.Helper()
	ctx := b.Context()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "notesd.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ada@x.test", PasswordHash: "h"})
	if err != nil {
		b.Fatal(err)
	}
	o := gatehousetest.Owner(u.ID)
	ids := make([]int64, n)
	for i := range ids {
		nt, err := db.Notes(o).Create(ctx, notes.NoteInput{
			Title: fmt.Sprintf("note %d", i), Body: fmt.Sprintf("the body of note %d, a sentence or two long.", i)})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = nt.ID
	}
	return db, o, ids
}

// BenchmarkNoteGet is the read behind GET /notes/{id}: one owner-scoped
// row by primary key, serially and from 32 goroutines per GOMAXPROCS
// (-cpu), through noteStore.Get ("Get", on Store.ReadOne) and, to compare,
// the same query through database/sql ("ReadRow", what Get ran before).
func BenchmarkNoteGet(b *testing.B) {
	viaReadRow := func(db *DB, o notes.Owner) func(ctx context.Context, id int64) error {
		return func(ctx context.Context, id int64) error {
			var (
				n                notes.Note
				created, updated int64
			)
			return db.ReadRow(ctx, `SELECT title, body, created_at, updated_at FROM notes WHERE id = ? AND owner_id = ?`,
				id, o.ID()).Scan(&n.Title, &n.Body, &created, &updated)
		}
	}
	viaGet := func(db *DB, o notes.Owner) func(ctx context.Context, id int64) error {
		ns := db.Notes(o)
		return func(ctx context.Context, id int64) error {
			_, err := ns.Get(ctx, id)
			return err
		}
	}
	for _, path := range []struct {
		name string
		read func(*DB, notes.Owner) func(context.Context, int64) error
	}{{"ReadRow", viaReadRow}, {"Get", viaGet}} {
		b.Run(path.name+"/serial", func(b *testing.B) {
			db, o, ids := benchNotes(b, 64)
			read, ctx := path.read(db, o), b.Context()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := read(ctx, ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(path.name+"/parallel", func(b *testing.B) {
			db, o, ids := benchNotes(b, 64)
			read, ctx := path.read(db, o), b.Context()
			b.ReportAllocs()
			b.SetParallelism(32)
			b.ResetTimer() // not the seeding
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := read(ctx, ids[i%len(ids)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}
