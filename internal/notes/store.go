package notes

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// Owner is the proof of whose data a request may touch (minted by auth).
type Owner = auth.Owner[int64]

// Store is notesd's notes storage. Every engine (SQLite, PostgreSQL)
// implements it beside its accounts store, in the same database, and
// passes internal/storetest. Lists return items newest first and the
// cursor for the next page (0 when there is none). Text to be stored that
// is not valid UTF-8 or holds a NUL is a *accounts.ValidationError
// (accounts.CheckText) and finds nothing in a lookup.
type Store interface {
	// Notes is the owner's view of their notes: the only way to reach notes.
	Notes(o Owner) NoteStore
	// DeleteAnyNote deletes any user's note and returns the id of the
	// user it belonged to (whose event streams are told); g must grant the
	// admin role (ErrForbidden otherwise). ErrNotFound for an unknown id.
	DeleteAnyNote(ctx context.Context, g auth.RoleGrant, id int64) (ownerID int64, err error)
}

// NoteStore is one owner's notes. A note of anyone else is ErrNotFound.
type NoteStore interface {
	Create(ctx context.Context, in NoteInput) (Note, error)
	Get(ctx context.Context, id int64) (Note, error)
	List(ctx context.Context, p Page) ([]Note, int64, error)
	Update(ctx context.Context, id int64, p NotePatch) (Note, error)
	Delete(ctx context.Context, id int64) error
}
