// Package notes is notesd's domain: users, notes, sessions and API keys,
// the Store contract every storage engine implements, sentinel errors and
// validation. It knows nothing of HTTP or SQL.
//
// Ownership is a type: the only way to reach notes, sessions or API keys is
// through a view bound to an ownership.Owner, which only package auth mints.
package notes

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors returned by every Store.
var (
	// ErrNotFound: the row does not exist or is not visible to the owner.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value (e-mail) is taken.
	ErrConflict = errors.New("conflict")
	// ErrLastAdmin: the change would leave no active admin.
	ErrLastAdmin = errors.New("last active admin")
	// ErrForbidden: the proof value passed to the store does not allow the call.
	ErrForbidden = errors.New("forbidden")
	// ErrRefreshReused: a rotated-away refresh token was presented again;
	// its session has been revoked.
	ErrRefreshReused = errors.New("refresh token reused")
	// ErrNoteLimit: the owner already has as many notes as the quota
	// (NoteInput.MaxPerUser) allows.
	ErrNoteLimit = errors.New("note limit reached")
	// ErrAPIKeyLimit: the owner already has as many live API keys as the
	// quota (NewAPIKey.MaxPerUser) allows.
	ErrAPIKeyLimit = errors.New("api key limit reached")
	// ErrUnavailable: the database cannot serve the call now (down,
	// refusing or resetting connections, stalled past the call's deadline,
	// out of space, read-only, failing I/O); the same call may succeed
	// later. It wraps the driver's error (Unavailable), so the cause stays
	// in the error's text for the log.
	ErrUnavailable = errors.New("storage unavailable")
)

// Unavailable returns err marked as ErrUnavailable (errors.Is holds for
// both), or nil for nil.
func Unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// Role is a user's role.
type Role string

// Roles.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleUser || r == RoleAdmin }

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

// User is an account. PasswordHash never leaves the process.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         Role
	Active       bool
	Verified     bool // proved they read mail at Email (is_verified)
	PasswordHash string
	CreatedAt    time.Time
}

// Subject returns the JWT subject of u (its decimal id).
func (u User) Subject() int64 { return u.ID }

// IsActive reports whether u may act.
func (u User) IsActive() bool { return u.Active }

// HasRole reports whether u has role.
func (u User) HasRole(role string) bool { return string(u.Role) == role }

// NewUser is what registration and the CLI create.
type NewUser struct {
	Email        string // normalised
	Name         string
	Role         Role
	PasswordHash string
}

// UserPatch is an admin change of a user; nil fields are left alone.
type UserPatch struct {
	Role   *Role
	Active *bool
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

// Session is a login session: the server-side record behind every token.
type Session struct {
	ID         int64
	UserID     int64
	UserAgent  string
	IP         string
	Scopes     []Scope // granted at login; refreshed tokens get the same
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// NewSession is what login creates. RefreshHash is the SHA-256 of the
// session's first refresh token (may be empty). WebHash is, for a browser
// session of the web UI, the SHA-256 of its cookie value (empty otherwise).
type NewSession struct {
	UserID      int64
	UserAgent   string
	IP          string
	Scopes      []Scope
	ExpiresAt   time.Time
	RefreshHash []byte
	WebHash     []byte
	// MaxPerUser, when positive, is the user's session quota: after this
	// session is stored, the user's oldest live sessions beyond MaxPerUser
	// (this one counted) are revoked in the same transaction. Zero means
	// no quota.
	MaxPerUser int
}

// APIKey is a stored API key. Hash is the SHA-256 of the whole key; the key
// itself is never stored.
type APIKey struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	Hash       []byte
	Scopes     []Scope
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
}

// NewAPIKey is what key creation stores.
type NewAPIKey struct {
	Name      string
	Prefix    string
	Hash      []byte
	Scopes    []Scope
	ExpiresAt *time.Time
	// MaxPerUser, when positive, is the owner's API key quota: Create fails
	// with ErrAPIKeyLimit when the owner already has that many keys that
	// are not revoked (expired ones count until revoked). Checked and
	// stored atomically. Zero means no quota.
	MaxPerUser int
}

// Page asks for one page of a keyset-paginated list: items with id < After
// (After == 0: from the newest), at most Limit of them.
type Page struct {
	After int64
	Limit int
}

// Purge asks a store to delete one batch of the rows that stopped working
// before Before (SPEC §5, retention): sessions (token and web sessions)
// revoked or expired before Before, used refresh tokens rotated away
// before Before, and account tokens used or expired before Before.
type Purge struct {
	Before time.Time
	// Limit bounds the rows each statement deletes; at most Limit of each
	// kind per call. It must be positive.
	Limit int
}

// Purged counts the rows one Purge deleted.
type Purged struct {
	Sessions      int64
	RefreshTokens int64
	AccountTokens int64 // password reset and e-mail verification tokens
}

// Total is the number of rows deleted.
func (p Purged) Total() int64 { return p.Sessions + p.RefreshTokens + p.AccountTokens }
