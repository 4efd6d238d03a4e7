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
	switch {
	case p.Role == nil && p.IsActive == nil:
		return problem.Invalid("body", "give role or is_active")
	case p.Role != nil && *p.Role != string(notes.RoleUser) && *p.Role != string(notes.RoleAdmin):
		return problem.Invalid("body.role", "must be user or admin") // the tag's enum, for the web UI's form
	}
	return nil
}

func (s *server) patchUser(ctx context.Context, a admin, id int64, p adminUserPatch) (userView, error) {
	u, err := s.updateUser(ctx, a, id, p)
	if err != nil {
		return userView{}, err
	}
	return viewUser(u), nil
}

// updateUser is an admin's change of a user's role or status (PATCH
// /admin/users/{id} and the web UI's admin page): 404 "User not found",
// 409 for the last active admin, logged as a security event.
func (s *server) updateUser(ctx context.Context, a admin, id int64, p adminUserPatch) (notes.User, error) {
	if err := p.Validate(); err != nil {
		return notes.User{}, err
	}
	var patch notes.UserPatch
	if p.Role != nil {
		r := notes.Role(*p.Role)
		patch.Role = &r
	}
	patch.Active = p.IsActive
	u, err := s.store.UpdateUser(ctx, a.Grant, id, patch)
	switch {
	case errors.Is(err, notes.ErrNotFound):
		return notes.User{}, problem.NotFound("User")
	case errors.Is(err, notes.ErrLastAdmin):
		return notes.User{}, problem.Conflict("Cannot demote or deactivate the last active admin")
	case err != nil:
		return notes.User{}, err
	}
	attrs := []slog.Attr{slog.Int64("target_user_id", id)}
	if p.Role != nil {
		attrs = append(attrs, slog.String("role", *p.Role))
	}
	if p.IsActive != nil {
		attrs = append(attrs, slog.Bool("is_active", *p.IsActive))
	}
	s.security(ctx, slog.LevelInfo, evAdminUser, attrs...)
	return u, nil
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
