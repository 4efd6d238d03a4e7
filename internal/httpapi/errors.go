package httpapi

import (
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// retryUnavailable is the Retry-After of a 503: the hash pool drains and a
// database recovers (or its deadline passes) in about that time.
const retryUnavailable = time.Second

// mapError maps domain errors to problems; nil for errors it does not know
// (the API answers those with a generic 500 and logs them).
func mapError(err error) *problem.Details {
	var ve *notes.ValidationError
	switch {
	case errors.As(err, &ve):
		fe := make([]problem.FieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			fe[i] = problem.FieldError{Location: "body." + f.Field, Message: f.Message}
		}
		return problem.Validation(fe...)
	case errors.Is(err, auth.ErrBusy), errors.Is(err, notes.ErrUnavailable):
		return problem.Unavailable(retryUnavailable)
	case errors.Is(err, notes.ErrNoteLimit):
		return problem.NoteLimit()
	case errors.Is(err, notes.ErrAPIKeyLimit):
		return problem.APIKeyLimit()
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
