package notes

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// WithDeadline returns s with a deadline on every call, of s and of the
// owner views it returns (SPEC §5 Deadlines): each call runs under a
// context that ends timeout after the call starts, and an error that came
// of that deadline is ErrUnavailable. classify is the engine's mapping of
// its driver's errors that mean "unavailable, try again" (connection
// refused, disk full, …) to ErrUnavailable (see Unavailable); it sees
// every error a call returns and returns other errors unchanged. An error
// that came of the caller's own context ending is left as it is. observe,
// when not nil, is told how long each call took, by operation
// ("UserByEmail", "Notes.Create"): for a latency metric.
func WithDeadline(s Store, timeout time.Duration, classify func(error) error, observe func(op string, d time.Duration)) Store {
	return deadlineStore{s: s, d: deadline{timeout: timeout, classify: classify, observe: observe}}
}

// deadline is the policy WithDeadline applies to each call.
type deadline struct {
	timeout  time.Duration
	classify func(error) error
	observe  func(op string, d time.Duration) // nil: not told
}

// start returns the context of one call of op and the func that ends it.
func (d deadline) start(ctx context.Context, op string) (context.Context, func()) {
	cctx, cancel := context.WithTimeout(ctx, d.timeout)
	if d.observe == nil {
		return cctx, cancel
	}
	begun := time.Now()
	return cctx, func() {
		cancel()
		d.observe(op, time.Since(begun))
	}
}

// err maps the error of a call that ran under cctx, derived from parent.
func (d deadline) err(parent, cctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case parent.Err() != nil:
		return err // the caller gave up: not the database's fault
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		return Unavailable(err)
	}
	return d.classify(err)
}

// call1 runs fn under the deadline.
func call1(ctx context.Context, d deadline, op string, fn func(context.Context) error) error {
	cctx, cancel := d.start(ctx, op)
	defer cancel()
	return d.err(ctx, cctx, fn(cctx))
}

// call2 runs fn, which returns a value, under the deadline.
func call2[T any](ctx context.Context, d deadline, op string, fn func(context.Context) (T, error)) (T, error) {
	cctx, cancel := d.start(ctx, op)
	defer cancel()
	v, err := fn(cctx)
	return v, d.err(ctx, cctx, err)
}

// call3 runs fn, which returns two values, under the deadline.
func call3[T, U any](ctx context.Context, d deadline, op string, fn func(context.Context) (T, U, error)) (T, U, error) {
	cctx, cancel := d.start(ctx, op)
	defer cancel()
	v, w, err := fn(cctx)
	return v, w, d.err(ctx, cctx, err)
}

// deadlineStore is the Store of WithDeadline.
type deadlineStore struct {
	s Store
	d deadline
}

var _ Store = deadlineStore{}

// CreateUser is Store.CreateUser under the deadline.
func (g deadlineStore) CreateUser(ctx context.Context, u NewUser) (User, error) {
	return call2(ctx, g.d, "CreateUser", func(ctx context.Context) (User, error) { return g.s.CreateUser(ctx, u) })
}

// UserByEmail is Store.UserByEmail under the deadline.
func (g deadlineStore) UserByEmail(ctx context.Context, email string) (User, error) {
	return call2(ctx, g.d, "UserByEmail", func(ctx context.Context) (User, error) { return g.s.UserByEmail(ctx, email) })
}

// UserByID is Store.UserByID under the deadline.
func (g deadlineStore) UserByID(ctx context.Context, id int64) (User, error) {
	return call2(ctx, g.d, "UserByID", func(ctx context.Context) (User, error) { return g.s.UserByID(ctx, id) })
}

// SetPasswordHash is Store.SetPasswordHash under the deadline.
func (g deadlineStore) SetPasswordHash(ctx context.Context, o Owner, hash string) error {
	return call1(ctx, g.d, "SetPasswordHash", func(ctx context.Context) error { return g.s.SetPasswordHash(ctx, o, hash) })
}

// UpgradePasswordHash is Store.UpgradePasswordHash under the deadline.
func (g deadlineStore) UpgradePasswordHash(ctx context.Context, userID int64, old, next string) error {
	return call1(ctx, g.d, "UpgradePasswordHash", func(ctx context.Context) error { return g.s.UpgradePasswordHash(ctx, userID, old, next) })
}

// SetName is Store.SetName under the deadline.
func (g deadlineStore) SetName(ctx context.Context, o Owner, name string) (User, error) {
	return call2(ctx, g.d, "SetName", func(ctx context.Context) (User, error) { return g.s.SetName(ctx, o, name) })
}

// ListUsers is Store.ListUsers under the deadline.
func (g deadlineStore) ListUsers(ctx context.Context, rg auth.RoleGrant, p Page) ([]User, int64, error) {
	return call3(ctx, g.d, "ListUsers", func(ctx context.Context) ([]User, int64, error) { return g.s.ListUsers(ctx, rg, p) })
}

// UpdateUser is Store.UpdateUser under the deadline.
func (g deadlineStore) UpdateUser(ctx context.Context, rg auth.RoleGrant, id int64, p UserPatch) (User, error) {
	return call2(ctx, g.d, "UpdateUser", func(ctx context.Context) (User, error) { return g.s.UpdateUser(ctx, rg, id, p) })
}

// CreateSession is Store.CreateSession under the deadline.
func (g deadlineStore) CreateSession(ctx context.Context, s NewSession) (Session, error) {
	return call2(ctx, g.d, "CreateSession", func(ctx context.Context) (Session, error) { return g.s.CreateSession(ctx, s) })
}

// SessionUser is Store.SessionUser under the deadline.
func (g deadlineStore) SessionUser(ctx context.Context, userID, sessionID int64, now time.Time) (User, Session, error) {
	return call3(ctx, g.d, "SessionUser", func(ctx context.Context) (User, Session, error) {
		return g.s.SessionUser(ctx, userID, sessionID, now)
	})
}

// WebSessionUser is Store.WebSessionUser under the deadline.
func (g deadlineStore) WebSessionUser(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (User, Session, error) {
	return call3(ctx, g.d, "WebSessionUser", func(ctx context.Context) (User, Session, error) {
		return g.s.WebSessionUser(ctx, hash, now, idle)
	})
}

// RevokeWebSession is Store.RevokeWebSession under the deadline.
func (g deadlineStore) RevokeWebSession(ctx context.Context, hash []byte) error {
	return call1(ctx, g.d, "RevokeWebSession", func(ctx context.Context) error { return g.s.RevokeWebSession(ctx, hash) })
}

// TouchSession is Store.TouchSession under the deadline.
func (g deadlineStore) TouchSession(ctx context.Context, sessionID int64, t time.Time) error {
	return call1(ctx, g.d, "TouchSession", func(ctx context.Context) error { return g.s.TouchSession(ctx, sessionID, t) })
}

// RotateRefresh is Store.RotateRefresh under the deadline.
func (g deadlineStore) RotateRefresh(ctx context.Context, oldHash, newHash []byte, now time.Time, reuse time.Duration) (Session, User, error) {
	return call3(ctx, g.d, "RotateRefresh", func(ctx context.Context) (Session, User, error) {
		return g.s.RotateRefresh(ctx, oldHash, newHash, now, reuse)
	})
}

// RevokeUserSessions is Store.RevokeUserSessions under the deadline.
func (g deadlineStore) RevokeUserSessions(ctx context.Context, rg auth.RoleGrant, userID int64) error {
	return call1(ctx, g.d, "RevokeUserSessions", func(ctx context.Context) error { return g.s.RevokeUserSessions(ctx, rg, userID) })
}

// Sessions is Store.Sessions under the deadline.
func (g deadlineStore) Sessions(o Owner) SessionStore {
	return deadlineSessions{s: g.s.Sessions(o), d: g.d}
}

// Purge is Store.Purge under the deadline.
func (g deadlineStore) Purge(ctx context.Context, p Purge) (Purged, error) {
	return call2(ctx, g.d, "Purge", func(ctx context.Context) (Purged, error) { return g.s.Purge(ctx, p) })
}

// APIKeyByPrefix is Store.APIKeyByPrefix under the deadline.
func (g deadlineStore) APIKeyByPrefix(ctx context.Context, prefix string) (APIKey, User, error) {
	return call3(ctx, g.d, "APIKeyByPrefix", func(ctx context.Context) (APIKey, User, error) { return g.s.APIKeyByPrefix(ctx, prefix) })
}

// TouchAPIKey is Store.TouchAPIKey under the deadline.
func (g deadlineStore) TouchAPIKey(ctx context.Context, keyID int64, t time.Time) error {
	return call1(ctx, g.d, "TouchAPIKey", func(ctx context.Context) error { return g.s.TouchAPIKey(ctx, keyID, t) })
}

// APIKeys is Store.APIKeys under the deadline.
func (g deadlineStore) APIKeys(o Owner) APIKeyStore {
	return deadlineAPIKeys{s: g.s.APIKeys(o), d: g.d}
}

// Notes is Store.Notes under the deadline.
func (g deadlineStore) Notes(o Owner) NoteStore {
	return deadlineNotes{s: g.s.Notes(o), d: g.d}
}

// DeleteAnyNote is Store.DeleteAnyNote under the deadline.
func (g deadlineStore) DeleteAnyNote(ctx context.Context, rg auth.RoleGrant, id int64) (int64, error) {
	return call2(ctx, g.d, "DeleteAnyNote", func(ctx context.Context) (int64, error) { return g.s.DeleteAnyNote(ctx, rg, id) })
}

// Ping is Store.Ping under the deadline.
func (g deadlineStore) Ping(ctx context.Context) error {
	return call1(ctx, g.d, "Ping", g.s.Ping)
}

// Close closes the store (no deadline).
func (g deadlineStore) Close() error { return g.s.Close() }

// deadlineNotes is a NoteStore of WithDeadline.
type deadlineNotes struct {
	s NoteStore
	d deadline
}

// Create is NoteStore.Create under the deadline.
func (g deadlineNotes) Create(ctx context.Context, in NoteInput) (Note, error) {
	return call2(ctx, g.d, "Notes.Create", func(ctx context.Context) (Note, error) { return g.s.Create(ctx, in) })
}

// Get is NoteStore.Get under the deadline.
func (g deadlineNotes) Get(ctx context.Context, id int64) (Note, error) {
	return call2(ctx, g.d, "Notes.Get", func(ctx context.Context) (Note, error) { return g.s.Get(ctx, id) })
}

// List is NoteStore.List under the deadline.
func (g deadlineNotes) List(ctx context.Context, p Page) ([]Note, int64, error) {
	return call3(ctx, g.d, "Notes.List", func(ctx context.Context) ([]Note, int64, error) { return g.s.List(ctx, p) })
}

// Update is NoteStore.Update under the deadline.
func (g deadlineNotes) Update(ctx context.Context, id int64, p NotePatch) (Note, error) {
	return call2(ctx, g.d, "Notes.Update", func(ctx context.Context) (Note, error) { return g.s.Update(ctx, id, p) })
}

// Delete is NoteStore.Delete under the deadline.
func (g deadlineNotes) Delete(ctx context.Context, id int64) error {
	return call1(ctx, g.d, "Notes.Delete", func(ctx context.Context) error { return g.s.Delete(ctx, id) })
}

// deadlineSessions is a SessionStore of WithDeadline.
type deadlineSessions struct {
	s SessionStore
	d deadline
}

// List is SessionStore.List under the deadline.
func (g deadlineSessions) List(ctx context.Context, now time.Time, p Page) ([]Session, int64, error) {
	return call3(ctx, g.d, "Sessions.List", func(ctx context.Context) ([]Session, int64, error) { return g.s.List(ctx, now, p) })
}

// Revoke is SessionStore.Revoke under the deadline.
func (g deadlineSessions) Revoke(ctx context.Context, id int64) error {
	return call1(ctx, g.d, "Sessions.Revoke", func(ctx context.Context) error { return g.s.Revoke(ctx, id) })
}

// RevokeOthers is SessionStore.RevokeOthers under the deadline.
func (g deadlineSessions) RevokeOthers(ctx context.Context, keep int64) error {
	return call1(ctx, g.d, "Sessions.RevokeOthers", func(ctx context.Context) error { return g.s.RevokeOthers(ctx, keep) })
}

// deadlineAPIKeys is an APIKeyStore of WithDeadline.
type deadlineAPIKeys struct {
	s APIKeyStore
	d deadline
}

// Create is APIKeyStore.Create under the deadline.
func (g deadlineAPIKeys) Create(ctx context.Context, k NewAPIKey) (APIKey, error) {
	return call2(ctx, g.d, "APIKeys.Create", func(ctx context.Context) (APIKey, error) { return g.s.Create(ctx, k) })
}

// List is APIKeyStore.List under the deadline.
func (g deadlineAPIKeys) List(ctx context.Context) ([]APIKey, error) {
	return call2(ctx, g.d, "APIKeys.List", g.s.List)
}

// Revoke is APIKeyStore.Revoke under the deadline.
func (g deadlineAPIKeys) Revoke(ctx context.Context, id int64) error {
	return call1(ctx, g.d, "APIKeys.Revoke", func(ctx context.Context) error { return g.s.Revoke(ctx, id) })
}

// CreateAccountToken is Store.CreateAccountToken under the deadline.
func (g deadlineStore) CreateAccountToken(ctx context.Context, t NewAccountToken) error {
	return call1(ctx, g.d, "CreateAccountToken", func(ctx context.Context) error { return g.s.CreateAccountToken(ctx, t) })
}

// AccountTokenUser is Store.AccountTokenUser under the deadline.
func (g deadlineStore) AccountTokenUser(ctx context.Context, purpose TokenPurpose, hash []byte, now time.Time) (User, error) {
	return call2(ctx, g.d, "AccountTokenUser", func(ctx context.Context) (User, error) { return g.s.AccountTokenUser(ctx, purpose, hash, now) })
}

// ResetPassword is Store.ResetPassword under the deadline.
func (g deadlineStore) ResetPassword(ctx context.Context, hash []byte, passwordHash string, now time.Time) (User, error) {
	return call2(ctx, g.d, "ResetPassword", func(ctx context.Context) (User, error) { return g.s.ResetPassword(ctx, hash, passwordHash, now) })
}

// VerifyEmail is Store.VerifyEmail under the deadline.
func (g deadlineStore) VerifyEmail(ctx context.Context, hash []byte, now time.Time) (User, error) {
	return call2(ctx, g.d, "VerifyEmail", func(ctx context.Context) (User, error) { return g.s.VerifyEmail(ctx, hash, now) })
}
