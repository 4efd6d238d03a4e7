package sqlitestore

import (
	"context"
	"errors"
	"github.com/gatehouse-dev/gatehouse/auth"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

func openTestDB(t *testing.T) *Store {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCacheNeverServesRevoked: for every write that revokes or changes
// what a lookup answers, a lookup cached just before it sees the change
// on the very next call.
func TestCacheNeverServesRevoked(t *testing.T) {
	t.Parallel()
	type fixture struct {
		db   *Store
		u    accounts.User
		sess accounts.Session
		key  accounts.APIKey
	}
	setup := func(t *testing.T) fixture {
		db := openTestDB(t)
		ctx := t.Context()
		if _, err := db.CreateUser(ctx, accounts.NewUser{Email: "root@x.test", Role: accounts.RoleAdmin, PasswordHash: "h"}); err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ann@x.test", Name: "Ann", PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := db.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour), RefreshHash: []byte("r1")})
		if err != nil {
			t.Fatal(err)
		}
		key, err := db.APIKeys(gatehousetest.Owner(u.ID)).Create(ctx, accounts.NewAPIKey{Name: "k", Prefix: "p1", Hash: []byte("h"), Scopes: []string{"notes:read"}})
		if err != nil {
			t.Fatal(err)
		}
		f := fixture{db, u, sess, key}
		// Warm the cache.
		if _, _, err := db.SessionUser(ctx, u.ID, sess.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.APIKeyByPrefix(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if _, ok := db.cache.session(sess.ID); !ok {
			t.Fatal("the session was not cached")
		}
		return f
	}
	sessionGone := func(t *testing.T, f fixture) {
		t.Helper()
		if _, _, err := f.db.SessionUser(t.Context(), f.u.ID, f.sess.ID, time.Now()); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("SessionUser after the write = %v, want ErrNotFound", err)
		}
	}
	keyGone := func(t *testing.T, f fixture) {
		t.Helper()
		if _, _, err := f.db.APIKeyByPrefix(t.Context(), "p1"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("APIKeyByPrefix after the write = %v, want ErrNotFound", err)
		}
	}
	userSeen := func(t *testing.T, f fixture, check func(accounts.User) bool) {
		t.Helper()
		u, _, err := f.db.SessionUser(t.Context(), f.u.ID, f.sess.ID, time.Now())
		if err != nil || !check(u) {
			t.Fatalf("SessionUser after the write = %+v, %v: the change is not visible", u, err)
		}
		_, ku, err := f.db.APIKeyByPrefix(t.Context(), "p1")
		if err != nil || !check(ku) {
			t.Fatalf("APIKeyByPrefix after the write = %+v, %v: the change is not visible", ku, err)
		}
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(f fixture) error
		check func(t *testing.T, f fixture)
	}{
		{"logout", func(f fixture) error { return f.db.Sessions(gatehousetest.Owner(f.u.ID)).Revoke(ctx, f.sess.ID) }, sessionGone},
		{"revoke all sessions", func(f fixture) error { return f.db.RevokeUserSessions(ctx, adminGrant(), f.u.ID) }, sessionGone},
		{"deactivate", func(f fixture) error {
			_, err := f.db.UpdateUser(ctx, adminGrant(), f.u.ID, accounts.UserPatch{Active: new(false)})
			return err
		}, func(t *testing.T, f fixture) {
			sessionGone(t, f)
			_, ku, err := f.db.APIKeyByPrefix(t.Context(), "p1")
			if err != nil || ku.Active {
				t.Fatalf("key's user after deactivation = %+v, %v; want inactive", ku, err)
			}
		}},
		{"promote", func(f fixture) error {
			_, err := f.db.UpdateUser(ctx, adminGrant(), f.u.ID, accounts.UserPatch{Role: new(accounts.RoleAdmin)})
			return err
		}, func(t *testing.T, f fixture) {
			userSeen(t, f, func(u accounts.User) bool { return u.Role == accounts.RoleAdmin })
		}},
		{"rename", func(f fixture) error { _, err := f.db.SetName(ctx, gatehousetest.Owner(f.u.ID), "Ann B."); return err }, func(t *testing.T, f fixture) {
			userSeen(t, f, func(u accounts.User) bool { return u.Name == "Ann B." })
		}},
		{"password change", func(f fixture) error { return f.db.SetPasswordHash(ctx, gatehousetest.Owner(f.u.ID), "h2") }, func(t *testing.T, f fixture) {
			userSeen(t, f, func(u accounts.User) bool { return u.PasswordHash == "h2" })
		}},
		{"refresh reuse", func(f fixture) error {
			if _, _, err := f.db.RotateRefresh(ctx, []byte("r1"), []byte("r2"), time.Now(), 0); err != nil {
				return err
			}
			if _, _, err := f.db.RotateRefresh(ctx, []byte("r1"), []byte("r3"), time.Now(), 0); !errors.Is(err, accounts.ErrRefreshReused) {
				return errors.New("reuse not detected")
			}
			return nil
		}, sessionGone},
		{"revoke key", func(f fixture) error { return f.db.APIKeys(gatehousetest.Owner(f.u.ID)).Revoke(ctx, f.key.ID) }, keyGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			if err := tt.write(f); err != nil {
				t.Fatal(err)
			}
			tt.check(t, f)
		})
	}
}

// TestCacheDropsRacingLookup: an answer read before a revoking write but
// stored after it is not kept.
func TestCacheDropsRacingLookup(t *testing.T) {
	t.Parallel()
	c := newAuthCache()
	epoch := c.begin() // a lookup starts and reads the database…
	c.dropSession(7)   // …a logout commits and drops session 7…
	c.putSession(epoch, sessionEntry{sess: accounts.Session{ID: 7}})
	if _, ok := c.session(7); ok {
		t.Fatal("a lookup that raced a revocation was cached")
	}
	c.putSession(c.begin(), sessionEntry{sess: accounts.Session{ID: 7}})
	if _, ok := c.session(7); !ok {
		t.Fatal("a lookup with a current epoch was not cached")
	}
}

func TestCacheExpiry(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := t.Context()
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ann@x.test", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(time.Hour)
	s, err := db.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SessionUser(ctx, u.ID, s.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SessionUser(ctx, u.ID, s.ID, expires.Add(time.Second)); !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("cached session after expiry = %v, want ErrNotFound", err)
	}
	if _, _, err := db.SessionUser(ctx, u.ID+1, s.ID, time.Now()); !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("cached session with another user id = %v, want ErrNotFound", err)
	}
}

func TestLockOneServer(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.db")
	a, err := OpenLocked(t.Context(), path)
	if err != nil {
		t.Fatalf("first OpenLocked = %v", err)
	}
	defer a.Close()
	if b, err := OpenLocked(t.Context(), path); err == nil {
		b.Close()
		t.Fatal("a second OpenLocked of the same database succeeded")
	}
	a.Close()
	b, err := OpenLocked(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenLocked after the first server closed = %v", err)
	}
	b.Close()
}

// adminGrant is the proof of the admin role that admin operations ask for.
func adminGrant() auth.RoleGrant { return gatehousetest.Grant(string(accounts.RoleAdmin)) }
