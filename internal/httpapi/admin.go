package httpapi

import (
	"context"
	"errors"
	"log/slog"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

type admin = auth.Privileged[notes.User]

func (s *server) listUsers(ctx context.Context, a admin, p notes.Page) (list[userView], error) {
	users, next, err := s.store.ListUsers(ctx, a.Grant, p)
	if err != nil {
		return list[userView]{}, err
	}
	return newList(users, next, viewUser), nil
}

type adminUserPatch struct {
	Role     *string `json:"role" openapi:"enum=user|admin"`
	IsActive *bool   `json:"is_active"`
}

// Validate checks that the patch changes something; the role's values
// are the tag's enum.
func (p *adminUserPatch) Validate() error {
	if p.Role == nil && p.IsActive == nil {
		return problem.Invalid("body", "give role or is_active")
	}
	return nil
}

func (s *server) patchUser(ctx context.Context, a admin, id int64, p adminUserPatch) (userView, error) {
	var patch notes.UserPatch
	if p.Role != nil {
		r := notes.Role(*p.Role)
		patch.Role = &r
	}
	patch.Active = p.IsActive
	u, err := s.store.UpdateUser(ctx, a.Grant, id, patch)
	switch {
	case errors.Is(err, notes.ErrNotFound):
		return userView{}, problem.NotFound("User")
	case errors.Is(err, notes.ErrLastAdmin):
		return userView{}, problem.Conflict("Cannot demote or deactivate the last active admin")
	case err != nil:
		return userView{}, err
	}
	attrs := []slog.Attr{slog.Int64("target_user_id", id)}
	if p.Role != nil {
		attrs = append(attrs, slog.String("role", *p.Role))
	}
	if p.IsActive != nil {
		attrs = append(attrs, slog.Bool("is_active", *p.IsActive))
	}
	s.security(ctx, slog.LevelInfo, evAdminUser, attrs...)
	return viewUser(u), nil
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
