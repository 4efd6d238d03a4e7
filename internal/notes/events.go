package notes

import "context"

// Kinds of note events.
const (
	EventCreated = "created"
	EventUpdated = "updated"
	EventDeleted = "deleted"
)

// Event is one change of one note, for its owner's event streams.
type Event struct {
	Kind    string // EventCreated, EventUpdated or EventDeleted
	OwnerID int64
	NoteID  int64
	// Note is the note after a create or update, when the way the event
	// came by could carry it; nil for a delete. A stream without it reads
	// the note through its owner's view.
	Note *Note
}

// Events receives the changes of notes once they are stored, to pass them
// to their owners' streams (in-process, or across replicas). An error means
// the event may not reach every stream; the change itself is stored.
type Events interface {
	Publish(ctx context.Context, e Event) error
}
