package sqlite

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// cacheUser makes a user and returns their Owner.
func cacheUser(t *testing.T, db *DB, name string) notes.Owner {
	t.Helper()
	u, err := db.CreateUser(t.Context(), accounts.NewUser{Email: name + "@x.test", Name: name, Role: accounts.RoleUser, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	return gatehousetest.Owner(u.ID)
}

// TestNoteCacheWrites: once read (and cached), a note reads as every
// write through the store left it: changed, deleted by its owner or by an
// admin; and it is only ever given to its owner.
func TestNoteCacheWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	ann, bob := cacheUser(t, db, "ann"), cacheUser(t, db, "bob")
	mk := func(title string) notes.Note {
		n, err := db.Notes(ann).Create(ctx, notes.NoteInput{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Notes(ann).Get(ctx, n.ID); err != nil { // cached now
			t.Fatal(err)
		}
		if _, ok := db.Notes(ann).(notes.CachedNotes).Cached(n.ID); !ok {
			t.Fatalf("note %d not cached after a Get", n.ID)
		}
		return n
	}

	n := mk("first")
	title := "changed"
	if _, err := db.Notes(ann).Update(ctx, n.ID, notes.NotePatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Notes(ann).Get(ctx, n.ID); err != nil || got.Title != "changed" {
		t.Errorf("Get after Update = %+v, %v, want title %q", got, err, title)
	}
	if _, err := db.Notes(bob).Get(ctx, n.ID); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("Notes(bob).Get(ann's cached note) = %v, want ErrNotFound", err)
	}
	if _, ok := db.Notes(bob).(notes.CachedNotes).Cached(n.ID); ok {
		t.Error("Notes(bob).Cached(ann's note) ok, want not")
	}
	if _, ok := db.Notes(notes.Owner{}).(notes.CachedNotes).Cached(n.ID); ok {
		t.Error("Notes(zero Owner).Cached(ann's note) ok, want not")
	}

	if err := db.Notes(ann).Delete(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Notes(ann).Get(ctx, n.ID); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}

	m := mk("second")
	if _, err := db.DeleteAnyNote(ctx, gatehousetest.Grant("admin"), m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Notes(ann).Get(ctx, m.ID); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("Get after DeleteAnyNote = %v, want ErrNotFound", err)
	}
}

// TestNoteCacheRace: 50 readers and a writer at once; once an Update has
// returned, no Get answers an earlier version (a read that raced with the
// write is never cached).
func TestNoteCacheRace(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTest(t, true)
	ann := cacheUser(t, db, "ann")
	n, err := db.Notes(ann).Create(ctx, notes.NoteInput{Title: "v0"})
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 20; round++ {
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for range 50 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := db.Notes(ann).Get(ctx, n.ID); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		title := fmt.Sprintf("v%d", round)
		if _, err := db.Notes(ann).Update(ctx, n.ID, notes.NotePatch{Title: &title}); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if got, err := db.Notes(ann).Get(ctx, n.ID); err != nil || got.Title != title {
				t.Fatalf("round %d: Get after Update = %q, %v, want %q", round, got.Title, err, title)
			}
		}
		close(stop)
		wg.Wait()
		if got, err := db.Notes(ann).Get(ctx, n.ID); err != nil || got.Title != title {
			t.Fatalf("round %d: Get after the readers = %q, %v, want %q", round, got.Title, err, title)
		}
	}
}

// TestNoteCacheBounds: the cache holds no note over noteCacheMaxNote, and
// never more than its entries and bytes.
func TestNoteCacheBounds(t *testing.T) {
	t.Parallel()
	c := newNoteCache()
	c.put(c.begin(), notes.Note{ID: 1, Body: strings.Repeat("x", noteCacheMaxNote+1)})
	if _, ok := c.get(1); ok {
		t.Error("a note over noteCacheMaxNote was cached")
	}
	body := strings.Repeat("y", noteCacheMaxNote-10)
	for i := range int64(2 * noteCacheEntries) {
		c.put(c.begin(), notes.Note{ID: i + 2, Title: "t", Body: body})
		if len(c.notes) > noteCacheEntries || c.bytes > noteCacheBytes {
			t.Fatalf("after %d puts: %d notes, %d bytes, want at most %d and %d", i+1, len(c.notes), c.bytes, noteCacheEntries, noteCacheBytes)
		}
	}
	e := c.begin()
	c.drop(99999) // a write committed since e began
	c.put(e, notes.Note{ID: 99999, Title: "stale"})
	if _, ok := c.get(99999); ok {
		t.Error("a note read before a drop was cached after it")
	}
}
