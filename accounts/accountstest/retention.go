package accountstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// retentionBehaviours are the rules of Purge (SPEC §5, retention).
var retentionBehaviours = []behaviour{
	{"PurgeSessions", testPurgeSessions},
	{"PurgeUsedRefreshTokens", testPurgeUsedRefreshTokens},
	{"PurgeBatches", testPurgeBatches},
}

// month is the retention the behaviours use.
const month = 30 * 24 * time.Hour

// purge runs one Purge and fails t on an error.
func purge(t *testing.T, s Store, before time.Time, limit int) accounts.Purged {
	t.Helper()
	got, err := s.Purge(t.Context(), accounts.Purge{Before: before, Limit: limit})
	noErr(t, "Purge", err)
	return got
}

func testPurgeSessions(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	now := time.Now()
	alive := newSession(t, s, u.ID, live())
	webHash := randomHash()
	aliveWeb := newWebSession(t, s, u.ID, webHash, live())
	otherAlive := newSession(t, s, v.ID, live())
	newSession(t, s, u.ID, now.Add(-month-time.Hour))                  // expired 30 days and an hour ago
	newWebSession(t, s, v.ID, randomHash(), now.Add(-month-time.Hour)) // a web session, as long ago
	newSession(t, s, u.ID, now.Add(-month+time.Hour))                  // expired 29 days and 23 hours ago
	revoked := newSession(t, s, u.ID, live())
	noErr(t, "Sessions.Revoke", s.Sessions(owner(u)).Revoke(ctx, revoked.ID))
	revokedWeb := newWebSession(t, s, u.ID, randomHash(), live())
	noErr(t, "Sessions.Revoke(web)", s.Sessions(owner(u)).Revoke(ctx, revokedWeb.ID))

	// Dead for more than the retention: the two expired long ago.
	diff(t, "Purge(30 days ago)", accounts.Purged{Sessions: 2}, purge(t, s, now.Add(-month), 100))
	diff(t, "Purge(30 days ago) again", accounts.Purged{}, purge(t, s, now.Add(-month), 100))

	// A cutoff after now takes every dead session, revoked ones included,
	// and never a live one.
	diff(t, "Purge(a second from now)", accounts.Purged{Sessions: 3}, purge(t, s, time.Now().Add(time.Second), 100))
	wantSessionLive(t, s, u.ID, alive.ID)
	wantSessionLive(t, s, v.ID, otherAlive.ID)
	if _, _, err := s.WebSessionUser(ctx, webHash, time.Now(), idle); err != nil {
		t.Errorf("WebSessionUser(live web session) after Purge = %v, want the user", err)
	}
	ids := liveSessions(t, s, u)
	diff(t, "live sessions after Purge", []int64{aliveWeb.ID, alive.ID}, ids)
}

func testPurgeUsedRefreshTokens(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	now := time.Now()
	first, second, third := randomHash(), randomHash(), randomHash()
	ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: now.Add(2 * month), RefreshHash: first})
	noErr(t, "CreateSession", err)
	_, _, err = s.RotateRefresh(ctx, first, second, now.Add(-month-time.Hour), 0) // first used 30 days and an hour ago
	noErr(t, "RotateRefresh(first)", err)
	_, _, err = s.RotateRefresh(ctx, second, third, now.Add(-time.Hour), 0) // second used an hour ago
	noErr(t, "RotateRefresh(second)", err)

	diff(t, "Purge(30 days ago)", accounts.Purged{RefreshTokens: 1}, purge(t, s, now.Add(-month), 100))
	// The live session keeps working, and the purged token is now unknown:
	// it no longer revokes the session.
	wantSessionLive(t, s, u.ID, ss.ID)
	_, _, err = s.RotateRefresh(ctx, first, randomHash(), time.Now(), 0)
	wantErr(t, "RotateRefresh(purged used token)", err, accounts.ErrNotFound)
	wantSessionLive(t, s, u.ID, ss.ID)
	// The token used an hour ago is kept: presenting it is still reuse.
	_, _, err = s.RotateRefresh(ctx, second, randomHash(), time.Now(), 0)
	wantErr(t, "RotateRefresh(kept used token)", err, accounts.ErrRefreshReused)
	wantSessionGone(t, s, u.ID, ss.ID)

	// Once the session is dead and past the cutoff, its used token and
	// then the session itself go.
	diff(t, "Purge(a second from now)", accounts.Purged{Sessions: 1, RefreshTokens: 1}, purge(t, s, time.Now().Add(time.Second), 100))
	_, _, err = s.RotateRefresh(ctx, second, randomHash(), time.Now(), 0)
	wantErr(t, "RotateRefresh(used token of a purged session)", err, accounts.ErrNotFound)
}

func testPurgeBatches(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	const sessions, rotations, limit = 5, 2, 2
	for range sessions {
		h := randomHash()
		ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: h})
		noErr(t, "CreateSession", err)
		for range rotations {
			next := randomHash()
			_, _, err := s.RotateRefresh(ctx, h, next, time.Now(), 0)
			noErr(t, "RotateRefresh", err)
			h = next
		}
		noErr(t, "Sessions.Revoke", s.Sessions(owner(u)).Revoke(ctx, ss.ID))
	}
	alive := newSession(t, s, u.ID, live())

	var total accounts.Purged
	before := time.Now().Add(time.Second)
	for i := 0; ; i++ {
		if i > sessions*(rotations+1) {
			t.Fatalf("Purge(limit %d) still deleting after %d calls", limit, i)
		}
		got := purge(t, s, before, limit)
		if got.Sessions > limit || got.RefreshTokens > limit {
			t.Errorf("Purge(limit %d) call %d = %+v, want at most %d of each", limit, i+1, got, limit)
		}
		if got.Total() == 0 {
			break
		}
		total.Sessions += got.Sessions
		total.RefreshTokens += got.RefreshTokens
	}
	diff(t, fmt.Sprintf("Purge(limit %d) totals", limit), accounts.Purged{Sessions: sessions, RefreshTokens: sessions * rotations}, total)
	wantSessionLive(t, s, u.ID, alive.ID)
}
