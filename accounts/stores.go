package accounts

import (
	"context"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// The stores are split by capability: each consumer takes the one it
// needs. Every engine (accounts/sqlitestore, accounts/pgstore) implements
// all of them on one database and passes accounts/accountstest. Lists
// return items newest first and the cursor for the next page (0 when there
// is none). Text to be stored that is not valid UTF-8 or holds a NUL is a
// *ValidationError (CheckText) and finds nothing in a lookup; a session's
// user agent and IP are stored cleaned (CleanMeta).

// Users holds the accounts.
type Users interface {
	// CreateUser stores a new user; ErrConflict when the e-mail is taken.
	CreateUser(ctx context.Context, u NewUser) (User, error)
	// UserByEmail finds a user by normalised e-mail; ErrNotFound otherwise.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UserByID finds a user by id; ErrNotFound otherwise.
	UserByID(ctx context.Context, id int64) (User, error)
	// SetPasswordHash replaces the owner's password hash.
	SetPasswordHash(ctx context.Context, o Owner, hash string) error
	// UpgradePasswordHash replaces a user's hash old with next, only while
	// it is still old (a re-hash after a login); ErrNotFound otherwise.
	UpgradePasswordHash(ctx context.Context, userID int64, old, next string) error
	// SetName changes the owner's display name.
	SetName(ctx context.Context, o Owner, name string) (User, error)
	// ListUsers lists all users; g must grant the admin role (ErrForbidden).
	ListUsers(ctx context.Context, g auth.RoleGrant, p Page) ([]User, int64, error)
	// UpdateUser applies an admin change. Deactivation revokes all the
	// user's sessions in the same transaction. ErrLastAdmin when the change
	// would leave no active admin; ErrNotFound for an unknown id.
	// g must grant the admin role (ErrForbidden).
	UpdateUser(ctx context.Context, g auth.RoleGrant, id int64, p UserPatch) (User, error)
}

// Sessions holds the login sessions behind access and refresh tokens (and
// web sessions, which are sessions with a cookie).
type Sessions interface {
	// CreateSession stores a login session.
	CreateSession(ctx context.Context, s NewSession) (Session, error)
	// SessionUser returns the user behind a live session, and the session,
	// in one indexed lookup: the session must exist, belong to userID, not
	// be revoked and not be expired at now. ErrNotFound otherwise.
	SessionUser(ctx context.Context, userID, sessionID int64, now time.Time) (User, Session, error)
	// TouchSession records that a session was seen at t.
	TouchSession(ctx context.Context, sessionID int64, t time.Time) error
	// RotateRefresh swaps a live session's current refresh token (by hash)
	// for a new one and returns the session and its user. A hash that was
	// current once and has been rotated away is reuse: the whole session is
	// revoked and ErrRefreshReused returned, with the session's ID and
	// UserID (for the log). Except for a retry: the session's previous
	// hash (the last rotated away), presented at most reuse after its
	// rotation, rotates the live session again, from whatever hash it holds
	// now to newHash, as a current hash would. Two presentations at once
	// never both rotate from the same state. An unknown hash, or one of a
	// revoked or expired session, is ErrNotFound.
	RotateRefresh(ctx context.Context, oldHash, newHash []byte, now time.Time, reuse time.Duration) (Session, User, error)
	// RevokeUserSessions revokes every session of a user; g must grant the
	// admin role (ErrForbidden).
	RevokeUserSessions(ctx context.Context, g auth.RoleGrant, userID int64) error
	// Sessions is the owner's view of their sessions.
	Sessions(o Owner) OwnSessions
}

// WebSessions finds and ends browser sessions by their cookie.
type WebSessions interface {
	// WebSessionUser returns the user behind a live web session, found by
	// the SHA-256 of its cookie value, and the session, in one indexed
	// lookup: the session must not be revoked, not be expired at now, and
	// have been seen less than idle before now. The user is returned even
	// when inactive. ErrNotFound otherwise.
	WebSessionUser(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (User, Session, error)
	// RevokeWebSession ends the live web session found by the SHA-256 of
	// its cookie value, if any (knowing the cookie is the capability).
	RevokeWebSession(ctx context.Context, hash []byte) error
}

// APIKeys holds the API keys.
type APIKeys interface {
	// APIKeyByPrefix returns the live (not revoked) key with that prefix and
	// its user; ErrNotFound otherwise. The caller checks the hash and expiry.
	APIKeyByPrefix(ctx context.Context, prefix string) (APIKey, User, error)
	// TouchAPIKey records that a key was used at t.
	TouchAPIKey(ctx context.Context, keyID int64, t time.Time) error
	// APIKeys is the owner's view of their API keys.
	APIKeys(o Owner) OwnAPIKeys
}

// Tokens holds the account tokens (password reset, e-mail verification):
// single-use, stored as their SHA-256. A token is live while it is not
// used, not expired and not replaced by a newer one of its purpose; every
// lookup of one that is not live is ErrNotFound.
type Tokens interface {
	// CreateAccountToken stores a live token; the user's earlier live
	// tokens of the same purpose stop working (expire at t.CreatedAt) in
	// the same transaction, so only the newest link works. ErrNotFound for
	// an unknown user.
	CreateAccountToken(ctx context.Context, t NewAccountToken) error
	// AccountTokenUser returns the user of the live token of purpose whose
	// hash is hash at now, without using it up.
	AccountTokenUser(ctx context.Context, purpose TokenPurpose, hash []byte, now time.Time) (User, error)
	// ResetPassword uses up the live reset token hash at now and, in the
	// same transaction, sets the user's password hash to passwordHash,
	// marks the user verified (the link proved the mailbox) and revokes
	// every session of the user (their refresh tokens and web sessions
	// with them). Of any number of concurrent calls with one token,
	// exactly one succeeds. Returns the user as changed.
	ResetPassword(ctx context.Context, hash []byte, passwordHash string, now time.Time) (User, error)
	// VerifyEmail uses up the live verification token hash at now and
	// marks its user verified, in one transaction; exactly one of
	// concurrent calls succeeds. Returns the user as changed.
	VerifyEmail(ctx context.Context, hash []byte, now time.Time) (User, error)
}

// Purger deletes what stopped working (retention).
type Purger interface {
	// Purge deletes one batch of rows that stopped working before
	// p.Before: first used refresh tokens rotated away before it, then
	// sessions revoked or expired before it (with whatever used tokens
	// they still have). A call deletes at most p.Limit rows of each kind,
	// each kind in one statement, so it never holds a write lock long;
	// call it again while it deletes a full batch. Account tokens used or
	// expired before p.Before go too, at most p.Limit of them.
	Purge(ctx context.Context, p Purge) (Purged, error)
}

// OwnSessions is one owner's login sessions (live ones only).
type OwnSessions interface {
	// List returns one keyset page of the owner's live sessions at now,
	// newest first, and the cursor of the next page (0 when there is none).
	List(ctx context.Context, now time.Time, p Page) ([]Session, int64, error)
	// Revoke ends one session; ErrNotFound when it is not the owner's or not live.
	Revoke(ctx context.Context, id int64) error
	// RevokeOthers ends every live session of the owner but keep (0: all).
	RevokeOthers(ctx context.Context, keep int64) error
}

// OwnAPIKeys is one owner's API keys (not revoked ones only).
type OwnAPIKeys interface {
	// Create stores a new key of the owner; ErrAPIKeyLimit past the quota,
	// ErrConflict when the prefix is taken.
	Create(ctx context.Context, k NewAPIKey) (APIKey, error)
	// List returns the owner's keys, newest first.
	List(ctx context.Context) ([]APIKey, error)
	// Revoke revokes a key; ErrNotFound when it is not the owner's.
	Revoke(ctx context.Context, id int64) error
}

// CachedSessions is implemented by a Sessions store that keeps live
// sessions in memory (accounts/sqlitestore): CachedSessionUser answers
// SessionUser from memory alone, ok false when it would have to ask the
// database. WithDeadline asks it first, so a cached lookup, the one every
// authenticated request makes, costs no deadline (no timer).
type CachedSessions interface {
	CachedSessionUser(userID, sessionID int64, now time.Time) (u User, s Session, ok bool)
}

// CachedAPIKeys is CachedSessions for APIKeyByPrefix.
type CachedAPIKeys interface {
	CachedAPIKey(prefix string) (k APIKey, u User, ok bool)
}

// Stores are the stores a Service works with, one per capability. An
// engine's store fills them all (sqlitestore.Store.Stores).
type Stores struct {
	Users       Users
	Sessions    Sessions
	WebSessions WebSessions
	APIKeys     APIKeys
	Tokens      Tokens
	Purger      Purger
}
