package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// TestNoteCacheBounded: the cache never holds more than its bytes, counts
// exactly what it holds, and keeps no note above a sixteenth of itself.
func TestNoteCacheBounded(t *testing.T) {
	t.Parallel()
	const max = 16 << 10
	c := newNoteCache(max)
	for i := range int64(2000) {
		body := strings.Repeat("b", int(i%700))
		c.put(c.epoch, notes.Note{ID: i + 1, Title: "t", Body: body})
		sum := 0
		for _, n := range c.notes {
			sum += noteBytes(n)
		}
		if c.size != sum || c.size > max {
			t.Fatalf("after %d puts: size %d, entries %d bytes, max %d", i+1, c.size, sum, max)
		}
	}
	// The same note again replaces, not adds.
	c.put(c.epoch, notes.Note{ID: 1, Title: "t"})
	c.put(c.epoch, notes.Note{ID: 1, Title: "t"})
	if n, ok := c.notes[noteKey{0, 1}]; !ok || c.size > max {
		t.Fatalf("note 1 after two puts: %v %v, size %d", n, ok, c.size)
	}
	big := notes.Note{ID: 9999, Body: strings.Repeat("x", max/16)}
	c.put(c.epoch, big)
	if _, ok := c.notes[noteKey{0, big.ID}]; ok {
		t.Errorf("a note of %d bytes was kept in a cache of %d", noteBytes(big), max)
	}
	var off *noteCache
	off.put(0, notes.Note{ID: 1})
	off.drop(0, 1)
	off.dropAll()
	if _, ok, _ := off.get(0, 1); ok {
		t.Error("a nil cache answered a note")
	}
}

// TestNoteCacheServes: with the cache, a note read once is answered from
// memory (a change made behind the store's back is not seen, which is
// why every write of notes goes through this package); with
// NoteCache < 0 every Get reads SQLite.
func TestNoteCacheServes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cache     int
		wantTitle string
	}{
		{"default cache", 0, "before"},
		{"no cache", -1, "behind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, err := OpenWith(ctx, filepath.Join(t.TempDir(), "n.db"), Options{NoteCache: tc.cache})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			u := newTestUser(t, db, "ann@x.test")
			mine := db.Notes(gatehousetest.Owner(u))
			n, err := mine.Create(ctx, notes.NoteInput{Title: "before"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mine.Get(ctx, n.ID); err != nil {
				t.Fatal(err)
			}
			err = db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE notes SET title = 'behind' WHERE id = ?`, n.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := mine.Get(ctx, n.ID)
			if err != nil || got.Title != tc.wantTitle {
				t.Errorf("Get after a change behind the store = %q, %v; want %q", got.Title, err, tc.wantTitle)
			}
		})
	}
}

// newTestUser creates the user of email in db and returns its id.
func newTestUser(t *testing.T, db *DB, email string) int64 {
	t.Helper()
	u, err := db.CreateUser(t.Context(), accounts.NewUser{Email: email, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestNoteCacheKeptByOthersWrites: another user's PATCH or DELETE of a
// note (404: not theirs) does not evict it, so probing ids cannot empty
// the cache; the owner's next read is still a hit.
func TestNoteCacheKeptByOthersWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	ann := db.Notes(gatehousetest.Owner(newTestUser(t, db, "ann@x.test")))
	bob := db.Notes(gatehousetest.Owner(newTestUser(t, db, "bob@x.test")))
	n, err := ann.Create(ctx, notes.NoteInput{Title: "ann's"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Get(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	title := "bob's"
	if _, err := bob.Update(ctx, n.ID, notes.NotePatch{Title: &title}); !errors.Is(err, notes.ErrNotFound) {
		t.Fatalf("bob's Update = %v, want ErrNotFound", err)
	}
	if err := bob.Delete(ctx, n.ID); !errors.Is(err, notes.ErrNotFound) {
		t.Fatalf("bob's Delete = %v, want ErrNotFound", err)
	}
	if _, err := db.DeleteAnyNote(ctx, gatehousetest.Grant("admin"), n.ID+1); !errors.Is(err, notes.ErrNotFound) {
		t.Fatalf("DeleteAnyNote(unknown) = %v, want ErrNotFound", err)
	}
	before := db.NoteCacheStats()
	if got, err := ann.Get(ctx, n.ID); err != nil || got.Title != "ann's" {
		t.Fatalf("ann's Get = %q, %v", got.Title, err)
	}
	if after := db.NoteCacheStats(); after.Hits != before.Hits+1 {
		t.Errorf("ann's read after bob's writes: hits %d -> %d, want a hit", before.Hits, after.Hits)
	}
}

// TestNoteCacheMemory: a full cache costs about what it counts. Filled to
// its bytes with notes of a short title and a 100-byte body (the costliest
// case: the per-note overhead dominates), the heap grows by less than 1.5×
// the cache's bytes.
func TestNoteCacheMemory(t *testing.T) {
	const max = 4 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := newNoteCache(max)
	body := strings.Repeat("b", 100)
	for i := int64(1); c.size+noteBytes(notes.Note{Title: "title", Body: body}) <= max; i++ {
		c.put(c.epoch, notes.Note{ID: i, OwnerID: 7, Title: strings.Clone("title"), Body: strings.Clone(body)})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d notes, %d bytes counted, heap grown by %d", len(c.notes), c.size, grown)
	if grown > max*3/2 {
		t.Errorf("a full cache of %d bytes (%d notes) grew the heap by %d bytes, want < %d", max, len(c.notes), grown, max*3/2)
	}
	runtime.KeepAlive(c)
}
