package accounts

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by every store and by the Service's flows.
var (
	// ErrNotFound: the row does not exist or is not visible to the owner.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value (e-mail, API key prefix) is taken.
	ErrConflict = errors.New("conflict")
	// ErrLastAdmin: the change would leave no active admin.
	ErrLastAdmin = errors.New("last active admin")
	// ErrForbidden: the proof value passed to the store does not allow the call.
	ErrForbidden = errors.New("forbidden")
	// ErrRefreshReused: a rotated-away refresh token was presented again;
	// its session has been revoked.
	ErrRefreshReused = errors.New("refresh token reused")
	// ErrAPIKeyLimit: the owner already has as many live API keys as the
	// quota (NewAPIKey.MaxPerUser) allows.
	ErrAPIKeyLimit = errors.New("api key limit reached")
	// ErrUnavailable: the database cannot serve the call now (down,
	// refusing or resetting connections, stalled past the call's deadline,
	// out of space, read-only, failing I/O); the same call may succeed
	// later. It wraps the driver's error (Unavailable), so the cause stays
	// in the error's text for the log.
	ErrUnavailable = errors.New("storage unavailable")
)

// Unavailable returns err marked as ErrUnavailable (errors.Is holds for
// both), or nil for nil.
func Unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
