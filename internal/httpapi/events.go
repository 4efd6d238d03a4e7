package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// heartbeatEvery is how often an idle stream sends a comment line, so
// proxies keep it open and a dead client is noticed.
const heartbeatEvery = 15 * time.Second

// streamInput is what a note event stream needs: whose notes, and where a
// reconnecting client left off.
type streamInput struct {
	o      owner
	lastID string
}

// eventsInput reads the Last-Event-ID header; an overlong one is ignored
// (the stream starts afresh with a reset event).
func eventsInput(o dep.Dep[owner]) dep.Dep[streamInput] {
	return dep.Derive2(o, dep.Request(), func(_ context.Context, o owner, r *http.Request) (streamInput, error) {
		return streamInput{o: o, lastID: resumeID(r.Header.Get("Last-Event-ID"))}, nil
	})
}

// resumeID is the event id a client resumes from; an overlong one is
// not an id of ours, and makes the stream start afresh with a reset.
func resumeID(last string) string {
	if len(last) > 64 {
		return "x"
	}
	return last
}

// eventData is the data of one event: the note id, and the note for
// created and updated.
type eventData struct {
	ID   int64     `json:"id"`
	Note *noteView `json:"note,omitempty"`
}

// noteEvents is GET /notes/events: the caller's own note changes as
// Server-Sent Events, until the client leaves, the credential stops being
// valid (dep.Stream re-checks it), the stream falls behind or the server
// drains.
func (s *server) noteEvents(ctx context.Context, w *dep.StreamWriter, in streamInput) error {
	sub, replay, resync, err := s.cfg.Streams.Subscribe(in.o.ID(), in.lastID)
	switch {
	case errors.Is(err, events.ErrTooManyStreams):
		return problem.TooManyStreams()
	case errors.Is(err, events.ErrClosed):
		return problem.Unavailable(time.Second) // draining: another replica, or this one restarted, serves the retry
	case err != nil:
		return err
	}
	defer sub.Close()
	if _, err := fmt.Fprint(w, "retry: 2000\n: stream open\n\n"); err != nil {
		return nil
	}
	if resync {
		if _, err := fmt.Fprint(w, "event: reset\ndata: {}\n\n"); err != nil {
			return nil
		}
	}
	for _, d := range replay {
		if err := s.writeEvent(ctx, w, in.o, d); err != nil {
			return nil
		}
	}
	if err := w.Flush(); err != nil {
		return nil
	}
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			return nil // dropped as slow (it may resume), or draining
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
		case d := <-sub.Events():
			if err := s.writeEvent(ctx, w, in.o, d); err != nil {
				return nil
			}
		}
		if err := w.Flush(); err != nil {
			return nil
		}
	}
}

// writeEvent writes d as a Server-Sent Event if it is o's.
func (s *server) writeEvent(ctx context.Context, w *dep.StreamWriter, o owner, d events.Delivery) error {
	data, ok, err := s.eventData(ctx, o, d)
	if err != nil || !ok {
		return err
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", d.ID, d.Kind, b)
	return err
}

// eventData is what is sent of d, and whether it is o's at all: an event
// without its note (replayed, or come by a way that could not carry it)
// reads it through o's view; a note gone since is sent without one.
func (s *server) eventData(ctx context.Context, o owner, d events.Delivery) (eventData, bool, error) {
	if d.OwnerID != o.ID() {
		return eventData{}, false, nil // never someone else's
	}
	data := eventData{ID: d.NoteID}
	if d.Kind != notes.EventDeleted {
		n := d.Note
		if n == nil || n.OwnerID != o.ID() {
			got, err := s.store.Notes(o).Get(ctx, d.NoteID)
			if err != nil && !errors.Is(err, notes.ErrNotFound) {
				return eventData{}, false, err
			}
			n = nil
			if err == nil {
				n = &got
			}
		}
		if n != nil {
			v := viewNote(*n)
			data.Note = &v
		}
	}
	return data, true, nil
}
