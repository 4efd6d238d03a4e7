package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

// stallUsers and stallSessions are stores whose calls wait for their
// context to end, or fail with err when it is set.
type stall struct{ err error }

func (s stall) wait(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	<-ctx.Done()
	return fmt.Errorf("stall: %w", ctx.Err())
}

type stallUsers struct {
	accounts.Users // nil: only the methods below are called
	stall
}

func (s stallUsers) UserByID(ctx context.Context, _ int64) (accounts.User, error) {
	return accounts.User{}, s.wait(ctx)
}

// sessionStore names the embedded interface apart from its Sessions method.
type sessionStore = accounts.Sessions

type stallSessions struct {
	sessionStore
	stall
}

func (s stallSessions) SessionUser(ctx context.Context, _, _ int64, _ time.Time) (accounts.User, accounts.Session, error) {
	return accounts.User{}, accounts.Session{}, s.wait(ctx)
}

func (s stallSessions) Sessions(accounts.Owner) accounts.OwnSessions {
	return stallOwnSessions{stall: s.stall}
}

type stallOwnSessions struct {
	accounts.OwnSessions
	stall
}

func (s stallOwnSessions) Revoke(ctx context.Context, _ int64) error { return s.wait(ctx) }

var errDiskFull = errors.New("disk full")

// classify marks errDiskFull unavailable, as an engine's mapper does.
func classify(err error) error {
	if errors.Is(err, errDiskFull) {
		return accounts.Unavailable(err)
	}
	return err
}

func stalling(err error, d time.Duration, observe func(string, time.Duration)) accounts.Stores {
	st := stall{err}
	return accounts.WithDeadline(accounts.Stores{Users: stallUsers{stall: st}, Sessions: stallSessions{stall: st}},
		accounts.Deadline{Timeout: d, Classify: classify, Observe: observe})
}

// TestWithDeadline: a call that outlives the deadline is ErrUnavailable,
// on the stores and on their owner views; one whose caller gave up is not;
// other errors go through the engine's Classify.
func TestWithDeadline(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := stalling(nil, 10*time.Millisecond, nil)

	if _, err := s.Users.UserByID(ctx, 1); !errors.Is(err, accounts.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("UserByID past the deadline = %v, want ErrUnavailable wrapping context.DeadlineExceeded", err)
	}
	if _, _, err := s.Sessions.SessionUser(ctx, 1, 1, time.Now()); !errors.Is(err, accounts.ErrUnavailable) {
		t.Errorf("SessionUser past the deadline = %v, want ErrUnavailable", err)
	}
	if err := s.Sessions.Sessions(gatehousetest.Owner(int64(1))).Revoke(ctx, 1); !errors.Is(err, accounts.ErrUnavailable) {
		t.Errorf("Sessions(o).Revoke past the deadline = %v, want ErrUnavailable", err)
	}

	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Users.UserByID(gone, 1); errors.Is(err, accounts.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("UserByID after the caller gave up = %v, want context.Canceled, not ErrUnavailable", err)
	}

	full := stalling(errDiskFull, time.Minute, nil)
	if _, err := full.Users.UserByID(ctx, 1); !errors.Is(err, accounts.ErrUnavailable) || !errors.Is(err, errDiskFull) {
		t.Errorf("UserByID on a full disk = %v, want ErrUnavailable wrapping the cause", err)
	}
	other := stalling(accounts.ErrNotFound, time.Minute, nil)
	if _, err := other.Users.UserByID(ctx, 1); !errors.Is(err, accounts.ErrNotFound) || errors.Is(err, accounts.ErrUnavailable) {
		t.Errorf("UserByID of a missing user = %v, want ErrNotFound alone", err)
	}
	if nilStores := accounts.WithDeadline(accounts.Stores{}, accounts.Deadline{Timeout: time.Second}); nilStores.Users != nil || nilStores.Tokens != nil {
		t.Errorf("WithDeadline(empty Stores) = %+v, want the nil stores left nil", nilStores)
	}
}

// TestWithDeadlineObserves: the observer hears of every call, by
// operation, on the stores and on their owner views.
func TestWithDeadlineObserves(t *testing.T) {
	var ops []string
	s := stalling(accounts.ErrNotFound, time.Minute, func(op string, d time.Duration) {
		if d < 0 {
			t.Errorf("observed %s took %v", op, d)
		}
		ops = append(ops, op)
	})
	_, _ = s.Users.UserByID(t.Context(), 1)
	_, _, _ = s.Sessions.SessionUser(t.Context(), 1, 1, time.Now())
	_ = s.Sessions.Sessions(gatehousetest.Owner[int64](1)).Revoke(t.Context(), 1)
	if want := []string{"UserByID", "SessionUser", "Sessions.Revoke"}; fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Errorf("observed %q, want %q", ops, want)
	}
}

// cachedSessions answers CachedSessionUser for session 1 only; every
// other lookup stalls like stallSessions.
type cachedSessions struct{ stallSessions }

func (cachedSessions) CachedSessionUser(_, sessionID int64, _ time.Time) (accounts.User, accounts.Session, bool) {
	if sessionID != 1 {
		return accounts.User{}, accounts.Session{}, false
	}
	return accounts.User{ID: 7}, accounts.Session{ID: 1, UserID: 7}, true
}

// TestWithDeadlineCached: a lookup the store answers from memory
// (CachedSessions) comes back at once, with no deadline and nothing to
// observe; one it cannot answer goes to the store under the deadline.
func TestWithDeadlineCached(t *testing.T) {
	t.Parallel()
	var ops []string
	s := accounts.WithDeadline(accounts.Stores{Sessions: cachedSessions{}},
		accounts.Deadline{Timeout: 10 * time.Millisecond, Observe: func(op string, _ time.Duration) { ops = append(ops, op) }})
	u, ss, err := s.Sessions.SessionUser(t.Context(), 7, 1, time.Now())
	if err != nil || u.ID != 7 || ss.ID != 1 {
		t.Errorf("SessionUser(cached) = %+v, %+v, %v, want user 7, session 1", u, ss, err)
	}
	if len(ops) != 0 {
		t.Errorf("observed %q for a cached lookup, want nothing", ops)
	}
	if _, _, err := s.Sessions.SessionUser(t.Context(), 7, 2, time.Now()); !errors.Is(err, accounts.ErrUnavailable) {
		t.Errorf("SessionUser(not cached, stalling) = %v, want ErrUnavailable", err)
	}
	if fmt.Sprint(ops) != "[SessionUser]" {
		t.Errorf("observed %q, want [SessionUser]", ops)
	}
}

// uncancelable reports what its UncancelableReads answers.
type uncancelable bool

func (u uncancelable) UncancelableReads() bool { return bool(u) }

// TestDeadlineForReads: ForReads drops the timeout for a store whose reads
// ignore cancellation, and only for it; Call with no timeout gives fn a
// context without a deadline and still classifies and observes.
func TestDeadlineForReads(t *testing.T) {
	t.Parallel()
	d := accounts.Deadline{Timeout: time.Minute}
	for _, tc := range []struct {
		store any
		want  time.Duration
	}{
		{uncancelable(true), 0},
		{uncancelable(false), time.Minute},
		{struct{}{}, time.Minute},
	} {
		if got := d.ForReads(tc.store).Timeout; got != tc.want {
			t.Errorf("ForReads(%T %v).Timeout = %v, want %v", tc.store, tc.store, got, tc.want)
		}
	}

	errDown := errors.New("down")
	var observed []string
	untimed := accounts.Deadline{
		Classify: func(err error) error {
			if errors.Is(err, errDown) {
				return accounts.Unavailable(err)
			}
			return err
		},
		Observe: func(op string, _ time.Duration) { observed = append(observed, op) },
	}
	_, err := accounts.Call(t.Context(), untimed, "Read", func(ctx context.Context) (int, error) {
		if dl, ok := ctx.Deadline(); ok {
			t.Errorf("fn's context has a deadline (%v) with Timeout 0", dl)
		}
		return 0, errDown
	})
	if !errors.Is(err, accounts.ErrUnavailable) {
		t.Errorf("Call without a timeout = %v, want the error classified ErrUnavailable", err)
	}
	if fmt.Sprint(observed) != "[Read]" {
		t.Errorf("observed %q, want [Read]", observed)
	}
}
