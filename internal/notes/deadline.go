package notes

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
)

// WithDeadline returns s with d on every call, of s and of the owner
// views it returns (SPEC §5 Deadlines): the accounts' policy
// (accounts.Deadline), so that notes and accounts fail alike.
func WithDeadline(s Store, d accounts.Deadline) Store {
	return deadlineStore{s: s, d: d, r: d.ForReads(s)}
}

// deadlineStore is the Store of WithDeadline.
type deadlineStore struct {
	s Store
	d accounts.Deadline
	r accounts.Deadline // of reads: d.ForReads(s)
}

var _ Store = deadlineStore{}

// Notes is Store.Notes under the deadline.
func (g deadlineStore) Notes(o Owner) NoteStore {
	return deadlineNotes{s: g.s.Notes(o), d: g.d, r: g.r}
}

// DeleteAnyNote is Store.DeleteAnyNote under the deadline.
func (g deadlineStore) DeleteAnyNote(ctx context.Context, rg auth.RoleGrant, id int64) (int64, error) {
	return accounts.Call(ctx, g.d, "DeleteAnyNote", func(ctx context.Context) (int64, error) { return g.s.DeleteAnyNote(ctx, rg, id) })
}

// deadlineNotes is a NoteStore of WithDeadline.
type deadlineNotes struct {
	s NoteStore
	d accounts.Deadline
	r accounts.Deadline // of Get and List
}

// Create is NoteStore.Create under the deadline.
func (g deadlineNotes) Create(ctx context.Context, in NoteInput) (Note, error) {
	return accounts.Call(ctx, g.d, "Notes.Create", func(ctx context.Context) (Note, error) { return g.s.Create(ctx, in) })
}

// Get is NoteStore.Get under the deadline.
func (g deadlineNotes) Get(ctx context.Context, id int64) (Note, error) {
	return accounts.Call(ctx, g.r, "Notes.Get", func(ctx context.Context) (Note, error) { return g.s.Get(ctx, id) })
}

// page is one page of notes and the cursor of the next.
type page struct {
	notes []Note
	next  int64
}

// List is NoteStore.List under the deadline.
func (g deadlineNotes) List(ctx context.Context, p Page) ([]Note, int64, error) {
	r, err := accounts.Call(ctx, g.r, "Notes.List", func(ctx context.Context) (page, error) {
		ns, next, err := g.s.List(ctx, p)
		return page{ns, next}, err
	})
	return r.notes, r.next, err
}

// Update is NoteStore.Update under the deadline.
func (g deadlineNotes) Update(ctx context.Context, id int64, p NotePatch) (Note, error) {
	return accounts.Call(ctx, g.d, "Notes.Update", func(ctx context.Context) (Note, error) { return g.s.Update(ctx, id, p) })
}

// Delete is NoteStore.Delete under the deadline.
func (g deadlineNotes) Delete(ctx context.Context, id int64) error {
	return accounts.Do(ctx, g.d, "Notes.Delete", func(ctx context.Context) error { return g.s.Delete(ctx, id) })
}
