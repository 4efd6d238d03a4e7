package httpapi

import (
	"strconv"
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

// list is one page of a list: next_cursor is null on the last page.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func newList[S, T any](items []S, next int64, view func(S) T) list[T] {
	out := list[T]{Items: make([]T, len(items))}
	for i, it := range items {
		out.Items[i] = view(it)
	}
	if next != 0 {
		c := strconv.FormatInt(next, 10)
		out.NextCursor = &c
	}
	return out
}

type message struct {
	Message string `json:"message"`
}
