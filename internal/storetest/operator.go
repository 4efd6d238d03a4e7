package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Operator is an engine's store with the operator's methods, which the CLI
// uses to act for the user it names.
type Operator interface {
	Store
	OperatorListUsers(ctx context.Context, p notes.Page) ([]accounts.User, int64, error)
	OperatorUpdateUser(ctx context.Context, id int64, p accounts.UserPatch) (accounts.User, error)
	SetPasswordHashFor(ctx context.Context, userID int64, hash string) error
	RevokeAllSessionsFor(ctx context.Context, userID int64) error
	APIKeysFor(ctx context.Context, userID int64) ([]accounts.APIKey, error)
	OperatorRevokeAPIKey(ctx context.Context, userID, id int64) error
}

// RunOperator checks the operator's methods on a fresh, empty, migrated
// store from open: they act on the user they are given, keep the
// last-admin rule, and what they revoke stops working at once, cached or
// not.
func RunOperator(t *testing.T, open func(t *testing.T) Operator) {
	t.Helper()
	t.Parallel()
	ctx := t.Context()
	db := open(t)
	admin, err := db.CreateUser(ctx, accounts.NewUser{Email: "root@x.test", Role: accounts.RoleAdmin, PasswordHash: "h0"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ann@x.test", PasswordHash: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	users, next, err := db.OperatorListUsers(ctx, notes.Page{Limit: 10})
	if err != nil || len(users) != 2 || next != 0 || users[0].ID != u.ID {
		t.Fatalf("OperatorListUsers() = %v, %d, %v; want ann then root, no next page", users, next, err)
	}

	deactivate, user := false, accounts.RoleUser
	if _, err := db.OperatorUpdateUser(ctx, admin.ID, accounts.UserPatch{Active: &deactivate}); !errors.Is(err, accounts.ErrLastAdmin) {
		t.Errorf("OperatorUpdateUser(deactivate last admin) = %v, want ErrLastAdmin", err)
	}
	if _, err := db.OperatorUpdateUser(ctx, admin.ID, accounts.UserPatch{Role: &user}); !errors.Is(err, accounts.ErrLastAdmin) {
		t.Errorf("OperatorUpdateUser(demote last admin) = %v, want ErrLastAdmin", err)
	}
	if _, err := db.OperatorUpdateUser(ctx, 9999, accounts.UserPatch{Active: &deactivate}); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("OperatorUpdateUser(unknown) = %v, want ErrNotFound", err)
	}

	newSession := func(refresh string) accounts.Session {
		t.Helper()
		s, err := db.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour), RefreshHash: []byte(refresh)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionUser(ctx, u.ID, s.ID, time.Now()); err != nil { // cache it
			t.Fatal(err)
		}
		return s
	}
	live := func(s accounts.Session) bool {
		_, _, err := db.SessionUser(ctx, u.ID, s.ID, time.Now())
		return err == nil
	}

	s1 := newSession("r1")
	if err := db.RevokeAllSessionsFor(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if live(s1) {
		t.Error("session live after RevokeAllSessionsFor, want revoked")
	}

	s2 := newSession("r2")
	if err := db.SetPasswordHashFor(ctx, u.ID, "h2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.UserByID(ctx, u.ID); got.PasswordHash != "h2" {
		t.Errorf("hash after SetPasswordHashFor = %q, want h2", got.PasswordHash)
	}
	if live(s2) {
		t.Error("session live after SetPasswordHashFor, want revoked")
	}
	if err := db.SetPasswordHashFor(ctx, 9999, "h"); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("SetPasswordHashFor(unknown) = %v, want ErrNotFound", err)
	}

	k, err := db.APIKeys(gatehousetest.Owner(u.ID)).Create(ctx, accounts.NewAPIKey{Name: "k", Prefix: "p1", Hash: []byte("h"), Scopes: []string{"notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.APIKeyByPrefix(ctx, "p1"); err != nil { // cache it
		t.Fatal(err)
	}
	keys, err := db.APIKeysFor(ctx, u.ID)
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
		t.Fatalf("APIKeysFor() = %v, %v; want the one key", keys, err)
	}
	if err := db.OperatorRevokeAPIKey(ctx, admin.ID, k.ID); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("OperatorRevokeAPIKey(another user's key) = %v, want ErrNotFound", err)
	}
	if err := db.OperatorRevokeAPIKey(ctx, u.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.APIKeyByPrefix(ctx, "p1"); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("APIKeyByPrefix after OperatorRevokeAPIKey = %v, want ErrNotFound", err)
	}
	if keys, _ := db.APIKeysFor(ctx, u.ID); len(keys) != 0 {
		t.Errorf("APIKeysFor() after revoke = %v, want none", keys)
	}
}
