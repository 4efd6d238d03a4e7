package accountstest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// tokenBehaviours are the rules of account tokens (SPEC §3: password
// reset and e-mail verification).
var tokenBehaviours = []behaviour{
	{"ResetPassword", testResetPassword},
	{"ResetPasswordDropsCachedSessions", testResetDropsCachedSessions},
	{"VerifyEmail", testVerifyEmail},
	{"AccountTokenNotLive", testAccountTokenNotLive},
	{"AccountTokenReplaced", testAccountTokenReplaced},
	{"AccountTokenUnknownUser", testAccountTokenUnknownUser},
	{"ResetPasswordBurst", func(t *testing.T, s Store) { testTokenBurst(t, s, accounts.PurposeReset) }},
	{"VerifyEmailBurst", func(t *testing.T, s Store) { testTokenBurst(t, s, accounts.PurposeVerify) }},
	{"PurgeAccountTokens", testPurgeAccountTokens},
}

// newToken stores a token of purpose for userID, made at created and
// expiring ttl later, and returns its hash.
func newToken(t *testing.T, s Store, userID int64, purpose accounts.TokenPurpose, created time.Time, ttl time.Duration) []byte {
	t.Helper()
	h := randomHash()
	noErr(t, "CreateAccountToken", s.CreateAccountToken(t.Context(), accounts.NewAccountToken{
		UserID: userID, Purpose: purpose, Hash: h, CreatedAt: created, ExpiresAt: created.Add(ttl),
	}))
	return h
}

// useToken uses up hash as a token of purpose at now.
func useToken(t *testing.T, s Store, purpose accounts.TokenPurpose, hash []byte, now time.Time) (accounts.User, error) {
	t.Helper()
	if purpose == accounts.PurposeReset {
		return s.ResetPassword(t.Context(), hash, "$argon2id$v=19$m=47104,t=1,p=1$bmV3$bmV3", now)
	}
	return s.VerifyEmail(t.Context(), hash, now)
}

func testResetPassword(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	other := newUser(t, s, "bob", "")
	if u.Verified {
		t.Errorf("CreateUser().Verified = true, want false")
	}
	token := newSession(t, s, u.ID, live())
	web := newWebSession(t, s, u.ID, randomHash(), live())
	bobs := newSession(t, s, other.ID, live())
	h := newToken(t, s, u.ID, accounts.PurposeReset, time.Now(), 30*time.Minute)

	got, err := s.AccountTokenUser(ctx, accounts.PurposeReset, h, time.Now())
	noErr(t, "AccountTokenUser", err)
	if got.ID != u.ID {
		t.Errorf("AccountTokenUser().ID = %d, want %d", got.ID, u.ID)
	}
	// Looking does not use the token up.
	_, err = s.AccountTokenUser(ctx, accounts.PurposeReset, h, time.Now())
	noErr(t, "AccountTokenUser again", err)

	const next = "$argon2id$v=19$m=47104,t=1,p=1$bmV3$bmV3"
	reset, err := s.ResetPassword(ctx, h, next, time.Now())
	noErr(t, "ResetPassword", err)
	if reset.ID != u.ID || reset.PasswordHash != next || !reset.Verified {
		t.Errorf("ResetPassword() = id %d, hash %q, verified %v; want id %d, the new hash, verified", reset.ID, reset.PasswordHash, reset.Verified, u.ID)
	}
	stored, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	if stored.PasswordHash != next || !stored.Verified {
		t.Errorf("UserByID() after ResetPassword = hash %q, verified %v; want the new hash, verified", stored.PasswordHash, stored.Verified)
	}
	wantSessionGone(t, s, u.ID, token.ID)
	wantSessionGone(t, s, u.ID, web.ID)
	wantSessionLive(t, s, other.ID, bobs.ID)

	// Single use.
	_, err = s.ResetPassword(ctx, h, "$argon2id$again", time.Now())
	wantErr(t, "ResetPassword(used token)", err, accounts.ErrNotFound)
	_, err = s.AccountTokenUser(ctx, accounts.PurposeReset, h, time.Now())
	wantErr(t, "AccountTokenUser(used token)", err, accounts.ErrNotFound)
	stored, err = s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	if stored.PasswordHash != next {
		t.Errorf("UserByID().PasswordHash after a second reset = %q, want %q", stored.PasswordHash, next)
	}
}

// testResetDropsCachedSessions: a session looked up (and perhaps cached)
// before the reset stops working right after it, as does the user behind
// an API key.
func testResetDropsCachedSessions(t *testing.T, s Store) {
	u := newUser(t, s, "ann", "")
	ss := newSession(t, s, u.ID, live())
	wantSessionLive(t, s, u.ID, ss.ID)
	wantSessionLive(t, s, u.ID, ss.ID)
	h := newToken(t, s, u.ID, accounts.PurposeReset, time.Now(), 30*time.Minute)
	_, err := s.ResetPassword(t.Context(), h, "$argon2id$new", time.Now())
	noErr(t, "ResetPassword", err)
	wantSessionGone(t, s, u.ID, ss.ID)
}

func testVerifyEmail(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	ss := newSession(t, s, u.ID, live())
	// Looked up (and perhaps cached) while unverified.
	before, _, err := s.SessionUser(ctx, u.ID, ss.ID, time.Now())
	noErr(t, "SessionUser", err)
	if before.Verified {
		t.Fatalf("SessionUser().Verified before VerifyEmail = true, want false")
	}
	h := newToken(t, s, u.ID, accounts.PurposeVerify, time.Now(), 24*time.Hour)
	got, err := s.VerifyEmail(ctx, h, time.Now())
	noErr(t, "VerifyEmail", err)
	if got.ID != u.ID || !got.Verified || got.PasswordHash != u.PasswordHash {
		t.Errorf("VerifyEmail() = id %d, verified %v; want id %d, verified, password unchanged", got.ID, got.Verified, u.ID)
	}
	after, _, err := s.SessionUser(ctx, u.ID, ss.ID, time.Now())
	noErr(t, "SessionUser after VerifyEmail", err)
	if !after.Verified {
		t.Errorf("SessionUser().Verified after VerifyEmail = false, want true (the session stays, the user changed)")
	}
	byEmail, err := s.UserByEmail(ctx, u.Email)
	noErr(t, "UserByEmail", err)
	if !byEmail.Verified {
		t.Errorf("UserByEmail().Verified after VerifyEmail = false, want true")
	}
	_, err = s.VerifyEmail(ctx, h, time.Now())
	wantErr(t, "VerifyEmail(used token)", err, accounts.ErrNotFound)
}

func testAccountTokenNotLive(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	now := time.Now()
	expired := newToken(t, s, u.ID, accounts.PurposeReset, now.Add(-time.Hour), 30*time.Minute)
	verify := newToken(t, s, u.ID, accounts.PurposeVerify, now, time.Hour)
	reset := newToken(t, s, u.ID, accounts.PurposeReset, now, 30*time.Minute)

	for _, c := range []struct {
		name    string
		purpose accounts.TokenPurpose
		hash    []byte
		at      time.Time
	}{
		{"expired", accounts.PurposeReset, expired, now},
		{"unknown", accounts.PurposeReset, randomHash(), now},
		{"verification token as a reset token", accounts.PurposeReset, verify, now},
		{"reset token as a verification token", accounts.PurposeVerify, reset, now},
		{"reset token at its expiry", accounts.PurposeReset, reset, now.Add(30 * time.Minute)},
		{"empty hash", accounts.PurposeVerify, nil, now},
	} {
		_, err := s.AccountTokenUser(ctx, c.purpose, c.hash, c.at)
		wantErr(t, "AccountTokenUser("+c.name+")", err, accounts.ErrNotFound)
		_, err = useToken(t, s, c.purpose, c.hash, c.at)
		wantErr(t, "use("+c.name+")", err, accounts.ErrNotFound)
	}
	// None of the refusals used a token up or changed the user.
	stored, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	if stored.PasswordHash != u.PasswordHash || stored.Verified {
		t.Errorf("UserByID() after refused tokens = hash %q, verified %v; want unchanged", stored.PasswordHash, stored.Verified)
	}
	_, err = s.ResetPassword(ctx, reset, "$argon2id$new", now)
	noErr(t, "ResetPassword(live token)", err)
	_, err = s.VerifyEmail(ctx, verify, now)
	noErr(t, "VerifyEmail(live token)", err)
}

func testAccountTokenReplaced(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	now := time.Now()
	first := newToken(t, s, u.ID, accounts.PurposeReset, now, 30*time.Minute)
	verify := newToken(t, s, u.ID, accounts.PurposeVerify, now, time.Hour)
	bobs := newToken(t, s, v.ID, accounts.PurposeReset, now, 30*time.Minute)
	second := newToken(t, s, u.ID, accounts.PurposeReset, now.Add(time.Second), 30*time.Minute)

	_, err := s.AccountTokenUser(ctx, accounts.PurposeReset, first, now.Add(2*time.Second))
	wantErr(t, "AccountTokenUser(replaced token)", err, accounts.ErrNotFound)
	_, err = s.ResetPassword(ctx, first, "$argon2id$new", now.Add(2*time.Second))
	wantErr(t, "ResetPassword(replaced token)", err, accounts.ErrNotFound)
	// Another purpose and another user keep their tokens.
	for name, h := range map[string][]byte{"verification": verify, "other user's": bobs} {
		purpose := accounts.PurposeReset
		if name == "verification" {
			purpose = accounts.PurposeVerify
		}
		if _, err := s.AccountTokenUser(ctx, purpose, h, now.Add(2*time.Second)); err != nil {
			t.Errorf("AccountTokenUser(%s token) after a new reset token = %v, want the user", name, err)
		}
	}
	_, err = s.ResetPassword(ctx, second, "$argon2id$new", now.Add(2*time.Second))
	noErr(t, "ResetPassword(newest token)", err)
}

func testAccountTokenUnknownUser(t *testing.T, s Store) {
	err := s.CreateAccountToken(t.Context(), accounts.NewAccountToken{
		UserID: 1 << 40, Purpose: accounts.PurposeReset, Hash: randomHash(), CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour),
	})
	wantErr(t, "CreateAccountToken(unknown user)", err, accounts.ErrNotFound)
}

// testTokenBurst: 50 uses of one token at once; exactly one succeeds.
func testTokenBurst(t *testing.T, s Store, purpose accounts.TokenPurpose) {
	u := newUser(t, s, "ann", "")
	h := newToken(t, s, u.ID, purpose, time.Now(), time.Hour)
	const n = 50
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, gone int
		other    []error
	)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			_, err := useToken(t, s, purpose, h, time.Now())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, accounts.ErrNotFound):
				gone++
			default:
				other = append(other, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok != 1 || gone != n-1 || len(other) > 0 {
		t.Errorf("%d concurrent uses of one %s token: %d succeeded, %d ErrNotFound, other errors %v; want 1 and %d", n, purpose, ok, gone, other, n-1)
	}
}

func testPurgeAccountTokens(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	now := time.Now()
	long := now.Add(-month - time.Hour) // 30 days and an hour ago
	// Used 30 days and an hour ago.
	used := newToken(t, s, u.ID, accounts.PurposeReset, long.Add(-time.Minute), 30*time.Minute)
	_, err := s.ResetPassword(ctx, used, "$argon2id$new", long)
	noErr(t, "ResetPassword(long ago)", err)
	// Expired 30 days and an hour ago.
	newToken(t, s, u.ID, accounts.PurposeVerify, long.Add(-24*time.Hour), 24*time.Hour)
	// Replaced 30 days and an hour ago (by a token that then expired too).
	newToken(t, s, u.ID, accounts.PurposeReset, long.Add(-time.Minute), 30*time.Minute)
	newToken(t, s, u.ID, accounts.PurposeReset, long, time.Minute)
	// Used an hour ago: kept.
	recent := newToken(t, s, u.ID, accounts.PurposeVerify, now.Add(-2*time.Hour), 24*time.Hour)
	_, err = s.VerifyEmail(ctx, recent, now.Add(-time.Hour))
	noErr(t, "VerifyEmail(an hour ago)", err)
	// Live: kept.
	alive := newToken(t, s, u.ID, accounts.PurposeReset, now, 30*time.Minute)

	diff(t, "Purge(30 days ago)", accounts.Purged{AccountTokens: 4}, purge(t, s, now.Add(-month), 100))
	diff(t, "Purge(30 days ago) again", accounts.Purged{}, purge(t, s, now.Add(-month), 100))
	if _, err := s.AccountTokenUser(ctx, accounts.PurposeReset, alive, now); err != nil {
		t.Errorf("AccountTokenUser(live token) after Purge = %v, want the user", err)
	}
	// Bounded batches.
	diff(t, "Purge(a second from now, limit 1)", accounts.Purged{AccountTokens: 1}, purge(t, s, time.Now().Add(time.Second), 1))
	diff(t, "Purge(a second from now)", accounts.Purged{}, purge(t, s, time.Now().Add(time.Second), 100))
	// The live one is never purged.
	if _, err := s.AccountTokenUser(ctx, accounts.PurposeReset, alive, now); err != nil {
		t.Errorf("AccountTokenUser(live token) after Purge = %v, want the user", err)
	}
}
