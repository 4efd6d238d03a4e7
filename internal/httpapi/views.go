package httpapi

import (
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
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

// AppendJSON appends v as json.Marshal would (dep.JSONAppender): GET
// /notes/{id} is the hottest route.
func (v noteView) AppendJSON(b []byte) ([]byte, error) {
	b = strconv.AppendInt(append(b, `{"id":`...), v.ID, 10)
	b = dep.AppendJSONString(append(b, `,"title":`...), v.Title)
	b = dep.AppendJSONString(append(b, `,"body":`...), v.Body)
	b = strconv.AppendInt(append(b, `,"owner_id":`...), v.OwnerID, 10)
	b, err := dep.AppendJSONTime(append(b, `,"created_at":`...), v.CreatedAt)
	if err != nil {
		return nil, err
	}
	b, err = dep.AppendJSONTime(append(b, `,"updated_at":`...), v.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func viewNote(n notes.Note) noteView {
	return noteView{ID: n.ID, Title: n.Title, Body: n.Body, OwnerID: n.OwnerID, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
}

type message struct {
	Message string `json:"message"`
}
