package accountstest

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// webSessionBehaviours are the rules about web (cookie) sessions, which
// live in the sessions table too, found by the hash of their cookie.
var webSessionBehaviours = []behaviour{
	{"WebSessionUser", testWebSessionUser},
	{"WebSessionUserNotFound", testWebSessionUserNotFound},
	{"WebSessionIdle", testWebSessionIdle},
	{"WebSessionRevocation", testWebSessionRevocation},
	{"RevokeWebSession", testRevokeWebSession},
	{"WebSessionHashUnique", testWebSessionHashUnique},
}

// idle is the idle timeout the web-session behaviours use.
const idle = 30 * time.Minute

// newWebSession creates a web session of userID with cookie hash hash.
func newWebSession(t *testing.T, s Store, userID int64, hash []byte, expires time.Time) accounts.Session {
	t.Helper()
	ss, err := s.CreateSession(t.Context(), accounts.NewSession{
		UserID:    userID,
		UserAgent: "storetest-browser/1.0",
		IP:        "192.0.2.2",
		Scopes:    []string{scopeRead, scopeWrite},
		ExpiresAt: expires,
		WebHash:   hash,
	})
	noErr(t, "CreateSession(web)", err)
	return ss
}

// wantWebSessionGone fails t unless WebSessionUser reports ErrNotFound.
func wantWebSessionGone(t *testing.T, s Store, what string, hash []byte, now time.Time) {
	t.Helper()
	_, _, err := s.WebSessionUser(t.Context(), hash, now, idle)
	wantErr(t, "WebSessionUser("+what+")", err, accounts.ErrNotFound)
}

func testWebSessionUser(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	hash := randomHash()
	ss := newWebSession(t, s, u.ID, hash, live())

	got, gotSess, err := s.WebSessionUser(ctx, hash, time.Now(), idle)
	noErr(t, "WebSessionUser", err)
	diff(t, "WebSessionUser() user", u, got)
	diff(t, "WebSessionUser() session", ss, gotSess, approxTime)
	wantUTC(t, "WebSessionUser() times", gotSess.CreatedAt, gotSess.LastSeenAt, gotSess.ExpiresAt)

	// It is a session like any other: listed, and live for SessionUser.
	list, _, err := s.Sessions(owner(u)).List(ctx, time.Now(), accounts.Page{})
	noErr(t, "Sessions.List", err)
	if len(list) != 1 || list[0].ID != ss.ID {
		t.Errorf("Sessions.List() = %+v, want the web session %d", list, ss.ID)
	}

	// An inactive user is returned; the caller decides.
	_, err = s.UpdateUser(ctx, adminGrant(), u.ID, accounts.UserPatch{Active: ptr(false)})
	noErr(t, "UpdateUser(deactivate)", err)
	hash2 := randomHash()
	newWebSession(t, s, u.ID, hash2, live())
	got, _, err = s.WebSessionUser(ctx, hash2, time.Now(), idle)
	noErr(t, "WebSessionUser(inactive user)", err)
	if got.ID != u.ID || got.Active {
		t.Errorf("WebSessionUser(inactive user) = id %d active %v, want id %d active false", got.ID, got.Active, u.ID)
	}
}

func testWebSessionUserNotFound(t *testing.T, s Store) {
	u := newUser(t, s, "ann", "")
	hash := randomHash()
	ss := newWebSession(t, s, u.ID, hash, live())
	refresh := randomHash()
	_, err := s.CreateSession(t.Context(), accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: refresh})
	noErr(t, "CreateSession(token)", err)
	expiredHash := randomHash()
	newWebSession(t, s, u.ID, expiredHash, time.Now().Add(-time.Minute))

	wantWebSessionGone(t, s, "unknown hash", randomHash(), time.Now())
	wantWebSessionGone(t, s, "empty hash", nil, time.Now())
	wantWebSessionGone(t, s, "a token session's refresh hash", refresh, time.Now())
	wantWebSessionGone(t, s, "expired", expiredHash, time.Now())
	wantWebSessionGone(t, s, "at expiry", hash, ss.ExpiresAt)
}

func testWebSessionIdle(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	hash := randomHash()
	ss := newWebSession(t, s, u.ID, hash, time.Now().Add(12*time.Hour))

	if _, _, err := s.WebSessionUser(ctx, hash, ss.LastSeenAt.Add(idle-time.Second), idle); err != nil {
		t.Errorf("WebSessionUser(a second before the idle timeout) = %v, want the user", err)
	}
	wantWebSessionGone(t, s, "at the idle timeout", hash, ss.LastSeenAt.Add(idle))

	// Use keeps it alive: seen 20 minutes later, it lives 20 minutes longer.
	seen := ss.LastSeenAt.Add(20 * time.Minute)
	noErr(t, "TouchSession", s.TouchSession(ctx, ss.ID, seen))
	_, got, err := s.WebSessionUser(ctx, hash, seen.Add(idle-time.Second), idle)
	noErr(t, "WebSessionUser(after TouchSession)", err)
	if !got.LastSeenAt.Equal(seen.UTC().Truncate(time.Microsecond)) {
		t.Errorf("WebSessionUser().LastSeenAt = %v, want %v", got.LastSeenAt, seen)
	}
	wantWebSessionGone(t, s, "idle after TouchSession", hash, seen.Add(idle))
}

func testWebSessionRevocation(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")

	// The owner revokes it (logout).
	h1 := randomHash()
	s1 := newWebSession(t, s, u.ID, h1, live())
	err := s.Sessions(owner(v)).Revoke(ctx, s1.ID)
	wantErr(t, "Sessions(other).Revoke(web session)", err, accounts.ErrNotFound)
	noErr(t, "Sessions.Revoke(web session)", s.Sessions(owner(u)).Revoke(ctx, s1.ID))
	wantWebSessionGone(t, s, "revoked", h1, time.Now())

	// Revoke-all ends web sessions too.
	h2 := randomHash()
	newWebSession(t, s, u.ID, h2, live())
	noErr(t, "RevokeUserSessions", s.RevokeUserSessions(ctx, adminGrant(), u.ID))
	wantWebSessionGone(t, s, "after RevokeUserSessions", h2, time.Now())

	// So does deactivation; someone else's web session lives on.
	h3 := randomHash()
	newWebSession(t, s, u.ID, h3, live())
	hv := randomHash()
	newWebSession(t, s, v.ID, hv, live())
	_, err = s.UpdateUser(ctx, adminGrant(), u.ID, accounts.UserPatch{Active: ptr(false)})
	noErr(t, "UpdateUser(deactivate)", err)
	wantWebSessionGone(t, s, "after deactivation", h3, time.Now())
	if _, _, err := s.WebSessionUser(ctx, hv, time.Now(), idle); err != nil {
		t.Errorf("WebSessionUser(other user's) = %v, want the user", err)
	}
}

// testRevokeWebSession: knowing the cookie ends its session (logout from
// the browser), looked up just before or not, and no other session;
// an unknown or already revoked cookie is no error.
func testRevokeWebSession(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	h, other := randomHash(), randomHash()
	ss := newWebSession(t, s, u.ID, h, live())
	newWebSession(t, s, u.ID, other, live())
	tokens := newSession(t, s, u.ID, live())
	if _, _, err := s.WebSessionUser(ctx, h, time.Now(), idle); err != nil {
		t.Fatalf("WebSessionUser() before the revocation = %v, want the user", err)
	}

	noErr(t, "RevokeWebSession", s.RevokeWebSession(ctx, h))
	wantWebSessionGone(t, s, "after RevokeWebSession", h, time.Now())
	wantSessionGone(t, s, u.ID, ss.ID)
	if _, _, err := s.WebSessionUser(ctx, other, time.Now(), idle); err != nil {
		t.Errorf("WebSessionUser(the user's other cookie) = %v, want the user", err)
	}
	wantSessionLive(t, s, u.ID, tokens.ID)

	noErr(t, "RevokeWebSession(again)", s.RevokeWebSession(ctx, h))
	noErr(t, "RevokeWebSession(unknown cookie)", s.RevokeWebSession(ctx, randomHash()))
}

func testWebSessionHashUnique(t *testing.T, s Store) {
	u := newUser(t, s, "ann", "")
	hash := randomHash()
	newWebSession(t, s, u.ID, hash, live())
	_, err := s.CreateSession(t.Context(), accounts.NewSession{UserID: u.ID, ExpiresAt: live(), WebHash: hash})
	if err == nil || errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("CreateSession(duplicate web hash) = %v, want a conflict error", err)
	}
}
