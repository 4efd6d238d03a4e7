// Package notes is notesd's domain: notes, the Store contract every
// storage engine implements beside its accounts store, sentinel errors,
// scopes and validation. It knows nothing of HTTP, SQL or identity: users
// are the accounts package's, and a note refers to its owner by id.
//
// Ownership is a type: the only way to reach notes is through a view bound
// to an Owner (auth.Owner[int64]), which only package auth mints.
package notes

import (
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// Sentinel errors returned by every Store. Those the notes share with the
// accounts are the same values, so one table maps both to problems.
var (
	// ErrNotFound: the row does not exist or is not visible to the owner.
	ErrNotFound = accounts.ErrNotFound
	// ErrForbidden: the proof value passed to the store does not allow the call.
	ErrForbidden = accounts.ErrForbidden
	// ErrUnavailable: the database cannot serve the call now
	// (accounts.ErrUnavailable).
	ErrUnavailable = accounts.ErrUnavailable
	// ErrNoteLimit: the owner already has as many notes as the quota
	// (NoteInput.MaxPerUser) allows.
	ErrNoteLimit = errors.New("note limit reached")
)

// Page asks for one page of a keyset-paginated list: the same page as
// the accounts' lists (accounts.Page).
type Page = accounts.Page

// Scope is an OAuth2 scope.
type Scope = string

// Scopes of SPEC §3.
const (
	ScopeRead  Scope = "notes:read"
	ScopeWrite Scope = "notes:write"
	ScopeAdmin Scope = "admin"
)

// AllScopes lists every scope with its description, in display order:
// notesd's accounts.Config.Scopes. Only admins may hold ScopeAdmin.
var AllScopes = []accounts.Scope{
	{Name: ScopeRead, Description: "Read your notes"},
	{Name: ScopeWrite, Description: "Create, change and delete your notes"},
	{Name: ScopeAdmin, Description: "Administer users and notes", AdminOnly: true},
}

// Note is a user's note.
type Note struct {
	ID        int64
	Title     string
	Body      string
	OwnerID   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NoteInput creates a note.
type NoteInput struct {
	Title string
	Body  string
	// MaxPerUser, when positive, is the owner's note quota: Create fails
	// with ErrNoteLimit when the owner already has that many notes. It is
	// checked and the note stored atomically, so a burst of creates cannot
	// pass it. Zero means no quota.
	MaxPerUser int
}

// NotePatch changes a note; nil fields are left alone.
type NotePatch struct {
	Title *string
	Body  *string
}
