package accountstest

import (
	"fmt"
	"github.com/gatehouse-dev/gatehouse/auth"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// sessionBehaviours are the rules about login sessions.
var sessionBehaviours = []behaviour{
	{"CreateSession", testCreateSession},
	{"SessionUserNotFound", testSessionUserNotFound},
	{"SessionUserInactiveUser", testSessionUserInactiveUser},
	{"RevokeOthersAndAdminRevoke", testRevokeUserSessionsKeeps},
	{"SessionsList", testSessionsList},
	{"SessionsRevoke", testSessionsRevoke},
	{"SessionsZeroOwner", testSessionsZeroOwner},
}

func testCreateSession(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	expires := time.Now().Add(30 * 24 * time.Hour)
	before := time.Now()
	in := accounts.NewSession{UserID: u.ID, UserAgent: "Mozilla/5.0", IP: "2001:db8::1", Scopes: []string{scopeRead}, ExpiresAt: expires, RefreshHash: []byte("refresh-hash-refresh-hash-refres")}
	ss, err := s.CreateSession(ctx, in)
	noErr(t, "CreateSession", err)
	after := time.Now()

	if ss.ID <= 0 {
		t.Errorf("CreateSession().ID = %d, want > 0", ss.ID)
	}
	want := accounts.Session{ID: ss.ID, UserID: u.ID, UserAgent: in.UserAgent, IP: in.IP, Scopes: in.Scopes, CreatedAt: ss.CreatedAt, LastSeenAt: ss.CreatedAt, ExpiresAt: expires}
	diff(t, "CreateSession()", want, ss, approxTime)
	wantNear(t, "CreateSession().CreatedAt", ss.CreatedAt, before, after)
	wantUTC(t, "CreateSession() times", ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt)

	got, gotSess, err := s.SessionUser(ctx, u.ID, ss.ID, time.Now())
	noErr(t, "SessionUser", err)
	diff(t, fmt.Sprintf("SessionUser(%d, %d)", u.ID, ss.ID), u, got)
	wantUTC(t, "SessionUser().CreatedAt", got.CreatedAt)
	if gotSess.ID != ss.ID || gotSess.UserID != u.ID || !gotSess.ExpiresAt.Equal(ss.ExpiresAt) || !gotSess.LastSeenAt.Equal(ss.LastSeenAt) {
		t.Errorf("SessionUser(%d, %d) session = %+v, want %+v", u.ID, ss.ID, gotSess, ss)
	}

	// Without a refresh hash too.
	_, err = s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: expires})
	noErr(t, "CreateSession(no refresh hash)", err)
}

func testSessionUserNotFound(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	ok := newSession(t, s, u.ID, live())
	revoked := newSession(t, s, u.ID, live())
	noErr(t, "Sessions.Revoke", s.Sessions(owner(u)).Revoke(ctx, revoked.ID))
	expired := newSession(t, s, u.ID, time.Now().Add(-time.Minute))

	cases := []struct {
		name              string
		userID, sessionID int64
		now               time.Time
	}{
		{"someone else's user id", v.ID, ok.ID, time.Now()},
		{"unknown user id", v.ID + 1000, ok.ID, time.Now()},
		{"unknown session", u.ID, expired.ID + 1000, time.Now()},
		{"revoked", u.ID, revoked.ID, time.Now()},
		{"expired", u.ID, expired.ID, time.Now()},
		{"at expiry", u.ID, ok.ID, ok.ExpiresAt},
		{"after expiry", u.ID, ok.ID, ok.ExpiresAt.Add(time.Second)},
	}
	for _, c := range cases {
		_, _, err := s.SessionUser(ctx, c.userID, c.sessionID, c.now)
		wantErr(t, fmt.Sprintf("SessionUser(%d, %d) %s", c.userID, c.sessionID, c.name), err, accounts.ErrNotFound)
	}
	// The live session is still fine a second before it expires.
	if _, _, err := s.SessionUser(ctx, u.ID, ok.ID, ok.ExpiresAt.Add(-time.Second)); err != nil {
		t.Errorf("SessionUser(%d, %d) just before expiry = %v, want the user", u.ID, ok.ID, err)
	}
}

func testSessionUserInactiveUser(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	_, err := s.UpdateUser(ctx, adminGrant(), u.ID, accounts.UserPatch{Active: ptr(false)})
	noErr(t, "UpdateUser(deactivate)", err)
	// A session created afterwards is live; the caller decides about the
	// inactive user, so the store returns it.
	ss := newSession(t, s, u.ID, live())
	got, _, err := s.SessionUser(ctx, u.ID, ss.ID, time.Now())
	noErr(t, "SessionUser(inactive user)", err)
	if got.ID != u.ID || got.Active {
		t.Errorf("SessionUser(inactive user) = id %d active %v, want id %d active false", got.ID, got.Active, u.ID)
	}
}

func testRevokeUserSessionsKeeps(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	s1 := newSession(t, s, u.ID, live())
	s2 := newSession(t, s, u.ID, live())
	s3 := newSession(t, s, u.ID, live())
	sv := newSession(t, s, v.ID, live())

	noErr(t, "RevokeOthers(keep s2)", s.Sessions(owner(u)).RevokeOthers(ctx, s2.ID))
	wantSessionGone(t, s, u.ID, s1.ID)
	wantSessionLive(t, s, u.ID, s2.ID)
	wantSessionGone(t, s, u.ID, s3.ID)
	wantSessionLive(t, s, v.ID, sv.ID)

	// Keeping someone else's session keeps nothing of theirs alive.
	noErr(t, "RevokeOthers(keep other's)", s.Sessions(owner(u)).RevokeOthers(ctx, sv.ID))
	wantSessionGone(t, s, u.ID, s2.ID)
	wantSessionLive(t, s, v.ID, sv.ID)

	// The zero Owner revokes nothing.
	wantErr(t, "RevokeOthers(zero owner)", s.Sessions(accounts.Owner{}).RevokeOthers(ctx, 0), accounts.ErrForbidden)
	wantSessionLive(t, s, v.ID, sv.ID)

	// The admin's "log out everywhere" needs the admin grant.
	wantErr(t, "RevokeUserSessions(no grant)", s.RevokeUserSessions(ctx, auth.RoleGrant{}, v.ID), accounts.ErrForbidden)
	wantSessionLive(t, s, v.ID, sv.ID)
	noErr(t, "RevokeUserSessions(admin)", s.RevokeUserSessions(ctx, adminGrant(), v.ID))
	wantSessionGone(t, s, v.ID, sv.ID)

	noErr(t, "RevokeUserSessions(unknown user)", s.RevokeUserSessions(ctx, adminGrant(), v.ID+1000))
}

func testSessionsList(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	s1 := newSession(t, s, u.ID, live())
	s2 := newSession(t, s, u.ID, time.Now().Add(2*time.Hour))
	s3 := newSession(t, s, u.ID, live())
	noErr(t, "Sessions.Revoke", s.Sessions(owner(u)).Revoke(ctx, s3.ID))
	newSession(t, s, u.ID, time.Now().Add(-time.Minute)) // expired
	sv := newSession(t, s, v.ID, live())

	got, _, err := s.Sessions(owner(u)).List(ctx, time.Now(), accounts.Page{})
	noErr(t, "Sessions(u).List", err)
	diff(t, "Sessions(u).List(now)", []accounts.Session{s2, s1}, got, approxTime)
	for _, ss := range got {
		wantUTC(t, "Sessions.List() times", ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt)
	}

	// now decides what has expired.
	got, _, err = s.Sessions(owner(u)).List(ctx, s1.ExpiresAt.Add(time.Second), accounts.Page{})
	noErr(t, "Sessions(u).List", err)
	diff(t, "Sessions(u).List(after s1 expired)", []accounts.Session{s2}, got, approxTime)

	got, _, err = s.Sessions(owner(v)).List(ctx, time.Now(), accounts.Page{})
	noErr(t, "Sessions(v).List", err)
	diff(t, "Sessions(v).List(now)", []accounts.Session{sv}, got, approxTime)
}

func testSessionsRevoke(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	s1 := newSession(t, s, u.ID, live())
	s2 := newSession(t, s, u.ID, live())
	expired := newSession(t, s, u.ID, time.Now().Add(-time.Minute))
	mine, theirs := s.Sessions(owner(u)), s.Sessions(owner(v))

	err := theirs.Revoke(ctx, s1.ID)
	wantErr(t, fmt.Sprintf("Sessions(other).Revoke(%d)", s1.ID), err, accounts.ErrNotFound)
	wantSessionLive(t, s, u.ID, s1.ID)

	noErr(t, "Sessions.Revoke(own)", mine.Revoke(ctx, s1.ID))
	wantSessionGone(t, s, u.ID, s1.ID)
	wantSessionLive(t, s, u.ID, s2.ID)

	err = mine.Revoke(ctx, s1.ID)
	wantErr(t, fmt.Sprintf("Sessions.Revoke(%d) again", s1.ID), err, accounts.ErrNotFound)
	err = mine.Revoke(ctx, expired.ID)
	wantErr(t, fmt.Sprintf("Sessions.Revoke(%d) expired", expired.ID), err, accounts.ErrNotFound)
	err = mine.Revoke(ctx, expired.ID+1000)
	wantErr(t, fmt.Sprintf("Sessions.Revoke(%d) unknown", expired.ID+1000), err, accounts.ErrNotFound)
}

func testSessionsZeroOwner(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	ss := newSession(t, s, u.ID, live())
	var zero accounts.Owner

	got, _, err := s.Sessions(zero).List(ctx, time.Now(), accounts.Page{})
	noErr(t, "Sessions(zero).List", err)
	if len(got) != 0 {
		t.Errorf("Sessions(zero).List() = %v, want none", got)
	}
	err = s.Sessions(zero).Revoke(ctx, ss.ID)
	wantErr(t, fmt.Sprintf("Sessions(zero).Revoke(%d)", ss.ID), err, accounts.ErrNotFound)
	wantSessionLive(t, s, u.ID, ss.ID)
}

// refreshBehaviours are the rules of refresh-token rotation.
var refreshBehaviours = []behaviour{
	{"RotateRefresh", testRotateRefresh},
	{"RotateRefreshReuseRevokes", testRotateRefreshReuse},
	{"RotateRefreshDeadSession", testRotateRefreshDeadSession},
	{"RotateRefreshRetryWithinInterval", testRotateRefreshRetry},
	{"RotateRefreshRetryAfterInterval", testRotateRefreshRetryLate},
	{"RotateRefreshRetryOnlyPrevious", testRotateRefreshRetryOnlyPrevious},
	{"RotateRefreshRetryRace", testRotateRefreshRetryRace},
	{"TouchSession", testTouchSession},
}

func testRotateRefresh(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	first := randomHash()
	scopes := []string{scopeRead, scopeWrite}
	ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: first, Scopes: scopes, UserAgent: "ua"})
	noErr(t, "CreateSession", err)
	diff(t, "CreateSession().Scopes", scopes, ss.Scopes)

	second := randomHash()
	gotSess, gotUser, err := s.RotateRefresh(ctx, first, second, time.Now(), 0)
	noErr(t, "RotateRefresh(first)", err)
	if gotSess.ID != ss.ID || gotUser.ID != u.ID || gotSess.UserAgent != "ua" {
		t.Errorf("RotateRefresh(first) = session %+v user %d, want session %d of user %d", gotSess, gotUser.ID, ss.ID, u.ID)
	}
	diff(t, "RotateRefresh().Scopes", scopes, gotSess.Scopes)
	third := randomHash()
	if _, _, err := s.RotateRefresh(ctx, second, third, time.Now(), 0); err != nil {
		t.Errorf("RotateRefresh(second) = %v, want the session", err)
	}
	wantSessionLive(t, s, u.ID, ss.ID)
	_, _, err = s.RotateRefresh(ctx, randomHash(), randomHash(), time.Now(), 0)
	wantErr(t, "RotateRefresh(unknown)", err, accounts.ErrNotFound)
	wantSessionLive(t, s, u.ID, ss.ID)
}

func testRotateRefreshReuse(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	first := randomHash()
	ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: first})
	noErr(t, "CreateSession", err)
	other := newSession(t, s, u.ID, live())
	second := randomHash()
	_, _, err = s.RotateRefresh(ctx, first, second, time.Now(), 0)
	noErr(t, "RotateRefresh(first)", err)

	_, _, err = s.RotateRefresh(ctx, first, randomHash(), time.Now(), 0)
	wantErr(t, "RotateRefresh(first again)", err, accounts.ErrRefreshReused)
	wantSessionGone(t, s, u.ID, ss.ID)
	_, _, err = s.RotateRefresh(ctx, second, randomHash(), time.Now(), 0)
	wantErr(t, "RotateRefresh(second, after reuse)", err, accounts.ErrNotFound)
	wantSessionLive(t, s, u.ID, other.ID) // only the reused session ends
}

// reuseInterval is the retry interval of the RotateRefresh tests.
const reuseInterval = 10 * time.Second

// testRotateRefreshRetry: the previous hash within the interval rotates the
// session again; the pair that replaced it (whose answer was lost) is
// replaced in turn, and the session lives on.
func testRotateRefreshRetry(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	first, lost, retry := randomHash(), randomHash(), randomHash()
	ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: first})
	noErr(t, "CreateSession", err)
	t0 := time.Now()
	_, _, err = s.RotateRefresh(ctx, first, lost, t0, reuseInterval)
	noErr(t, "RotateRefresh(first)", err)
	gotSess, gotUser, err := s.RotateRefresh(ctx, first, retry, t0.Add(reuseInterval/2), reuseInterval)
	noErr(t, "RotateRefresh(first, within the interval)", err)
	if gotSess.ID != ss.ID || gotUser.ID != u.ID {
		t.Errorf("retry = session %d of user %d, want session %d of user %d", gotSess.ID, gotUser.ID, ss.ID, u.ID)
	}
	wantSessionLive(t, s, u.ID, ss.ID)
	// The retry's hash is current: it rotates outside any interval.
	_, _, err = s.RotateRefresh(ctx, retry, randomHash(), t0.Add(time.Minute), 0)
	noErr(t, "RotateRefresh(retry's hash)", err)
	wantSessionLive(t, s, u.ID, ss.ID)
}

// testRotateRefreshRetryLate: the previous hash past the interval is
// reuse; so is any used hash when the interval is 0.
func testRotateRefreshRetryLate(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	for _, tc := range []struct {
		name   string
		after  time.Duration
		within time.Duration
	}{
		{"after the interval", reuseInterval + time.Second, reuseInterval},
		{"no interval", 0, 0},
	} {
		first := randomHash()
		ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: first})
		noErr(t, "CreateSession", err)
		t0 := time.Now()
		_, _, err = s.RotateRefresh(ctx, first, randomHash(), t0, tc.within)
		noErr(t, "RotateRefresh(first)", err)
		got, _, err := s.RotateRefresh(ctx, first, randomHash(), t0.Add(tc.after), tc.within)
		wantErr(t, "RotateRefresh(first, "+tc.name+")", err, accounts.ErrRefreshReused)
		if got.ID != ss.ID || got.UserID != u.ID {
			t.Errorf("RotateRefresh(first, %s) = session %d of user %d, want session %d of user %d with ErrRefreshReused",
				tc.name, got.ID, got.UserID, ss.ID, u.ID)
		}
		wantSessionGone(t, s, u.ID, ss.ID)
	}
}

// testRotateRefreshRetryOnlyPrevious: a hash older than the previous one
// is reuse even within the interval.
func testRotateRefreshRetryOnlyPrevious(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	first, second := randomHash(), randomHash()
	ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: first})
	noErr(t, "CreateSession", err)
	t0 := time.Now()
	_, _, err = s.RotateRefresh(ctx, first, second, t0, reuseInterval)
	noErr(t, "RotateRefresh(first)", err)
	_, _, err = s.RotateRefresh(ctx, second, randomHash(), t0.Add(time.Second), reuseInterval)
	noErr(t, "RotateRefresh(second)", err)
	_, _, err = s.RotateRefresh(ctx, first, randomHash(), t0.Add(2*time.Second), reuseInterval)
	wantErr(t, "RotateRefresh(first, two rotations ago)", err, accounts.ErrRefreshReused)
	wantSessionGone(t, s, u.ID, ss.ID)
}

// testRotateRefreshRetryRace: parallel presentations of the previous hash,
// and of the current one, all succeed within the interval; none counts as
// reuse, and the session lives on.
func testRotateRefreshRetryRace(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	for _, present := range []string{"previous", "current"} {
		first, second := randomHash(), randomHash()
		ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: first})
		noErr(t, "CreateSession", err)
		_, _, err = s.RotateRefresh(ctx, first, second, time.Now(), reuseInterval)
		noErr(t, "RotateRefresh(first)", err)
		h := first
		if present == "current" {
			h = second
		}
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { _, _, errs[i] = s.RotateRefresh(ctx, h, randomHash(), time.Now(), reuseInterval) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("parallel RotateRefresh(%s) %d = %v, want a rotation", present, i, err)
			}
		}
		wantSessionLive(t, s, u.ID, ss.ID)
	}
}

func testRotateRefreshDeadSession(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	revokedHash, expiredHash := randomHash(), randomHash()
	revoked, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: revokedHash})
	noErr(t, "CreateSession", err)
	noErr(t, "Sessions.Revoke", s.Sessions(owner(u)).Revoke(ctx, revoked.ID))
	_, err = s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Minute), RefreshHash: expiredHash})
	noErr(t, "CreateSession", err)

	_, _, err = s.RotateRefresh(ctx, revokedHash, randomHash(), time.Now(), 0)
	wantErr(t, "RotateRefresh(revoked session)", err, accounts.ErrNotFound)
	_, _, err = s.RotateRefresh(ctx, expiredHash, randomHash(), time.Now().Add(time.Hour), 0)
	wantErr(t, "RotateRefresh(expired session)", err, accounts.ErrNotFound)
}

func testTouchSession(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	ss := newSession(t, s, u.ID, live())
	later := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Microsecond)
	noErr(t, "TouchSession", s.TouchSession(ctx, ss.ID, later))
	_, got, err := s.SessionUser(ctx, u.ID, ss.ID, time.Now())
	noErr(t, "SessionUser", err)
	if !got.LastSeenAt.Equal(later) {
		t.Errorf("LastSeenAt after TouchSession = %v, want %v", got.LastSeenAt, later)
	}
}
