package notes

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
)

// Owner is the proof of whose data a request may touch (minted by auth).
type Owner = auth.Owner[int64]

// Store is notesd's storage. Every engine (SQLite, PostgreSQL) implements it
// and passes internal/storetest. Lists return items newest first and the
// cursor for the next page (0 when there is none). Text to be stored that
// is not valid UTF-8 or holds a NUL is a *ValidationError (CheckText) and
// finds nothing in a lookup; a session's user agent and IP are stored
// cleaned (CleanMeta).
type Store interface {
	// The identity half (transitional: it moves to the accounts stores).
	accounts.Users
	accounts.Sessions
	accounts.WebSessions
	accounts.APIKeys
	accounts.Tokens
	accounts.Purger

	// Notes is the owner's view of their notes: the only way to reach notes.
	Notes(o Owner) NoteStore
	// DeleteAnyNote deletes any user's note and returns the id of the
	// user it belonged to (whose event streams are told); g must grant the
	// admin role (ErrForbidden otherwise). ErrNotFound for an unknown id.
	DeleteAnyNote(ctx context.Context, g auth.RoleGrant, id int64) (ownerID int64, err error)

	// Ping checks that the database can commit a write (readiness).
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// NoteStore is one owner's notes. A note of anyone else is ErrNotFound.
type NoteStore interface {
	Create(ctx context.Context, in NoteInput) (Note, error)
	Get(ctx context.Context, id int64) (Note, error)
	List(ctx context.Context, p Page) ([]Note, int64, error)
	Update(ctx context.Context, id int64, p NotePatch) (Note, error)
	Delete(ctx context.Context, id int64) error
}
