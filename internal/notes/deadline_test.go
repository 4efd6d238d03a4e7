package notes_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// stallStore is a Store whose calls wait for their context to end, or
// fail with err when it is set.
type stallStore struct {
	notes.Store // nil: only the methods below are called
	err         error
}

func (s stallStore) wait(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	<-ctx.Done()
	return fmt.Errorf("stall: %w", ctx.Err())
}

func (s stallStore) UserByID(ctx context.Context, _ int64) (notes.User, error) {
	return notes.User{}, s.wait(ctx)
}

func (s stallStore) Notes(notes.Owner) notes.NoteStore { return stallNotes{s: s} }

type stallNotes struct {
	notes.NoteStore
	s stallStore
}

func (n stallNotes) Get(ctx context.Context, _ int64) (notes.Note, error) {
	return notes.Note{}, n.s.wait(ctx)
}

var errDiskFull = errors.New("disk full")

// classify marks errDiskFull unavailable, as an engine's mapper does.
func classify(err error) error {
	if errors.Is(err, errDiskFull) {
		return notes.Unavailable(err)
	}
	return err
}

// TestWithDeadline: a call that outlives the deadline is ErrUnavailable,
// on the store and on its owner views; one whose caller gave up is not;
// other errors go through the engine's classify.
func TestWithDeadline(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := notes.WithDeadline(stallStore{}, 10*time.Millisecond, classify, nil)

	if _, err := s.UserByID(ctx, 1); !errors.Is(err, notes.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("UserByID past the deadline = %v, want ErrUnavailable wrapping context.DeadlineExceeded", err)
	}
	if _, err := s.Notes(gatehousetest.Owner(int64(1))).Get(ctx, 1); !errors.Is(err, notes.ErrUnavailable) {
		t.Errorf("Notes(o).Get past the deadline = %v, want ErrUnavailable", err)
	}

	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.UserByID(gone, 1); errors.Is(err, notes.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("UserByID after the caller gave up = %v, want context.Canceled, not ErrUnavailable", err)
	}

	full := notes.WithDeadline(stallStore{err: errDiskFull}, time.Minute, classify, nil)
	if _, err := full.UserByID(ctx, 1); !errors.Is(err, notes.ErrUnavailable) || !errors.Is(err, errDiskFull) {
		t.Errorf("UserByID on a full disk = %v, want ErrUnavailable wrapping the cause", err)
	}
	other := notes.WithDeadline(stallStore{err: notes.ErrNotFound}, time.Minute, classify, nil)
	if _, err := other.UserByID(ctx, 1); !errors.Is(err, notes.ErrNotFound) || errors.Is(err, notes.ErrUnavailable) {
		t.Errorf("UserByID of a missing user = %v, want ErrNotFound alone", err)
	}
}

// TestWithDeadlineObserves: the observer hears of every call, by
// operation, on the store and on its owner views.
func TestWithDeadlineObserves(t *testing.T) {
	var ops []string
	s := notes.WithDeadline(stallStore{err: notes.ErrNotFound}, time.Minute, classify, func(op string, d time.Duration) {
		if d < 0 {
			t.Errorf("observed %s took %v", op, d)
		}
		ops = append(ops, op)
	})
	_, _ = s.UserByID(t.Context(), 1)
	_, _ = s.Notes(gatehousetest.Owner[int64](1)).Get(t.Context(), 1)
	if want := []string{"UserByID", "Notes.Get"}; fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Errorf("observed %q, want %q", ops, want)
	}
}
