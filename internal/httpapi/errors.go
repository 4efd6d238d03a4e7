package httpapi

import (
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// retryUnavailable is the Retry-After of a 503: the hash pool drains and a
// database recovers (or its deadline passes) in about that time.
const retryUnavailable = time.Second

// mapError maps domain errors to problems: the accounts' (validation, a
// busy hash pool or storage, the API key quota: accounts.MapError), then
// the notes' (validation errors are the accounts' type); nil for errors it
// does not know (the API answers those with a generic 500 and logs them).
func mapError(err error) *problem.Details {
	if p := accounts.MapError(err); p != nil {
		return p
	}
	if errors.Is(err, notes.ErrNoteLimit) {
		return problem.NoteLimit()
	}
	return nil
}

// notFound is the one answer for a note that is missing or someone else's.
func noteNotFound() *problem.Details { return problem.NotFound("Note") }

// noteErr maps a note store error: not found (or not yours) is always the
// same 404.
func noteErr(err error) error {
	if errors.Is(err, notes.ErrNotFound) {
		return noteNotFound()
	}
	return err
}
