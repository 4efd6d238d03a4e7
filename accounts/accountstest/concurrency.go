package accountstest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// concurrencyBehaviours are the rules about concurrent calls: writes of
// several users at once all land, beside reads of the same rows.
var concurrencyBehaviours = []behaviour{
	{"ConcurrentWrites", testConcurrentWrites},
}

func testConcurrentWrites(t *testing.T, s Store) {
	ctx := t.Context()
	const workers, each = 8, 10
	users := []accounts.User{newUser(t, s, "ann", ""), newUser(t, s, "bob", "")}

	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	for w := range workers {
		u := users[w%len(users)]
		wg.Go(func() {
			for i := range each {
				ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: live(), RefreshHash: randomHash()})
				if err != nil {
					errs <- err
					continue
				}
				if _, _, err := s.SessionUser(ctx, u.ID, ss.ID, time.Now()); err != nil {
					errs <- err
				}
				if _, err := s.APIKeys(owner(u)).Create(ctx, accounts.NewAPIKey{
					Name: "k", Prefix: fmt.Sprintf("w%02dk%02d", w, i), Hash: randomHash(), Scopes: []string{scopeRead},
				}); err != nil {
					errs <- err
				}
				if err := s.TouchSession(ctx, ss.ID, time.Now()); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent call = %v, want nil", err)
	}
	want := workers / len(users) * each
	for _, u := range users {
		if got := len(liveSessions(t, s, u)); got != want {
			t.Errorf("user %d has %d live sessions after concurrent creates, want %d", u.ID, got, want)
		}
		keys, err := s.APIKeys(owner(u)).List(ctx)
		noErr(t, "APIKeys.List", err)
		if len(keys) != want {
			t.Errorf("user %d has %d API keys after concurrent creates, want %d", u.ID, len(keys), want)
		}
	}
}
