package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// noteBehaviours are the rules about notes and ownership.
var noteBehaviours = []behaviour{
	{"NoteCreateGet", testNoteCreateGet},
	{"NoteOwnerIsolation", testNoteOwnerIsolation},
	{"NoteUpdate", testNoteUpdate},
	{"NoteNotFound", testNoteNotFound},
	{"NoteDelete", testNoteDelete},
	{"NoteListPagination", testNoteListPagination},
	{"NoteListDefaultLimit", testNoteListDefaultLimit},
	{"NoteZeroOwner", testNoteZeroOwner},
	{"NoteOwnerWithoutUser", testNoteOwnerWithoutUser},
	{"DeleteAnyNote", testDeleteAnyNote},
	{"ConcurrentWrites", testConcurrentWrites},
	{"ReadsRacingWrites", testReadsRacingWrites},
}

func testNoteCreateGet(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	in := notes.NoteInput{Title: "Groceries", Body: "milk, eggs, ünïcödé ✓"}
	before := time.Now()
	n, err := s.Notes(owner(u)).Create(ctx, in)
	noErr(t, "Notes.Create", err)
	after := time.Now()

	if n.ID <= 0 {
		t.Errorf("Notes.Create().ID = %d, want > 0", n.ID)
	}
	want := notes.Note{ID: n.ID, Title: in.Title, Body: in.Body, OwnerID: u.ID, CreatedAt: n.CreatedAt, UpdatedAt: n.CreatedAt}
	diff(t, "Notes.Create()", want, n)
	wantNear(t, "Notes.Create().CreatedAt", n.CreatedAt, before, after)
	wantUTC(t, "Notes.Create() times", n.CreatedAt, n.UpdatedAt)

	got, err := s.Notes(owner(u)).Get(ctx, n.ID)
	noErr(t, "Notes.Get", err)
	diff(t, fmt.Sprintf("Notes.Get(%d)", n.ID), n, got)
	wantUTC(t, "Notes.Get() times", got.CreatedAt, got.UpdatedAt)
}

func testNoteOwnerIsolation(t *testing.T, s Store) {
	ctx := t.Context()
	a := newUser(t, s, "ann", "")
	b := newUser(t, s, "bob", "")
	na := newNote(t, s, owner(a), "ann's secret")
	nb := newNote(t, s, owner(b), "bob's note")
	bob := s.Notes(owner(b))

	_, err := bob.Get(ctx, na.ID)
	wantErr(t, fmt.Sprintf("Notes(b).Get(%d)", na.ID), err, notes.ErrNotFound)
	_, err = bob.Update(ctx, na.ID, notes.NotePatch{Title: ptr("pwned"), Body: ptr("pwned")})
	wantErr(t, fmt.Sprintf("Notes(b).Update(%d)", na.ID), err, notes.ErrNotFound)
	err = bob.Delete(ctx, na.ID)
	wantErr(t, fmt.Sprintf("Notes(b).Delete(%d)", na.ID), err, notes.ErrNotFound)

	got, err := s.Notes(owner(a)).Get(ctx, na.ID)
	noErr(t, "Notes(a).Get", err)
	diff(t, "A's note after B's attempts", na, got)
	// Once A has read it (a store may keep what it read), still not B's.
	_, err = bob.Get(ctx, na.ID)
	wantErr(t, fmt.Sprintf("Notes(b).Get(%d) after A's read", na.ID), err, notes.ErrNotFound)

	list, _, err := bob.List(ctx, notes.Page{})
	noErr(t, "Notes(b).List", err)
	diff(t, "Notes(b).List()", []notes.Note{nb}, list)
	list, _, err = s.Notes(owner(a)).List(ctx, notes.Page{})
	noErr(t, "Notes(a).List", err)
	diff(t, "Notes(a).List()", []notes.Note{na}, list)

	// A cursor from someone else's id does not open their notes either.
	list, _, err = bob.List(ctx, notes.Page{After: na.ID + 1, Limit: 10})
	noErr(t, "Notes(b).List", err)
	for _, n := range list {
		if n.OwnerID != b.ID {
			t.Errorf("Notes(b).List() contains note %d of user %d", n.ID, n.OwnerID)
		}
	}
}

func testNoteUpdate(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	mine := s.Notes(owner(u))
	n := newNote(t, s, owner(u), "first")

	steps := []struct {
		name        string
		patch       notes.NotePatch
		title, body string
	}{
		{"title only", notes.NotePatch{Title: ptr("second")}, "second", n.Body},
		{"body only", notes.NotePatch{Body: ptr("new body")}, "second", "new body"},
		{"both", notes.NotePatch{Title: ptr("third"), Body: ptr("")}, "third", ""},
		{"empty patch", notes.NotePatch{}, "third", ""},
	}
	prev := n
	for _, step := range steps {
		time.Sleep(2 * time.Millisecond) // so that updated_at can move
		got, err := mine.Update(ctx, n.ID, step.patch)
		noErr(t, "Notes.Update("+step.name+")", err)
		want := n
		want.Title, want.Body, want.UpdatedAt = step.title, step.body, got.UpdatedAt
		diff(t, "Notes.Update("+step.name+")", want, got)
		if got.UpdatedAt.Before(prev.UpdatedAt) {
			t.Errorf("Notes.Update(%s).UpdatedAt = %v, before the previous %v", step.name, got.UpdatedAt, prev.UpdatedAt)
		}
		wantUTC(t, "Notes.Update() times", got.CreatedAt, got.UpdatedAt)
		stored, err := mine.Get(ctx, n.ID)
		noErr(t, "Notes.Get", err)
		diff(t, "Notes.Get() after Update("+step.name+")", got, stored)
		prev = got
	}
	if !prev.UpdatedAt.After(n.UpdatedAt) {
		t.Errorf("UpdatedAt after updates = %v, want after the creation's %v", prev.UpdatedAt, n.UpdatedAt)
	}
}

func testNoteNotFound(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	n := newNote(t, s, owner(u), "only")
	mine := s.Notes(owner(u))
	for _, id := range []int64{n.ID + 1000, 0, -1} {
		_, err := mine.Get(ctx, id)
		wantErr(t, fmt.Sprintf("Notes.Get(%d)", id), err, notes.ErrNotFound)
		_, err = mine.Update(ctx, id, notes.NotePatch{Title: ptr("x")})
		wantErr(t, fmt.Sprintf("Notes.Update(%d)", id), err, notes.ErrNotFound)
		err = mine.Delete(ctx, id)
		wantErr(t, fmt.Sprintf("Notes.Delete(%d)", id), err, notes.ErrNotFound)
	}
}

func testNoteDelete(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	mine := s.Notes(owner(u))
	n1 := newNote(t, s, owner(u), "keep")
	n2 := newNote(t, s, owner(u), "drop")

	if _, err := mine.Get(ctx, n2.ID); err != nil { // read before, as a client would
		t.Fatalf("Notes.Get(%d) = %v, want the note", n2.ID, err)
	}
	noErr(t, "Notes.Delete", mine.Delete(ctx, n2.ID))
	_, err := mine.Get(ctx, n2.ID)
	wantErr(t, fmt.Sprintf("Notes.Get(%d) after Delete", n2.ID), err, notes.ErrNotFound)
	err = mine.Delete(ctx, n2.ID)
	wantErr(t, fmt.Sprintf("Notes.Delete(%d) again", n2.ID), err, notes.ErrNotFound)
	_, err = mine.Update(ctx, n2.ID, notes.NotePatch{Title: ptr("back")})
	wantErr(t, fmt.Sprintf("Notes.Update(%d) after Delete", n2.ID), err, notes.ErrNotFound)

	list, _, err := mine.List(ctx, notes.Page{})
	noErr(t, "Notes.List", err)
	diff(t, "Notes.List() after Delete", []notes.Note{n1}, list)
}

func testNoteListPagination(t *testing.T, s Store) {
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	var created []notes.Note
	for i := range 7 {
		created = append(created, newNote(t, s, owner(u), fmt.Sprintf("note %d", i)))
		newNote(t, s, owner(v), fmt.Sprintf("bob's note %d", i)) // interleaved ids
	}
	var newestFirst []notes.Note
	for i := len(created) - 1; i >= 0; i-- {
		newestFirst = append(newestFirst, created[i])
	}
	noteID := func(n notes.Note) int64 { return n.ID }
	mine := s.Notes(owner(u))

	cases := []struct {
		limit int
		sizes []int
	}{
		{3, []int{3, 3, 1}},
		{7, []int{7}}, // exactly one full page: no next page
		{1, []int{1, 1, 1, 1, 1, 1, 1}},
		{100, []int{7}},
	}
	for _, c := range cases {
		got := collectPages(t, fmt.Sprintf("Notes.List(limit %d)", c.limit), c.limit, c.sizes, mine.List, noteID)
		diff(t, fmt.Sprintf("Notes.List(limit %d) pages", c.limit), newestFirst, got)
	}

	// A page that ends exactly at the last note has cursor 0.
	got := collectPages(t, "Notes.List(after 4th, limit 3)", 3, []int{3}, func(ctx context.Context, p notes.Page) ([]notes.Note, int64, error) {
		if p.After == 0 {
			p.After = created[3].ID
		}
		return mine.List(ctx, p)
	}, noteID)
	diff(t, "Notes.List(after 4th, limit 3)", newestFirst[4:], got)

	empty := newUser(t, s, "cy", "")
	list, next, err := s.Notes(owner(empty)).List(t.Context(), notes.Page{Limit: 3})
	noErr(t, "Notes(empty).List", err)
	if len(list) != 0 || next != 0 {
		t.Errorf("Notes(empty).List() = %d items, cursor %d, want 0 items, cursor 0", len(list), next)
	}
}

func testNoteListDefaultLimit(t *testing.T, s Store) {
	const defaultLimit = 50
	u := newUser(t, s, "ann", "")
	for i := range defaultLimit + 2 {
		newNote(t, s, owner(u), fmt.Sprintf("note %d", i))
	}
	for _, limit := range []int{0, -1} {
		got := collectPages(t, fmt.Sprintf("Notes.List(limit %d)", limit), limit, []int{defaultLimit, 2},
			s.Notes(owner(u)).List, func(n notes.Note) int64 { return n.ID })
		if len(got) != defaultLimit+2 {
			t.Errorf("Notes.List(limit %d) pages hold %d notes, want %d", limit, len(got), defaultLimit+2)
		}
	}
}

func testNoteZeroOwner(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	n := newNote(t, s, owner(u), "ann's")
	var zero notes.Owner
	nobody := s.Notes(zero)

	_, err := nobody.Create(ctx, notes.NoteInput{Title: "orphan"})
	wantErr(t, "Notes(zero).Create", err, notes.ErrForbidden)
	_, err = nobody.Get(ctx, n.ID)
	wantErr(t, fmt.Sprintf("Notes(zero).Get(%d)", n.ID), err, notes.ErrNotFound)
	_, err = nobody.Update(ctx, n.ID, notes.NotePatch{Title: ptr("x")})
	wantErr(t, fmt.Sprintf("Notes(zero).Update(%d)", n.ID), err, notes.ErrNotFound)
	err = nobody.Delete(ctx, n.ID)
	wantErr(t, fmt.Sprintf("Notes(zero).Delete(%d)", n.ID), err, notes.ErrNotFound)
	list, next, err := nobody.List(ctx, notes.Page{})
	noErr(t, "Notes(zero).List", err)
	if len(list) != 0 || next != 0 {
		t.Errorf("Notes(zero).List() = %v, cursor %d, want none", list, next)
	}

	got, err := s.Notes(owner(u)).Get(ctx, n.ID)
	noErr(t, "Notes.Get", err)
	diff(t, "note after the zero Owner's attempts", n, got)
}

func testNoteOwnerWithoutUser(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	n := newNote(t, s, owner(u), "ann's")
	ghost := s.Notes(gatehousetest.Owner(u.ID + 1000))

	if _, err := ghost.Create(ctx, notes.NoteInput{Title: "orphan"}); err == nil {
		t.Errorf("Notes(no such user).Create = nil error, want an error")
	}
	_, err := ghost.Get(ctx, n.ID)
	wantErr(t, fmt.Sprintf("Notes(no such user).Get(%d)", n.ID), err, notes.ErrNotFound)
	list, _, err := ghost.List(ctx, notes.Page{})
	noErr(t, "Notes(no such user).List", err)
	if len(list) != 0 {
		t.Errorf("Notes(no such user).List() = %v, want none", list)
	}
}

func testDeleteAnyNote(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	n := newNote(t, s, owner(u), "ann's")
	other := newNote(t, s, owner(u), "ann's other")

	denied := []struct {
		name  string
		grant auth.RoleGrant
	}{
		{"zero grant", auth.RoleGrant{}},
		{"user role", gatehousetest.Grant(string(accounts.RoleUser))},
		{"Admin capitalised", gatehousetest.Grant("Admin")},
	}
	for _, d := range denied {
		_, err := s.DeleteAnyNote(ctx, d.grant, n.ID)
		wantErr(t, fmt.Sprintf("DeleteAnyNote(%s, %d)", d.name, n.ID), err, notes.ErrForbidden)
		if _, err := s.Notes(owner(u)).Get(ctx, n.ID); err != nil {
			t.Fatalf("Notes.Get(%d) after DeleteAnyNote(%s) = %v, want the note", n.ID, d.name, err)
		}
	}

	admin := gatehousetest.Grant(string(accounts.RoleAdmin))
	ownerID, err := s.DeleteAnyNote(ctx, admin, n.ID)
	noErr(t, "DeleteAnyNote(admin)", err)
	if ownerID != u.ID {
		t.Errorf("DeleteAnyNote(admin, %d) = owner %d, want %d (the note's owner)", n.ID, ownerID, u.ID)
	}
	_, err = s.Notes(owner(u)).Get(ctx, n.ID)
	wantErr(t, fmt.Sprintf("Notes.Get(%d) after DeleteAnyNote", n.ID), err, notes.ErrNotFound)
	if _, err := s.Notes(owner(u)).Get(ctx, other.ID); err != nil {
		t.Errorf("Notes.Get(%d) of a bystander note = %v, want the note", other.ID, err)
	}

	_, err = s.DeleteAnyNote(ctx, admin, n.ID)
	wantErr(t, fmt.Sprintf("DeleteAnyNote(admin, %d) again", n.ID), err, notes.ErrNotFound)
	_, err = s.DeleteAnyNote(ctx, admin, other.ID+1000)
	wantErr(t, fmt.Sprintf("DeleteAnyNote(admin, %d) unknown", other.ID+1000), err, notes.ErrNotFound)
}

func testConcurrentWrites(t *testing.T, s Store) {
	ctx := t.Context()
	const workers, each = 8, 10
	users := []accounts.User{newUser(t, s, "ann", ""), newUser(t, s, "bob", "")}

	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	for w := range workers {
		u := users[w%len(users)]
		wg.Go(func() {
			for i := range each {
				if _, err := s.Notes(owner(u)).Create(ctx, notes.NoteInput{Title: fmt.Sprintf("w%d n%d", w, i)}); err != nil {
					errs <- err
				}
				if _, _, err := s.Notes(owner(u)).List(ctx, notes.Page{Limit: 5}); err != nil {
					errs <- err
				}
				if _, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live()}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write = %v, want nil", err)
	}
	for _, u := range users {
		list, _, err := s.Notes(owner(u)).List(ctx, notes.Page{Limit: 100})
		noErr(t, "Notes.List", err)
		if want := workers / len(users) * each; len(list) != want {
			t.Errorf("Notes(%d).List() = %d notes after concurrent creates, want %d", u.ID, len(list), want)
		}
	}
}

// testReadsRacingWrites: while readers keep reading a note, every Update
// is seen by the next Get, and after the Delete no Get finds the note. A
// store that keeps what it reads must not keep a read that raced a write.
func testReadsRacingWrites(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	mine := s.Notes(owner(u))
	n := newNote(t, s, owner(u), "v0")

	const readers, updates = 8, 200
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := mine.Get(ctx, n.ID); err != nil && !errors.Is(err, notes.ErrNotFound) {
					t.Errorf("Notes.Get(%d) during writes = %v", n.ID, err)
					return
				}
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()

	stale := 0
	for i := 1; i <= updates; i++ {
		title := fmt.Sprintf("v%d", i)
		if _, err := mine.Update(ctx, n.ID, notes.NotePatch{Title: &title}); err != nil {
			t.Fatalf("Notes.Update(%s) = %v", title, err)
		}
		got, err := mine.Get(ctx, n.ID)
		noErr(t, "Notes.Get", err)
		if got.Title != title {
			stale++
		}
	}
	if stale > 0 {
		t.Errorf("Notes.Get() after Update returned an older title %d times of %d, want 0", stale, updates)
	}
	noErr(t, "Notes.Delete", mine.Delete(ctx, n.ID))
	for range 50 {
		if _, err := mine.Get(ctx, n.ID); !errors.Is(err, notes.ErrNotFound) {
			t.Fatalf("Notes.Get(%d) after Delete = %v, want ErrNotFound", n.ID, err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}
