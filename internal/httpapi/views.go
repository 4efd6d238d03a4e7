package httpapi

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// noteView is a note as the API shows it.
type noteView struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	OwnerID   int64     `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewNote(n notes.Note) noteView {
	return noteView{ID: n.ID, Title: n.Title, Body: n.Body, OwnerID: n.OwnerID, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
}

type message struct {
	Message string `json:"message"`
}
