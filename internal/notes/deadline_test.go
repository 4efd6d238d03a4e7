package notes_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// stallStore is a Store whose calls wait for their context to end, or
// fail with err when it is set.
type stallStore struct{ err error }

func (s stallStore) wait(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	<-ctx.Done()
	return fmt.Errorf("stall: %w", ctx.Err())
}

func (s stallStore) Notes(notes.Owner) notes.NoteStore { return stallNotes{s: s} }

func (s stallStore) DeleteAnyNote(ctx context.Context, _ auth.RoleGrant, _ int64) (int64, error) {
	return 0, s.wait(ctx)
}

type stallNotes struct {
	notes.NoteStore // nil: only the methods below are called
	s               stallStore
}

func (n stallNotes) Get(ctx context.Context, _ int64) (notes.Note, error) {
	return notes.Note{}, n.s.wait(ctx)
}

func (n stallNotes) List(ctx context.Context, _ notes.Page) ([]notes.Note, int64, error) {
	return nil, 0, n.s.wait(ctx)
}

var errDiskFull = errors.New("disk full")

// classify marks errDiskFull unavailable, as an engine's mapper does.
func classify(err error) error {
	if errors.Is(err, errDiskFull) {
		return accounts.Unavailable(err)
	}
	return err
}

func deadline(d time.Duration, observe func(string, time.Duration)) accounts.Deadline {
	return accounts.Deadline{Timeout: d, Classify: classify, Observe: observe}
}

// TestWithDeadline: a call that outlives the deadline is ErrUnavailable,
// on the store and on its owner views; one whose caller gave up is not;
// other errors go through the engine's classify.
func TestWithDeadline(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	o := gatehousetest.Owner(int64(1))
	s := notes.WithDeadline(stallStore{}, deadline(10*time.Millisecond, nil))

	if _, err := s.Notes(o).Get(ctx, 1); !errors.Is(err, notes.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Notes(o).Get past the deadline = %v, want ErrUnavailable wrapping context.DeadlineExceeded", err)
	}
	if _, _, err := s.Notes(o).List(ctx, notes.Page{}); !errors.Is(err, notes.ErrUnavailable) {
		t.Errorf("Notes(o).List past the deadline = %v, want ErrUnavailable", err)
	}
	if _, err := s.DeleteAnyNote(ctx, gatehousetest.Grant("admin"), 1); !errors.Is(err, notes.ErrUnavailable) {
		t.Errorf("DeleteAnyNote past the deadline = %v, want ErrUnavailable", err)
	}

	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Notes(o).Get(gone, 1); errors.Is(err, notes.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("Notes(o).Get after the caller gave up = %v, want context.Canceled, not ErrUnavailable", err)
	}

	full := notes.WithDeadline(stallStore{err: errDiskFull}, deadline(time.Minute, nil))
	if _, err := full.Notes(o).Get(ctx, 1); !errors.Is(err, notes.ErrUnavailable) || !errors.Is(err, errDiskFull) {
		t.Errorf("Notes(o).Get on a full disk = %v, want ErrUnavailable wrapping the cause", err)
	}
	other := notes.WithDeadline(stallStore{err: notes.ErrNotFound}, deadline(time.Minute, nil))
	if _, err := other.Notes(o).Get(ctx, 1); !errors.Is(err, notes.ErrNotFound) || errors.Is(err, notes.ErrUnavailable) {
		t.Errorf("Notes(o).Get of a missing note = %v, want ErrNotFound alone", err)
	}
}

// TestWithDeadlineObserves: the observer hears of every call, by
// operation, on the store and on its owner views.
func TestWithDeadlineObserves(t *testing.T) {
	var ops []string
	s := notes.WithDeadline(stallStore{err: notes.ErrNotFound}, deadline(time.Minute, func(op string, d time.Duration) {
		if d < 0 {
			t.Errorf("observed %s took %v", op, d)
		}
		ops = append(ops, op)
	}))
	_, _ = s.DeleteAnyNote(t.Context(), gatehousetest.Grant("admin"), 1)
	_, _ = s.Notes(gatehousetest.Owner[int64](1)).Get(t.Context(), 1)
	if want := []string{"DeleteAnyNote", "Notes.Get"}; fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Errorf("observed %q, want %q", ops, want)
	}
}

// deadlineSeen is a Store that records whether each call's context had a
// deadline; uncancelable says what its UncancelableReads reports.
type deadlineSeen struct {
	uncancelable bool
	err          error
	seen         map[string]bool
}

func (s *deadlineSeen) UncancelableReads() bool { return s.uncancelable }

func (s *deadlineSeen) record(ctx context.Context, op string) error {
	_, ok := ctx.Deadline()
	s.seen[op] = ok
	return s.err
}

func (s *deadlineSeen) Notes(notes.Owner) notes.NoteStore { return seenNotes{s: s} }

func (s *deadlineSeen) DeleteAnyNote(ctx context.Context, _ auth.RoleGrant, _ int64) (int64, error) {
	return 0, s.record(ctx, "DeleteAnyNote")
}

type seenNotes struct {
	notes.NoteStore // nil: only the methods below are called
	s               *deadlineSeen
}

func (n seenNotes) Get(ctx context.Context, _ int64) (notes.Note, error) {
	return notes.Note{}, n.s.record(ctx, "Get")
}

func (n seenNotes) List(ctx context.Context, _ notes.Page) ([]notes.Note, int64, error) {
	return nil, 0, n.s.record(ctx, "List")
}

func (n seenNotes) Delete(ctx context.Context, _ int64) error { return n.s.record(ctx, "Delete") }

// TestWithDeadlineUncancelableReads: the reads of a store that reports
// UncancelableReads run without a deadline (no timer to pay for), its
// writes keep theirs, and the errors of both are still classified; a store
// that reports false keeps the deadline on every call.
func TestWithDeadlineUncancelableReads(t *testing.T) {
	t.Parallel()
	o := gatehousetest.Owner(int64(1))
	for _, uncancelable := range []bool{true, false} {
		st := &deadlineSeen{uncancelable: uncancelable, err: errDiskFull, seen: map[string]bool{}}
		s := notes.WithDeadline(st, deadline(time.Minute, nil))
		_, getErr := s.Notes(o).Get(t.Context(), 1)
		_, _, listErr := s.Notes(o).List(t.Context(), notes.Page{})
		delErr := s.Notes(o).Delete(t.Context(), 1)
		_, anyErr := s.DeleteAnyNote(t.Context(), gatehousetest.Grant("admin"), 1)
		want := map[string]bool{"Get": !uncancelable, "List": !uncancelable, "Delete": true, "DeleteAnyNote": true}
		if fmt.Sprint(st.seen) != fmt.Sprint(want) {
			t.Errorf("uncancelable reads %v: deadline seen per call %v, want %v", uncancelable, st.seen, want)
		}
		for op, err := range map[string]error{"Get": getErr, "List": listErr, "Delete": delErr, "DeleteAnyNote": anyErr} {
			if !errors.Is(err, notes.ErrUnavailable) {
				t.Errorf("uncancelable reads %v: %s on a full disk = %v, want ErrUnavailable", uncancelable, op, err)
			}
		}
	}
}
