package main

import (
	"context"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// timedStore is a notes.Store that reports how long each call takes, by
// operation ("UserByEmail", "Notes.Create"), for the database call latency
// metric. It changes nothing else: errors and results pass through.
type timedStore struct {
	s       notes.Store
	observe func(op string, d time.Duration)
}

var _ notes.Store = timedStore{}

// done reports the call op that started at start.
func (t timedStore) done(op string, start time.Time) { t.observe(op, time.Since(start)) }

func (t timedStore) CreateUser(ctx context.Context, u notes.NewUser) (notes.User, error) {
	defer t.done("CreateUser", time.Now())
	return t.s.CreateUser(ctx, u)
}

func (t timedStore) UserByEmail(ctx context.Context, email string) (notes.User, error) {
	defer t.done("UserByEmail", time.Now())
	return t.s.UserByEmail(ctx, email)
}

func (t timedStore) UserByID(ctx context.Context, id int64) (notes.User, error) {
	defer t.done("UserByID", time.Now())
	return t.s.UserByID(ctx, id)
}

func (t timedStore) SetPasswordHash(ctx context.Context, o notes.Owner, hash string) error {
	defer t.done("SetPasswordHash", time.Now())
	return t.s.SetPasswordHash(ctx, o, hash)
}

func (t timedStore) UpgradePasswordHash(ctx context.Context, userID int64, old, next string) error {
	defer t.done("UpgradePasswordHash", time.Now())
	return t.s.UpgradePasswordHash(ctx, userID, old, next)
}

func (t timedStore) SetName(ctx context.Context, o notes.Owner, name string) (notes.User, error) {
	defer t.done("SetName", time.Now())
	return t.s.SetName(ctx, o, name)
}

func (t timedStore) ListUsers(ctx context.Context, g auth.RoleGrant, p notes.Page) ([]notes.User, int64, error) {
	defer t.done("ListUsers", time.Now())
	return t.s.ListUsers(ctx, g, p)
}

func (t timedStore) UpdateUser(ctx context.Context, g auth.RoleGrant, id int64, p notes.UserPatch) (notes.User, error) {
	defer t.done("UpdateUser", time.Now())
	return t.s.UpdateUser(ctx, g, id, p)
}

func (t timedStore) CreateSession(ctx context.Context, s notes.NewSession) (notes.Session, error) {
	defer t.done("CreateSession", time.Now())
	return t.s.CreateSession(ctx, s)
}

func (t timedStore) SessionUser(ctx context.Context, userID, sessionID int64, now time.Time) (notes.User, notes.Session, error) {
	defer t.done("SessionUser", time.Now())
	return t.s.SessionUser(ctx, userID, sessionID, now)
}

func (t timedStore) WebSessionUser(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (notes.User, notes.Session, error) {
	defer t.done("WebSessionUser", time.Now())
	return t.s.WebSessionUser(ctx, hash, now, idle)
}

func (t timedStore) RevokeWebSession(ctx context.Context, hash []byte) error {
	defer t.done("RevokeWebSession", time.Now())
	return t.s.RevokeWebSession(ctx, hash)
}

func (t timedStore) TouchSession(ctx context.Context, sessionID int64, at time.Time) error {
	defer t.done("TouchSession", time.Now())
	return t.s.TouchSession(ctx, sessionID, at)
}

func (t timedStore) RotateRefresh(ctx context.Context, oldHash, newHash []byte, now time.Time, reuse time.Duration) (notes.Session, notes.User, error) {
	defer t.done("RotateRefresh", time.Now())
	return t.s.RotateRefresh(ctx, oldHash, newHash, now, reuse)
}

func (t timedStore) RevokeUserSessions(ctx context.Context, g auth.RoleGrant, userID int64) error {
	defer t.done("RevokeUserSessions", time.Now())
	return t.s.RevokeUserSessions(ctx, g, userID)
}

func (t timedStore) Sessions(o notes.Owner) notes.SessionStore {
	return timedSessions{t: t, s: t.s.Sessions(o)}
}

func (t timedStore) Purge(ctx context.Context, p notes.Purge) (notes.Purged, error) {
	defer t.done("Purge", time.Now())
	return t.s.Purge(ctx, p)
}

func (t timedStore) APIKeyByPrefix(ctx context.Context, prefix string) (notes.APIKey, notes.User, error) {
	defer t.done("APIKeyByPrefix", time.Now())
	return t.s.APIKeyByPrefix(ctx, prefix)
}

func (t timedStore) TouchAPIKey(ctx context.Context, keyID int64, at time.Time) error {
	defer t.done("TouchAPIKey", time.Now())
	return t.s.TouchAPIKey(ctx, keyID, at)
}

func (t timedStore) APIKeys(o notes.Owner) notes.APIKeyStore {
	return timedAPIKeys{t: t, s: t.s.APIKeys(o)}
}

func (t timedStore) Notes(o notes.Owner) notes.NoteStore {
	return timedNotes{t: t, s: t.s.Notes(o)}
}

func (t timedStore) DeleteAnyNote(ctx context.Context, g auth.RoleGrant, id int64) (int64, error) {
	defer t.done("DeleteAnyNote", time.Now())
	return t.s.DeleteAnyNote(ctx, g, id)
}

func (t timedStore) Ping(ctx context.Context) error {
	defer t.done("Ping", time.Now())
	return t.s.Ping(ctx)
}

func (t timedStore) Close() error { return t.s.Close() }

// timedSessions is one owner's timed SessionStore.
type timedSessions struct {
	t timedStore
	s notes.SessionStore
}

func (ts timedSessions) List(ctx context.Context, now time.Time, p notes.Page) ([]notes.Session, int64, error) {
	defer ts.t.done("Sessions.List", time.Now())
	return ts.s.List(ctx, now, p)
}

func (ts timedSessions) Revoke(ctx context.Context, id int64) error {
	defer ts.t.done("Sessions.Revoke", time.Now())
	return ts.s.Revoke(ctx, id)
}

func (ts timedSessions) RevokeOthers(ctx context.Context, keep int64) error {
	defer ts.t.done("Sessions.RevokeOthers", time.Now())
	return ts.s.RevokeOthers(ctx, keep)
}

// timedAPIKeys is one owner's timed APIKeyStore.
type timedAPIKeys struct {
	t timedStore
	s notes.APIKeyStore
}

func (tk timedAPIKeys) Create(ctx context.Context, k notes.NewAPIKey) (notes.APIKey, error) {
	defer tk.t.done("APIKeys.Create", time.Now())
	return tk.s.Create(ctx, k)
}

func (tk timedAPIKeys) List(ctx context.Context) ([]notes.APIKey, error) {
	defer tk.t.done("APIKeys.List", time.Now())
	return tk.s.List(ctx)
}

func (tk timedAPIKeys) Revoke(ctx context.Context, id int64) error {
	defer tk.t.done("APIKeys.Revoke", time.Now())
	return tk.s.Revoke(ctx, id)
}

// timedNotes is one owner's timed NoteStore.
type timedNotes struct {
	t timedStore
	s notes.NoteStore
}

func (tn timedNotes) Create(ctx context.Context, in notes.NoteInput) (notes.Note, error) {
	defer tn.t.done("Notes.Create", time.Now())
	return tn.s.Create(ctx, in)
}

func (tn timedNotes) Get(ctx context.Context, id int64) (notes.Note, error) {
	defer tn.t.done("Notes.Get", time.Now())
	return tn.s.Get(ctx, id)
}

func (tn timedNotes) List(ctx context.Context, p notes.Page) ([]notes.Note, int64, error) {
	defer tn.t.done("Notes.List", time.Now())
	return tn.s.List(ctx, p)
}

func (tn timedNotes) Update(ctx context.Context, id int64, p notes.NotePatch) (notes.Note, error) {
	defer tn.t.done("Notes.Update", time.Now())
	return tn.s.Update(ctx, id, p)
}

func (tn timedNotes) Delete(ctx context.Context, id int64) error {
	defer tn.t.done("Notes.Delete", time.Now())
	return tn.s.Delete(ctx, id)
}
