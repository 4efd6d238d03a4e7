package events_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

func created(owner, id int64) notes.Event {
	return notes.Event{Kind: notes.EventCreated, OwnerID: owner, NoteID: id, Note: &notes.Note{ID: id, OwnerID: owner}}
}

func subscribe(t *testing.T, h *events.Hub, user int64, last string) (*events.Subscription, []events.Delivery, bool) {
	t.Helper()
	s, replay, resync, err := h.Subscribe(user, last)
	if err != nil {
		t.Fatalf("Subscribe(%d, %q) = %v", user, last, err)
	}
	t.Cleanup(s.Close)
	return s, replay, resync
}

func TestOnlyTheOwnerReceives(t *testing.T) {
	t.Parallel()
	h := events.NewHub(events.Config{})
	alice, _, _ := subscribe(t, h, 1, "")
	bob, _, _ := subscribe(t, h, 2, "")
	_ = h.Publish(context.Background(), created(2, 7))
	_ = h.Publish(context.Background(), created(1, 8))
	if d := <-alice.Events(); d.NoteID != 8 || d.OwnerID != 1 {
		t.Fatalf("alice received %+v, want her note 8", d)
	}
	if d := <-bob.Events(); d.NoteID != 7 {
		t.Fatalf("bob received %+v, want his note 7", d)
	}
	select {
	case d := <-alice.Events():
		t.Fatalf("alice received %+v too, want nothing more", d)
	default:
	}
}

func TestCapPerUser(t *testing.T) {
	t.Parallel()
	h := events.NewHub(events.Config{MaxPerUser: 2})
	a, _, _ := subscribe(t, h, 1, "")
	subscribe(t, h, 1, "")
	if _, _, _, err := h.Subscribe(1, ""); !errors.Is(err, events.ErrTooManyStreams) {
		t.Fatalf("third Subscribe = %v, want ErrTooManyStreams", err)
	}
	subscribe(t, h, 2, "") // another user has slots of their own
	a.Close()
	subscribe(t, h, 1, "") // a closed stream frees its slot
}

func TestSlowConsumerIsDropped(t *testing.T) {
	t.Parallel()
	h := events.NewHub(events.Config{Queue: 2})
	slow, _, _ := subscribe(t, h, 1, "")
	fast, _, _ := subscribe(t, h, 1, "")
	for i := range 3 {
		_ = h.Publish(context.Background(), created(1, int64(i+1)))
		<-fast.Events()
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("a stream that read nothing of 3 events with a queue of 2 is still open")
	}
	if !errors.Is(slow.Err(), events.ErrSlow) {
		t.Fatalf("Err = %v, want ErrSlow", slow.Err())
	}
	if fast.Err() != nil {
		t.Fatalf("the reading stream ended too: %v", fast.Err())
	}
}

func TestResume(t *testing.T) {
	t.Parallel()
	h := events.NewHub(events.Config{Buffer: 3})
	s, _, _ := subscribe(t, h, 1, "")
	var ids []string
	for i := range 5 {
		_ = h.Publish(context.Background(), created(1, int64(i+1)))
		ids = append(ids, (<-s.Events()).ID)
	}
	s.Close()
	tests := []struct {
		name   string
		last   string
		notes  []int64
		resync bool
	}{
		{"in the buffer", ids[2], []int64{4, 5}, false},
		{"the newest", ids[4], nil, false},
		{"older than the buffer", ids[0], []int64{3, 4, 5}, true},
		{"another hub's", "zzzz-3", nil, true},
		{"garbage", "x", nil, true},
		{"from the future", ids[4] + "0", nil, true},
	}
	for _, tt := range tests {
		s, replay, resync := subscribe(t, h, 1, tt.last)
		var got []int64
		for _, d := range replay {
			got = append(got, d.NoteID)
			if d.Note != nil {
				t.Errorf("%s: a replayed event carries the note's text; the buffer keeps ids only", tt.name)
			}
		}
		if !slices.Equal(got, tt.notes) || resync != tt.resync {
			t.Errorf("%s: Subscribe replays %v, resync %v; want %v, %v", tt.name, got, resync, tt.notes, tt.resync)
		}
		s.Close()
	}
}

func TestCloseEndsEverything(t *testing.T) {
	t.Parallel()
	h := events.NewHub(events.Config{})
	s, _, _ := subscribe(t, h, 1, "")
	h.Close()
	<-s.Done()
	if !errors.Is(s.Err(), events.ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", s.Err())
	}
	if _, _, _, err := h.Subscribe(1, ""); !errors.Is(err, events.ErrClosed) {
		t.Fatalf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if n := h.Open(); n != 0 {
		t.Fatalf("Open() = %d after Close, want 0", n)
	}
}
