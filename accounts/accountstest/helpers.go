package accountstest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/auth"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

// behaviour is one named rule of the contract, checked on a fresh store.
type behaviour struct {
	name string
	test func(t *testing.T, s Store)
}

// behaviours lists every rule, by area.
func behaviours() []behaviour {
	var all []behaviour
	all = append(all, userBehaviours...)
	all = append(all, sessionBehaviours...)
	all = append(all, refreshBehaviours...)
	all = append(all, webSessionBehaviours...)
	all = append(all, apiKeyBehaviours...)
	all = append(all, quotaBehaviours...)
	all = append(all, retentionBehaviours...)
	all = append(all, tokenBehaviours...)
	all = append(all, textBehaviours...)
	all = append(all, concurrencyBehaviours...)
	return all
}

// The scopes the suite stores: a store keeps them as given, whatever they
// name.
const (
	scopeRead  = "notes:read"
	scopeWrite = "notes:write"
)

// timeTolerance is how far a stored time may be from the one given.
const timeTolerance = time.Millisecond

// approxTime compares times with timeTolerance.
var approxTime = cmpopts.EquateApproxTime(timeTolerance)

// email returns the e-mail address of the user called name. Names are
// distinct within a subtest, which has a store of its own.
func email(name string) string { return name + "@example.com" }

// wantErr fails t unless err is (or wraps) want.
func wantErr(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", op, err, want)
	}
}

// noErr stops t when err is not nil.
func noErr(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want nil error", op, err)
	}
}

// wantUTC fails t unless every time is in UTC.
func wantUTC(t *testing.T, what string, ts ...time.Time) {
	t.Helper()
	for _, ts := range ts {
		if ts.Location() != time.UTC {
			t.Errorf("%s location = %v, want UTC", what, ts.Location())
		}
	}
}

// wantNear fails t unless got lies within [from-tolerance, to+tolerance].
func wantNear(t *testing.T, what string, got, from, to time.Time) {
	t.Helper()
	if got.Before(from.Add(-timeTolerance)) || got.After(to.Add(timeTolerance)) {
		t.Errorf("%s = %v, want between %v and %v", what, got, from, to)
	}
}

// newUser creates an active user with role (empty: the default).
func newUser(t *testing.T, s Store, name string, role accounts.Role) accounts.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), accounts.NewUser{
		Email:        email(name),
		Name:         name,
		Role:         role,
		PasswordHash: "$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA",
	})
	noErr(t, "CreateUser", err)
	return u
}

// owner mints the Owner of u, as auth would.
func owner(u accounts.User) accounts.Owner { return gatehousetest.Owner(u.ID) }

// randomHash returns 32 random bytes, standing in for a token's SHA-256.
func randomHash() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// newSession creates a session of userID that expires at expires.
func newSession(t *testing.T, s Store, userID int64, expires time.Time) accounts.Session {
	t.Helper()
	ss, err := s.CreateSession(t.Context(), accounts.NewSession{
		UserID:      userID,
		UserAgent:   "storetest/1.0",
		IP:          "192.0.2.1",
		ExpiresAt:   expires,
		RefreshHash: randomHash(),
	})
	noErr(t, "CreateSession", err)
	return ss
}

// live returns an expiry an hour from now.
func live() time.Time { return time.Now().Add(time.Hour) }

// wantSessionLive fails t unless SessionUser finds the session.
func wantSessionLive(t *testing.T, s Store, userID, sessionID int64) {
	t.Helper()
	if _, _, err := s.SessionUser(t.Context(), userID, sessionID, time.Now()); err != nil {
		t.Errorf("SessionUser(%d, %d) = %v, want the user", userID, sessionID, err)
	}
}

// wantSessionGone fails t unless SessionUser reports ErrNotFound.
func wantSessionGone(t *testing.T, s Store, userID, sessionID int64) {
	t.Helper()
	_, _, err := s.SessionUser(t.Context(), userID, sessionID, time.Now())
	wantErr(t, fmt.Sprintf("SessionUser(%d, %d)", userID, sessionID), err, accounts.ErrNotFound)
}

// diff fails t when want and got differ.
func diff(t *testing.T, op string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", op, d)
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// adminGrant is the proof of the admin role that admin operations ask for.
func adminGrant() auth.RoleGrant { return gatehousetest.Grant(string(accounts.RoleAdmin)) }
