package httpapi

import (
	"context"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// noteInput is a new note. Its tags are the limits dep.JSON enforces and
// the document states (notes' constants, held equal by a test).
type noteInput struct {
	Title string `json:"title" openapi:"minLength=1,maxLength=200"`
	Body  string `json:"body" openapi:"optional,maxBytes=100000"`
}

// Validate applies the domain's rules the tags cannot state (a title of
// spaces, text that is not storable).
func (in *noteInput) Validate() error {
	return notes.NoteInput{Title: in.Title, Body: in.Body}.Validate()
}

type notePatch struct {
	Title *string `json:"title" openapi:"minLength=1,maxLength=200"`
	Body  *string `json:"body" openapi:"maxBytes=100000"`
}

// Validate applies the domain's rules: one field at least, no title of spaces.
func (p *notePatch) Validate() error { return notes.NotePatch(*p).Validate() }

func (s *server) listNotes(ctx context.Context, o owner, p notes.Page) (accounts.List[noteView], error) {
	items, next, err := s.store.Notes(o).List(ctx, p)
	if err != nil {
		return accounts.List[noteView]{}, err
	}
	return accounts.NewList(items, next, viewNote), nil
}

func (s *server) createNote(ctx context.Context, o owner, in noteInput) (dep.Created[noteView], error) {
	n, err := s.store.Notes(o).Create(ctx, notes.NoteInput{Title: in.Title, Body: in.Body, MaxPerUser: s.cfg.Quotas.NotesPerUser})
	if err != nil {
		return dep.Created[noteView]{}, err
	}
	s.publish(ctx, notes.Event{Kind: notes.EventCreated, OwnerID: o.ID(), NoteID: n.ID, Note: &n})
	return dep.Created[noteView]{Body: viewNote(n)}, nil
}

func (s *server) getNote(ctx context.Context, o owner, id int64) (noteView, error) {
	n, err := s.store.Notes(o).Get(ctx, id)
	if err != nil {
		return noteView{}, noteErr(err)
	}
	return viewNote(n), nil
}

func (s *server) patchNote(ctx context.Context, o owner, id int64, p notePatch) (noteView, error) {
	n, err := s.store.Notes(o).Update(ctx, id, notes.NotePatch(p))
	if err != nil {
		return noteView{}, noteErr(err)
	}
	s.publish(ctx, notes.Event{Kind: notes.EventUpdated, OwnerID: o.ID(), NoteID: n.ID, Note: &n})
	return viewNote(n), nil
}

func (s *server) deleteNote(ctx context.Context, o owner, id int64) (dep.NoContent, error) {
	if err := s.store.Notes(o).Delete(ctx, id); err != nil {
		return dep.NoContent{}, noteErr(err)
	}
	s.publish(ctx, notes.Event{Kind: notes.EventDeleted, OwnerID: o.ID(), NoteID: id})
	return dep.NoContent{}, nil
}

// publish tells the event streams of a stored change; the change stands
// whether or not that works.
func (s *server) publish(ctx context.Context, e notes.Event) {
	if err := s.cfg.Events.Publish(ctx, e); err != nil {
		s.cfg.Logger.WarnContext(ctx, "publish note event", "kind", e.Kind, "note_id", e.NoteID, "error", err)
	}
}

func (s *server) deleteAnyNote(ctx context.Context, a admin, id int64) (dep.NoContent, error) {
	ownerID, err := s.store.DeleteAnyNote(ctx, a.Grant, id)
	if err := noteErr(err); err != nil {
		return dep.NoContent{}, err
	}
	s.security(ctx, slog.LevelInfo, evAdminNote, slog.Int64("note_id", id))
	s.publish(ctx, notes.Event{Kind: notes.EventDeleted, OwnerID: ownerID, NoteID: id})
	return dep.NoContent{}, nil
}

// Examples of the note bodies, for the OpenAPI document (Swagger UI shows
// them).

// exampleTime is the instant the examples speak of.
func exampleTime() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func noteInputExample() noteInput {
	return noteInput{Title: "Groceries", Body: "Milk, eggs, and bread for the weekend."}
}

func noteExample() noteView {
	in := noteInputExample()
	return noteView{ID: 7, Title: in.Title, Body: in.Body, OwnerID: 42, CreatedAt: exampleTime(), UpdatedAt: exampleTime()}
}
