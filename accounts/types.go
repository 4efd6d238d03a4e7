package accounts

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// Owner is the proof of whose account data a call may touch: only package
// auth mints it (auth.OwnerOf), from a verified credential.
type Owner = auth.Owner[int64]

// Role is a user's role.
type Role string

// Roles.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleUser || r == RoleAdmin }

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

// Session is a login session: the server-side record behind every token.
type Session struct {
	ID         int64
	UserID     int64
	UserAgent  string
	IP         string
	Scopes     []string // granted at login; refreshed tokens get the same
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// NewSession is what login creates. RefreshHash is the SHA-256 of the
// session's first refresh token (may be empty). WebHash is, for a browser
// session of a web UI, the SHA-256 of its cookie value (empty otherwise).
type NewSession struct {
	UserID      int64
	UserAgent   string
	IP          string
	Scopes      []string
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
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
}

// NewAPIKey is what key creation stores.
type NewAPIKey struct {
	Name      string
	Prefix    string
	Hash      []byte
	Scopes    []string
	ExpiresAt *time.Time
	// MaxPerUser, when positive, is the owner's API key quota: Create fails
	// with ErrAPIKeyLimit when the owner already has that many keys that
	// are not revoked (expired ones count until revoked). Checked and
	// stored atomically. Zero means no quota.
	MaxPerUser int
}

// TokenPurpose is what an account token is for.
type TokenPurpose string

// Token purposes.
const (
	PurposeReset  TokenPurpose = "reset"  // password reset
	PurposeVerify TokenPurpose = "verify" // e-mail verification
)

// Valid reports whether p is a known purpose.
func (p TokenPurpose) Valid() bool { return p == PurposeReset || p == PurposeVerify }

// NewAccountToken is a single-use token mailed to a user. Hash is the
// SHA-256 of the token; the token itself is never stored.
type NewAccountToken struct {
	UserID    int64
	Purpose   TokenPurpose
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Page asks for one page of a keyset-paginated list: items with id < After
// (After == 0: from the newest), at most Limit of them.
type Page struct {
	After int64
	Limit int
}

// DefaultPageSize is the size of a Page whose Limit is not positive.
const DefaultPageSize = 50

// Size is the most items of the page: Limit, or DefaultPageSize when
// Limit is not positive.
func (p Page) Size() int {
	if p.Limit <= 0 {
		return DefaultPageSize
	}
	return p.Limit
}

// Keyset cuts items, fetched newest first with LIMIT p.Size()+1, to the
// page, and returns the cursor of the next page: the id of the last item
// kept when there were more, else 0. Stores (the app's too) page their
// lists with it: WHERE id < After ORDER BY id DESC LIMIT Size()+1.
func Keyset[T any](items []T, p Page, id func(T) int64) ([]T, int64) {
	n := p.Size()
	if len(items) <= n {
		return items, 0
	}
	items = items[:n]
	return items, id(items[n-1])
}

// Purge asks a store to delete one batch of the rows that stopped working
// before Before (retention): sessions (token and web sessions) revoked or
// expired before Before, used refresh tokens rotated away before Before,
// and account tokens used or expired before Before.
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
