package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// quotaBehaviours are the per-user note quota of SPEC §5.
var quotaBehaviours = []behaviour{
	{"NoteQuota", testNoteQuota},
	{"NoteQuotaBurst", testNoteQuotaBurst},
}

// burst is how many creates race one quota.
const burst = 50

// countNotes returns how many notes o has (at most 100).
func countNotes(t *testing.T, s Store, o notes.Owner) int {
	t.Helper()
	list, _, err := s.Notes(o).List(t.Context(), notes.Page{Limit: 100})
	noErr(t, "Notes.List", err)
	return len(list)
}

func testNoteQuota(t *testing.T, s Store) {
	ctx := t.Context()
	const max = 3
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	mine := s.Notes(owner(u))
	var made []notes.Note
	for i := range max {
		n, err := mine.Create(ctx, notes.NoteInput{Title: fmt.Sprint("n", i), MaxPerUser: max})
		noErr(t, fmt.Sprintf("Notes.Create(%d of %d)", i+1, max), err)
		made = append(made, n)
	}
	_, err := mine.Create(ctx, notes.NoteInput{Title: "one too many", MaxPerUser: max})
	wantErr(t, "Notes.Create(over the quota)", err, notes.ErrNoteLimit)
	if got := countNotes(t, s, owner(u)); got != max {
		t.Errorf("notes after a refused create = %d, want %d", got, max)
	}

	// Another user's quota is their own.
	_, err = s.Notes(owner(v)).Create(ctx, notes.NoteInput{Title: "bob's", MaxPerUser: max})
	noErr(t, "Notes(other).Create", err)

	// Deleting a note frees its place.
	noErr(t, "Notes.Delete", mine.Delete(ctx, made[0].ID))
	_, err = mine.Create(ctx, notes.NoteInput{Title: "after a delete", MaxPerUser: max})
	noErr(t, "Notes.Create(after a delete)", err)

	// So does an admin's delete, and the quota holds again after it.
	full, err := mine.Create(ctx, notes.NoteInput{Title: "full again", MaxPerUser: max + 1})
	noErr(t, "Notes.Create(to a quota of max+1)", err)
	_, err = mine.Create(ctx, notes.NoteInput{Title: "over max+1", MaxPerUser: max + 1})
	wantErr(t, "Notes.Create(over a quota of max+1)", err, notes.ErrNoteLimit)
	_, err = s.DeleteAnyNote(ctx, gatehousetest.Grant("admin"), full.ID)
	noErr(t, "DeleteAnyNote", err)
	_, err = mine.Create(ctx, notes.NoteInput{Title: "after an admin's delete", MaxPerUser: max + 1})
	noErr(t, "Notes.Create(after an admin's delete)", err)
	_, err = mine.Create(ctx, notes.NoteInput{Title: "over max+1 again", MaxPerUser: max + 1})
	wantErr(t, "Notes.Create(over a quota of max+1 again)", err, notes.ErrNoteLimit)

	// A larger quota, or none, lets more in.
	_, err = mine.Create(ctx, notes.NoteInput{Title: "bigger quota", MaxPerUser: max + 2})
	noErr(t, "Notes.Create(quota max+2)", err)
	_, err = mine.Create(ctx, notes.NoteInput{Title: "no quota"})
	noErr(t, "Notes.Create(no quota)", err)
}

// raceCreates runs create burst times at once and returns how many
// succeeded; every failure must be want.
func raceCreates(t *testing.T, op string, want error, create func(i int) error) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		ok    int
		start = make(chan struct{})
	)
	for i := range burst {
		wg.Go(func() {
			<-start
			err := create(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case want == nil || !errors.Is(err, want):
				t.Errorf("%s #%d = %v, want nil or %v", op, i, err, want)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok
}

func testNoteQuotaBurst(t *testing.T, s Store) {
	const max = 10
	u := newUser(t, s, "ann", "")
	ok := raceCreates(t, "Notes.Create", notes.ErrNoteLimit, func(i int) error {
		_, err := s.Notes(owner(u)).Create(t.Context(), notes.NoteInput{Title: fmt.Sprint("burst ", i), MaxPerUser: max})
		return err
	})
	if ok != max {
		t.Errorf("%d parallel Notes.Create under a quota of %d: %d succeeded, want %d", burst, max, ok, max)
	}
	if got := countNotes(t, s, owner(u)); got != max {
		t.Errorf("notes after the burst = %d, want %d", got, max)
	}
}
