package accounts

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// Deadline is a per-call deadline policy for stores (SPEC §5 Deadlines):
// each call runs under a context that ends Timeout after the call starts,
// and an error that came of that deadline is ErrUnavailable, so an outage
// or a stall of the database answers 503 rather than hanging or failing
// with 500.
type Deadline struct {
	// Timeout bounds each call. Zero runs calls without a deadline (no
	// timer): only for calls that cannot be cut short anyway, see
	// UncancelableReads; Classify and Observe still apply.
	Timeout time.Duration
	// Classify is the engine's mapping of its driver's errors that mean
	// "unavailable, try again" (connection refused, disk full, …) to
	// ErrUnavailable (see Unavailable); it sees every error a call returns
	// and returns other errors unchanged. Nil: errors are left as they are.
	Classify func(error) error
	// Observe, when not nil, is told how long each call took, by operation
	// ("UserByEmail", "Sessions.List"): for a latency metric.
	Observe func(op string, d time.Duration)
}

// Call runs fn, the call op of a store, under d. An error that came of the
// caller's own context ending is left as it is. Apps use it to give their
// own stores the same deadline as the account stores (WithDeadline); Do is
// the same for a call that returns no value.
func Call[T any](ctx context.Context, d Deadline, op string, fn func(context.Context) (T, error)) (T, error) {
	cctx, cancel := ctx, context.CancelFunc(nil)
	if d.Timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, d.Timeout)
	}
	begun := time.Now()
	v, err := fn(cctx)
	if cancel != nil {
		cancel()
	}
	if d.Observe != nil {
		d.Observe(op, time.Since(begun))
	}
	return v, d.err(ctx, cctx, err)
}

// UncancelableReads is implemented by a store whose reads ignore their
// context's deadline and cancellation (accounts/sqlitestore: a read in WAL
// mode never waits on a lock, and watching the context cost more than the
// indexed read it guarded). A deadline cannot cut such a read short, so a
// wrapper may run it with a zero Deadline.Timeout and save the timer; its
// errors are still classified and its time observed. UncancelableReads
// reports whether that holds for this store.
type UncancelableReads interface {
	UncancelableReads() bool
}

// ForReads returns d for the reads of store s: d without its timeout when s
// implements UncancelableReads and reports true, else d.
func (d Deadline) ForReads(s any) Deadline {
	if u, ok := s.(UncancelableReads); ok && u.UncancelableReads() {
		d.Timeout = 0
	}
	return d
}

// err maps the error of a call that ran under cctx, derived from parent.
func (d Deadline) err(parent, cctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case parent.Err() != nil:
		return err // the caller gave up: not the database's fault
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		return Unavailable(err)
	case d.Classify == nil:
		return err
	}
	return d.Classify(err)
}

// Do is Call for a call that returns no value.
func Do(ctx context.Context, d Deadline, op string, fn func(context.Context) error) error {
	_, err := Call(ctx, d, op, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	return err
}

// call3 runs fn, which returns two values, under d.
func call3[T, U any](ctx context.Context, d Deadline, op string, fn func(context.Context) (T, U, error)) (T, U, error) {
	var w U
	v, err := Call(ctx, d, op, func(ctx context.Context) (T, error) {
		v, w2, err := fn(ctx)
		w = w2
		return v, err
	})
	return v, w, err
}

// WithDeadline returns s with d on every call of every store and of the
// owner views they return. A nil store stays nil.
func WithDeadline(s Stores, d Deadline) Stores {
	out := s
	if s.Users != nil {
		out.Users = deadlineUsers{s.Users, d}
	}
	if s.Sessions != nil {
		out.Sessions = deadlineSessions{s.Sessions, d}
	}
	if s.WebSessions != nil {
		out.WebSessions = deadlineWebSessions{s.WebSessions, d}
	}
	if s.APIKeys != nil {
		out.APIKeys = deadlineAPIKeys{s.APIKeys, d}
	}
	if s.Tokens != nil {
		out.Tokens = deadlineTokens{s.Tokens, d}
	}
	if s.Purger != nil {
		out.Purger = deadlinePurger{s.Purger, d}
	}
	return out
}

type (
	deadlineUsers struct {
		s Users
		d Deadline
	}
	deadlineSessions struct {
		s Sessions
		d Deadline
	}
	deadlineWebSessions struct {
		s WebSessions
		d Deadline
	}
	deadlineAPIKeys struct {
		s APIKeys
		d Deadline
	}
	deadlineTokens struct {
		s Tokens
		d Deadline
	}
	deadlinePurger struct {
		s Purger
		d Deadline
	}
	deadlineOwnSessions struct {
		s OwnSessions
		d Deadline
	}
	deadlineOwnAPIKeys struct {
		s OwnAPIKeys
		d Deadline
	}
)

var (
	_ Users       = deadlineUsers{}
	_ Sessions    = deadlineSessions{}
	_ WebSessions = deadlineWebSessions{}
	_ APIKeys     = deadlineAPIKeys{}
	_ Tokens      = deadlineTokens{}
	_ Purger      = deadlinePurger{}
)

// CreateUser is Users.CreateUser under the deadline.
func (g deadlineUsers) CreateUser(ctx context.Context, u NewUser) (User, error) {
	return Call(ctx, g.d, "CreateUser", func(ctx context.Context) (User, error) { return g.s.CreateUser(ctx, u) })
}

// UserByEmail is Users.UserByEmail under the deadline.
func (g deadlineUsers) UserByEmail(ctx context.Context, email string) (User, error) {
	return Call(ctx, g.d, "UserByEmail", func(ctx context.Context) (User, error) { return g.s.UserByEmail(ctx, email) })
}

// UserByID is Users.UserByID under the deadline.
func (g deadlineUsers) UserByID(ctx context.Context, id int64) (User, error) {
	return Call(ctx, g.d, "UserByID", func(ctx context.Context) (User, error) { return g.s.UserByID(ctx, id) })
}

// SetPasswordHash is Users.SetPasswordHash under the deadline.
func (g deadlineUsers) SetPasswordHash(ctx context.Context, o Owner, hash string) error {
	return Do(ctx, g.d, "SetPasswordHash", func(ctx context.Context) error { return g.s.SetPasswordHash(ctx, o, hash) })
}

// UpgradePasswordHash is Users.UpgradePasswordHash under the deadline.
func (g deadlineUsers) UpgradePasswordHash(ctx context.Context, userID int64, old, next string) error {
	return Do(ctx, g.d, "UpgradePasswordHash", func(ctx context.Context) error { return g.s.UpgradePasswordHash(ctx, userID, old, next) })
}

// SetName is Users.SetName under the deadline.
func (g deadlineUsers) SetName(ctx context.Context, o Owner, name string) (User, error) {
	return Call(ctx, g.d, "SetName", func(ctx context.Context) (User, error) { return g.s.SetName(ctx, o, name) })
}

// ListUsers is Users.ListUsers under the deadline.
func (g deadlineUsers) ListUsers(ctx context.Context, rg auth.RoleGrant, p Page) ([]User, int64, error) {
	return call3(ctx, g.d, "ListUsers", func(ctx context.Context) ([]User, int64, error) { return g.s.ListUsers(ctx, rg, p) })
}

// UpdateUser is Users.UpdateUser under the deadline.
func (g deadlineUsers) UpdateUser(ctx context.Context, rg auth.RoleGrant, id int64, p UserPatch) (User, error) {
	return Call(ctx, g.d, "UpdateUser", func(ctx context.Context) (User, error) { return g.s.UpdateUser(ctx, rg, id, p) })
}

// CreateSession is Sessions.CreateSession under the deadline.
func (g deadlineSessions) CreateSession(ctx context.Context, s NewSession) (Session, error) {
	return Call(ctx, g.d, "CreateSession", func(ctx context.Context) (Session, error) { return g.s.CreateSession(ctx, s) })
}

// SessionUser is Sessions.SessionUser under the deadline; an answer the
// store has in memory (CachedSessions) comes without one.
func (g deadlineSessions) SessionUser(ctx context.Context, userID, sessionID int64, now time.Time) (User, Session, error) {
	if c, ok := g.s.(CachedSessions); ok {
		if u, ss, ok := c.CachedSessionUser(userID, sessionID, now); ok {
			return u, ss, nil
		}
	}
	return call3(ctx, g.d, "SessionUser", func(ctx context.Context) (User, Session, error) {
		return g.s.SessionUser(ctx, userID, sessionID, now)
	})
}

// WebSessionUser is WebSessions.WebSessionUser under the deadline.
func (g deadlineWebSessions) WebSessionUser(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (User, Session, error) {
	return call3(ctx, g.d, "WebSessionUser", func(ctx context.Context) (User, Session, error) {
		return g.s.WebSessionUser(ctx, hash, now, idle)
	})
}

// RevokeWebSession is WebSessions.RevokeWebSession under the deadline.
func (g deadlineWebSessions) RevokeWebSession(ctx context.Context, hash []byte) error {
	return Do(ctx, g.d, "RevokeWebSession", func(ctx context.Context) error { return g.s.RevokeWebSession(ctx, hash) })
}

// TouchSession is Sessions.TouchSession under the deadline.
func (g deadlineSessions) TouchSession(ctx context.Context, sessionID int64, t time.Time) error {
	return Do(ctx, g.d, "TouchSession", func(ctx context.Context) error { return g.s.TouchSession(ctx, sessionID, t) })
}

// RotateRefresh is Sessions.RotateRefresh under the deadline.
func (g deadlineSessions) RotateRefresh(ctx context.Context, oldHash, newHash []byte, now time.Time, reuse time.Duration) (Session, User, error) {
	return call3(ctx, g.d, "RotateRefresh", func(ctx context.Context) (Session, User, error) {
		return g.s.RotateRefresh(ctx, oldHash, newHash, now, reuse)
	})
}

// RevokeUserSessions is Sessions.RevokeUserSessions under the deadline.
func (g deadlineSessions) RevokeUserSessions(ctx context.Context, rg auth.RoleGrant, userID int64) error {
	return Do(ctx, g.d, "RevokeUserSessions", func(ctx context.Context) error { return g.s.RevokeUserSessions(ctx, rg, userID) })
}

// Sessions is Sessions.Sessions under the deadline.
func (g deadlineSessions) Sessions(o Owner) OwnSessions {
	return deadlineOwnSessions{g.s.Sessions(o), g.d}
}

// Purge is Purger.Purge under the deadline.
func (g deadlinePurger) Purge(ctx context.Context, p Purge) (Purged, error) {
	return Call(ctx, g.d, "Purge", func(ctx context.Context) (Purged, error) { return g.s.Purge(ctx, p) })
}

// APIKeyByPrefix is APIKeys.APIKeyByPrefix under the deadline; an answer
// the store has in memory (CachedAPIKeys) comes without one.
func (g deadlineAPIKeys) APIKeyByPrefix(ctx context.Context, prefix string) (APIKey, User, error) {
	if c, ok := g.s.(CachedAPIKeys); ok {
		if k, u, ok := c.CachedAPIKey(prefix); ok {
			return k, u, nil
		}
	}
	return call3(ctx, g.d, "APIKeyByPrefix", func(ctx context.Context) (APIKey, User, error) { return g.s.APIKeyByPrefix(ctx, prefix) })
}

// TouchAPIKey is APIKeys.TouchAPIKey under the deadline.
func (g deadlineAPIKeys) TouchAPIKey(ctx context.Context, keyID int64, t time.Time) error {
	return Do(ctx, g.d, "TouchAPIKey", func(ctx context.Context) error { return g.s.TouchAPIKey(ctx, keyID, t) })
}

// APIKeys is APIKeys.APIKeys under the deadline.
func (g deadlineAPIKeys) APIKeys(o Owner) OwnAPIKeys {
	return deadlineOwnAPIKeys{g.s.APIKeys(o), g.d}
}

// CreateAccountToken is Tokens.CreateAccountToken under the deadline.
func (g deadlineTokens) CreateAccountToken(ctx context.Context, t NewAccountToken) error {
	return Do(ctx, g.d, "CreateAccountToken", func(ctx context.Context) error { return g.s.CreateAccountToken(ctx, t) })
}

// AccountTokenUser is Tokens.AccountTokenUser under the deadline.
func (g deadlineTokens) AccountTokenUser(ctx context.Context, purpose TokenPurpose, hash []byte, now time.Time) (User, error) {
	return Call(ctx, g.d, "AccountTokenUser", func(ctx context.Context) (User, error) { return g.s.AccountTokenUser(ctx, purpose, hash, now) })
}

// ResetPassword is Tokens.ResetPassword under the deadline.
func (g deadlineTokens) ResetPassword(ctx context.Context, hash []byte, passwordHash string, now time.Time) (User, error) {
	return Call(ctx, g.d, "ResetPassword", func(ctx context.Context) (User, error) { return g.s.ResetPassword(ctx, hash, passwordHash, now) })
}

// VerifyEmail is Tokens.VerifyEmail under the deadline.
func (g deadlineTokens) VerifyEmail(ctx context.Context, hash []byte, now time.Time) (User, error) {
	return Call(ctx, g.d, "VerifyEmail", func(ctx context.Context) (User, error) { return g.s.VerifyEmail(ctx, hash, now) })
}

// List is OwnSessions.List under the deadline.
func (g deadlineOwnSessions) List(ctx context.Context, now time.Time, p Page) ([]Session, int64, error) {
	return call3(ctx, g.d, "Sessions.List", func(ctx context.Context) ([]Session, int64, error) { return g.s.List(ctx, now, p) })
}

// Revoke is OwnSessions.Revoke under the deadline.
func (g deadlineOwnSessions) Revoke(ctx context.Context, id int64) error {
	return Do(ctx, g.d, "Sessions.Revoke", func(ctx context.Context) error { return g.s.Revoke(ctx, id) })
}

// RevokeOthers is OwnSessions.RevokeOthers under the deadline.
func (g deadlineOwnSessions) RevokeOthers(ctx context.Context, keep int64) error {
	return Do(ctx, g.d, "Sessions.RevokeOthers", func(ctx context.Context) error { return g.s.RevokeOthers(ctx, keep) })
}

// Create is OwnAPIKeys.Create under the deadline.
func (g deadlineOwnAPIKeys) Create(ctx context.Context, k NewAPIKey) (APIKey, error) {
	return Call(ctx, g.d, "APIKeys.Create", func(ctx context.Context) (APIKey, error) { return g.s.Create(ctx, k) })
}

// List is OwnAPIKeys.List under the deadline.
func (g deadlineOwnAPIKeys) List(ctx context.Context) ([]APIKey, error) {
	return Call(ctx, g.d, "APIKeys.List", g.s.List)
}

// Revoke is OwnAPIKeys.Revoke under the deadline.
func (g deadlineOwnAPIKeys) Revoke(ctx context.Context, id int64) error {
	return Do(ctx, g.d, "APIKeys.Revoke", func(ctx context.Context) error { return g.s.Revoke(ctx, id) })
}
