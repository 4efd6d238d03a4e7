package accountstest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// quotaBehaviours are the per-user quotas of SPEC §5 and the pagination of
// the session list.
var quotaBehaviours = []behaviour{
	{"APIKeyQuota", testAPIKeyQuota},
	{"APIKeyQuotaBurst", testAPIKeyQuotaBurst},
	{"SessionQuota", testSessionQuota},
	{"SessionQuotaBurst", testSessionQuotaBurst},
	{"SessionsListPagination", testSessionsListPagination},
}

// burst is how many creates race one quota.
const burst = 50

// liveSessions returns the ids of u's live sessions, newest first.
func liveSessions(t *testing.T, s Store, u accounts.User) []int64 {
	t.Helper()
	list, _, err := s.Sessions(owner(u)).List(t.Context(), time.Now(), accounts.Page{Limit: 100})
	noErr(t, "Sessions.List", err)
	ids := make([]int64, len(list))
	for i, ss := range list {
		ids[i] = ss.ID
	}
	return ids
}

// raceCreates runs create burst times at once and returns how many
// succeeded; every failure must be want.
func raceCreates(t *testing.T, op string, want error, create func(i int) error) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		ok    int
		start = make(chan struct{})
	)
	for i := range burst {
		wg.Go(func() {
			<-start
			err := create(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case want == nil || !errors.Is(err, want):
				t.Errorf("%s #%d = %v, want nil or %v", op, i, err, want)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok
}

// keyInput is a new API key with prefix under a quota of max.
func keyInput(prefix string, max int) accounts.NewAPIKey {
	h := sha256.Sum256([]byte("gk_" + prefix + "secret"))
	return accounts.NewAPIKey{Name: "key " + prefix, Prefix: prefix, Hash: h[:], Scopes: []string{scopeRead}, MaxPerUser: max}
}

func testAPIKeyQuota(t *testing.T, s Store) {
	ctx := t.Context()
	const max = 2
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	mine := s.APIKeys(owner(u))

	past := time.Now().Add(-time.Hour)
	expired := keyInput("expired1", max)
	expired.ExpiresAt = &past
	first, err := mine.Create(ctx, expired) // an expired key counts until revoked
	noErr(t, "APIKeys.Create(expired)", err)
	_, err = mine.Create(ctx, keyInput("second01", max))
	noErr(t, "APIKeys.Create(2 of 2)", err)
	_, err = mine.Create(ctx, keyInput("third001", max))
	wantErr(t, "APIKeys.Create(over the quota)", err, accounts.ErrAPIKeyLimit)
	// The refused key was not stored.
	if _, _, err := s.APIKeyByPrefix(ctx, "third001"); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("APIKeyByPrefix(refused key) = %v, want ErrNotFound", err)
	}

	_, err = s.APIKeys(owner(v)).Create(ctx, keyInput("bobs0001", max))
	noErr(t, "APIKeys(other).Create", err)

	// Revoking a key frees its place.
	noErr(t, "APIKeys.Revoke", mine.Revoke(ctx, first.ID))
	_, err = mine.Create(ctx, keyInput("third002", max))
	noErr(t, "APIKeys.Create(after a revoke)", err)
	_, err = mine.Create(ctx, keyInput("fourth01", 0))
	noErr(t, "APIKeys.Create(no quota)", err)
}

func testAPIKeyQuotaBurst(t *testing.T, s Store) {
	const max = 5
	u := newUser(t, s, "ann", "")
	ok := raceCreates(t, "APIKeys.Create", accounts.ErrAPIKeyLimit, func(i int) error {
		_, err := s.APIKeys(owner(u)).Create(t.Context(), keyInput(fmt.Sprintf("burst%03d", i), max))
		return err
	})
	if ok != max {
		t.Errorf("%d parallel APIKeys.Create under a quota of %d: %d succeeded, want %d", burst, max, ok, max)
	}
	list, err := s.APIKeys(owner(u)).List(t.Context())
	noErr(t, "APIKeys.List", err)
	if len(list) != max {
		t.Errorf("keys after the burst = %d, want %d", len(list), max)
	}
}

// quotaSession creates a session of u under a quota of max.
func quotaSession(t *testing.T, s Store, u accounts.User, expires time.Time, max int) accounts.Session {
	t.Helper()
	ss, err := s.CreateSession(t.Context(), accounts.NewSession{UserID: u.ID, ExpiresAt: expires, RefreshHash: randomHash(), MaxPerUser: max})
	noErr(t, "CreateSession", err)
	return ss
}

func testSessionQuota(t *testing.T, s Store) {
	ctx := t.Context()
	const max = 3
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	sv := quotaSession(t, s, v, live(), max)

	// Dead sessions do not count: neither an expired nor a revoked one.
	quotaSession(t, s, u, time.Now().Add(-time.Minute), max)
	revoked := quotaSession(t, s, u, live(), max)
	noErr(t, "Sessions.Revoke", s.Sessions(owner(u)).Revoke(ctx, revoked.ID))

	var made []accounts.Session
	for range max {
		made = append(made, quotaSession(t, s, u, live(), max))
	}
	diff(t, "live sessions at the quota", []int64{made[2].ID, made[1].ID, made[0].ID}, liveSessions(t, s, u))

	// One more login revokes the oldest live session, and only it.
	newest := quotaSession(t, s, u, live(), max)
	wantSessionGone(t, s, u.ID, made[0].ID)
	wantSessionLive(t, s, u.ID, newest.ID)
	diff(t, "live sessions past the quota", []int64{newest.ID, made[2].ID, made[1].ID}, liveSessions(t, s, u))
	wantSessionLive(t, s, v.ID, sv.ID)

	// Without a quota nothing is revoked.
	quotaSession(t, s, u, live(), 0)
	if got := len(liveSessions(t, s, u)); got != max+1 {
		t.Errorf("live sessions after a login without quota = %d, want %d", got, max+1)
	}
	// A quota of 1 keeps only the new one.
	last := quotaSession(t, s, u, live(), 1)
	diff(t, "live sessions under a quota of 1", []int64{last.ID}, liveSessions(t, s, u))
}

func testSessionQuotaBurst(t *testing.T, s Store) {
	const max = 5
	u := newUser(t, s, "ann", "")
	var (
		mu  sync.Mutex
		ids []int64
	)
	ok := raceCreates(t, "CreateSession", nil, func(int) error {
		ss, err := s.CreateSession(t.Context(), accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: randomHash(), MaxPerUser: max})
		if err == nil {
			mu.Lock()
			ids = append(ids, ss.ID)
			mu.Unlock()
		}
		return err
	})
	if ok != burst {
		t.Fatalf("%d parallel logins: %d succeeded, want all", burst, ok)
	}
	got := liveSessions(t, s, u)
	if len(got) != max {
		t.Errorf("live sessions after %d parallel logins under a quota of %d = %d, want %d", burst, max, len(got), max)
	}
	// Every session left is one the burst created.
	for _, id := range got {
		wantSessionLive(t, s, u.ID, id)
	}
}

func testSessionsListPagination(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	var made []accounts.Session
	for range 7 {
		made = append(made, newSession(t, s, u.ID, live()))
	}
	// Dead sessions and someone else's are on no page.
	revoked := newSession(t, s, u.ID, live())
	noErr(t, "Sessions.Revoke", s.Sessions(owner(u)).Revoke(ctx, revoked.ID))
	newSession(t, s, u.ID, time.Now().Add(-time.Minute))
	newSession(t, s, v.ID, live())

	var want []int64
	for i := len(made) - 1; i >= 0; i-- {
		want = append(want, made[i].ID)
	}
	list := func(ctx context.Context, p accounts.Page) ([]accounts.Session, int64, error) {
		return s.Sessions(owner(u)).List(ctx, time.Now(), p)
	}
	id := func(ss accounts.Session) int64 { return ss.ID }
	for _, c := range []struct {
		limit int
		sizes []int
	}{
		{3, []int{3, 3, 1}},
		{7, []int{7}},
		{1, []int{1, 1, 1, 1, 1, 1, 1}},
		{0, []int{7}}, // the default limit, 50
	} {
		op := fmt.Sprintf("Sessions.List(limit %d)", c.limit)
		got := collectPages(t, op, c.limit, c.sizes, list, id)
		var ids []int64
		for _, ss := range got {
			ids = append(ids, ss.ID)
		}
		diff(t, op+" pages", want, ids)
	}
}
