package accounts_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// stallingTouches is a Sessions whose TouchSession waits for release, as a
// commit does on a slow or stalled disk.
type stallingTouches struct {
	sessionStore
	touches atomic.Int32
	started chan struct{}
	release chan struct{}
}

func (s *stallingTouches) TouchSession(ctx context.Context, id int64, t time.Time) error {
	s.touches.Add(1)
	s.started <- struct{}{}
	<-s.release
	return s.sessionStore.TouchSession(ctx, id, t)
}

// TestTouchNotWaitedOnTwice: while the last use of a session is being
// written, the session's other requests neither write it again nor wait
// for that write; once it is written, the next due use is written.
// (Every request of a due session used to write and wait: on a disk
// taking 200 ms to commit, every connection ended up waiting on one
// session.)
func TestTouchNotWaitedOnTwice(t *testing.T) {
	t.Parallel()
	st := &stallingTouches{started: make(chan struct{}, 8), release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(st.release) })
	f := newFixture(t, func(c *accounts.Config) {
		st.sessionStore = c.Stores.Sessions
		c.Stores.Sessions = st
	})
	t.Cleanup(release) // before the database closes: no write is left waiting, whichever way the test ends
	f.user(t, "ada@example.com", accounts.RoleUser)
	tok := f.login(t, "ada@example.com").AccessToken
	bearerDep := f.svc.Authenticator().Bearer()
	f.clock.Add(2 * time.Minute) // the session's last use is due to be written

	first := make(chan error, 1)
	go func() {
		_, err := resolve(t, bearerDep, bearer(tok))
		first <- err
	}()
	select {
	case <-st.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request wrote no last use")
	}
	second := make(chan error, 1)
	go func() {
		_, err := resolve(t, bearerDep, bearer(tok))
		second <- err
	}()
	select {
	case err := <-second:
		if err != nil {
			t.Fatalf("second request: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second request waited for the first one's write of the last use")
	}
	if n := st.touches.Load(); n != 1 {
		t.Errorf("%d writes of the last use while one was being written, want 1", n)
	}
	release()
	if err := <-first; err != nil {
		t.Fatalf("first request: %v", err)
	}

	f.clock.Add(2 * time.Minute)
	if _, err := resolve(t, bearerDep, bearer(tok)); err != nil {
		t.Fatal(err)
	}
	if n := st.touches.Load(); n != 2 {
		t.Errorf("%d writes of the last use after it was due again, want 2", n)
	}
}
