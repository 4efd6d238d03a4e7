package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
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

// BenchmarkNoteGetScale is the read behind GET /notes/{id} with the note
// cache off, over databases of 1,000 notes (1,000 users) and 1,000,000
// (100,000 users): the share of "flat from 1k to 1M notes" that SQLite
// itself decides. Each case reads the notes of 64 users spread over all of
// them, as notesbench does. Notes are seeded round-robin over the users,
// as notes made over time by many users lie in the table, and, for 1M,
// also by owner ("1M-by-owner"): what a table clustered by owner would give.
func BenchmarkNoteGetScale(b *testing.B) {
	for _, c := range []struct {
		name         string
		users, notes int64
		byOwner      bool
	}{
		{"1k", 1000, 1000, false},
		{"1M", 100_000, 1_000_000, false},
		{"1M-by-owner", 100_000, 1_000_000, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			reads := scaleDB(b, c.users, c.notes, c.byOwner)
			ctx := b.Context()
			for _, r := range reads { // warm the page cache
				if _, err := r.ns.Get(ctx, r.id); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := reads[i%len(reads)]
				if _, err := r.ns.Get(ctx, r.id); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// scaleRead is one note read of BenchmarkNoteGetScale: an id through its
// owner's store.
type scaleRead struct {
	ns notes.NoteStore
	id int64
}

// scaleDB seeds a migrated database in b's temporary directory with users
// users and notes notes (round-robin over the users, or by owner), opens
// it without a note cache (closed when b ends) and returns the reads of
// the notes of 64 users spread evenly over all of them, at most 16 each,
// interleaved across users as notesbench sends them.
func scaleDB(b *testing.B, users, nNotes int64, byOwner bool) []scaleRead {
	b.Helper()
	ctx := b.Context()
	path := filepath.Join(b.TempDir(), "notesd.db")
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	per := (nNotes + users - 1) / users
	owner := fmt.Sprintf("(value - 1) %% %d + 1", users) // round-robin
	if byOwner {
		owner = fmt.Sprintf("(value - 1) / %d + 1", per)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		series(users) + `INSERT INTO users (id, email, name, password_hash, created_at)
			SELECT value, 'user' || value || '@bench.test', 'User ' || value, 'h', 0 FROM s`,
		series(nNotes) + fmt.Sprintf(`INSERT INTO notes (id, owner_id, title, body, created_at, updated_at)
			SELECT value, %s, printf('Benchmark note %%07d', value), '%s', 0, 0 FROM s`,
			owner, strings.Repeat("The quick brown fox jumps over the lazy dog. ", 3)),
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if err := raw.Close(); err != nil {
		b.Fatal(err)
	}
	if db, err = OpenWith(ctx, path, Options{NoteCache: -1}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var reads []scaleRead
	for k := range min(per, 16) {
		for j := range int64(64) {
			u := 1 + j*users/64
			id := u + k*users
			if byOwner {
				id = (u-1)*per + 1 + k
			}
			reads = append(reads, scaleRead{db.Notes(gatehousetest.Owner(u)), id})
		}
	}
	return reads
}

// series is a WITH clause naming s(value) the integers 1 to n.
func series(n int64) string {
	return fmt.Sprintf("WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < %d) ", n)
}
