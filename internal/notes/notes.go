// Package notes is notesd's domain: users, notes, sessions and API keys,
// the Store contract every storage engine implements, sentinel errors and
// validation. It knows nothing of HTTP or SQL.
//
// Ownership is a type: the only way to reach notes, sessions or API keys is
// through a view bound to an ownership.Owner, which only package auth mints.
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

// Unavailable returns err marked as ErrUnavailable (accounts.Unavailable).
func Unavailable(err error) error { return accounts.Unavailable(err) }

// Transitional aliases: the identity half of the domain lives in package
// accounts.
type (
	Role            = accounts.Role
	User            = accounts.User
	NewUser         = accounts.NewUser
	UserPatch       = accounts.UserPatch
	Session         = accounts.Session
	NewSession      = accounts.NewSession
	APIKey          = accounts.APIKey
	NewAPIKey       = accounts.NewAPIKey
	Page            = accounts.Page
	Purge           = accounts.Purge
	Purged          = accounts.Purged
	TokenPurpose    = accounts.TokenPurpose
	NewAccountToken = accounts.NewAccountToken
	ValidationError = accounts.ValidationError
	FieldError      = accounts.FieldError
	TextField       = accounts.TextField
	SessionStore    = accounts.OwnSessions
	APIKeyStore     = accounts.OwnAPIKeys
)

// Transitional aliases of accounts' values.
const (
	RoleUser         = accounts.RoleUser
	RoleAdmin        = accounts.RoleAdmin
	PurposeReset     = accounts.PurposeReset
	PurposeVerify    = accounts.PurposeVerify
	MinPasswordChars = accounts.MinPasswordChars
	MaxPasswordChars = accounts.MaxPasswordChars
	MinNameChars     = accounts.MinNameChars
	MaxNameChars     = accounts.MaxNameChars
	MaxEmailChars    = accounts.MaxEmailChars
	MaxMetaBytes     = accounts.MaxMetaBytes
)

// Transitional aliases of accounts' functions.
var (
	ErrConflict          = accounts.ErrConflict
	ErrLastAdmin         = accounts.ErrLastAdmin
	ErrRefreshReused     = accounts.ErrRefreshReused
	ErrAPIKeyLimit       = accounts.ErrAPIKeyLimit
	CheckText            = accounts.CheckText
	CleanMeta            = accounts.CleanMeta
	ValidText            = accounts.ValidText
	NormalizeEmail       = accounts.NormalizeEmail
	ValidatePassword     = accounts.ValidatePassword
	ValidateRegistration = accounts.ValidateRegistration
	ValidateName         = accounts.ValidateName
)

// Scope is an OAuth2 scope.
type Scope = string

// Scopes of SPEC §3.
const (
	ScopeRead  Scope = "notes:read"
	ScopeWrite Scope = "notes:write"
	ScopeAdmin Scope = "admin"
)

// AllScopes lists every scope with its description, in display order.
var AllScopes = []struct{ Name, Description string }{
	{ScopeRead, "Read your notes"},
	{ScopeWrite, "Create, change and delete your notes"},
	{ScopeAdmin, "Administer users and notes"},
}

// AllowedScopes returns the scopes a role may hold.
func AllowedScopes(r Role) []Scope {
	if r == RoleAdmin {
		return []Scope{ScopeRead, ScopeWrite, ScopeAdmin}
	}
	return []Scope{ScopeRead, ScopeWrite}
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
