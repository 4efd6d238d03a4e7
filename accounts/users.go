package accounts

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Registration is a sign-up: only these fields, so there is no mass
// assignment (the role is always RoleUser, the account active).
type Registration struct {
	Email    string
	Password string
	Name     string
}

// Register creates a user with the role RoleUser: a *ValidationError for
// bad input, 409 "Email already registered" for a taken e-mail. The
// attempt counts against the client's address (LimitRegister, 429) unless
// a Gate counted it. With RequireVerifiedEmail it queues a verification
// mail to the new user, who cannot log in to ask for one.
func (s *Service) Register(ctx context.Context, c Client, in Registration) (User, error) {
	if err := s.countClient(ctx, LimitRegister, c); err != nil {
		return User{}, err
	}
	email, err := ValidateRegistration(in.Email, in.Password, in.Name)
	if err != nil {
		return User{}, err
	}
	hash, err := s.cfg.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	u, err := s.cfg.Stores.Users.CreateUser(ctx, NewUser{Email: email, Name: in.Name, Role: RoleUser, PasswordHash: hash})
	if errors.Is(err, ErrConflict) {
		return User{}, problem.Conflict("Email already registered")
	}
	if err == nil && s.cfg.RequireVerifiedEmail {
		s.queueVerification(ctx, u)
	}
	return u, err
}

// ChangePassword changes p's password: the new password must follow the
// registration rules (a *ValidationError), the current one must be right
// (400 "Current password is incorrect"), counted against the account's
// login limit like a failed login (before the check, refunded when right;
// 429 past the limit). Every other session of the user is revoked; the
// session of p stays (none does for an API key).
func (s *Service) ChangePassword(ctx context.Context, p Principal, o Owner, current, password string) error {
	if err := ValidatePassword("password", password); err != nil {
		return err
	}
	email, _ := NormalizeEmail(p.User().Email)
	refund, err := s.reserve(ctx, s.limits.loginAccount, email)
	if err != nil {
		return err
	}
	ok, _, err := s.cfg.Hasher.Verify(ctx, current, p.User().PasswordHash)
	if err != nil {
		refund()
		return err
	}
	if !ok {
		return problem.New(http.StatusBadRequest, "Current password is incorrect")
	}
	refund()
	hash, err := s.cfg.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := s.cfg.Stores.Users.SetPasswordHash(ctx, o, hash); err != nil {
		return err
	}
	keep, _ := parseID(p.SessionID()) // 0 for an API key: no session kept
	if err := s.cfg.Stores.Sessions.Sessions(o).RevokeOthers(ctx, keep); err != nil {
		return err
	}
	s.security(ctx, slog.LevelInfo, evPasswordChanged, slog.String("outcome", "other sessions revoked"))
	return nil
}

// SetName changes the owner's display name: a *ValidationError for a
// name that is empty, all spaces or too long.
func (s *Service) SetName(ctx context.Context, o Owner, name string) (User, error) {
	if err := ValidateName(name); err != nil {
		return User{}, err
	}
	return s.cfg.Stores.Users.SetName(ctx, o, name)
}

// UserChange is an admin's change of a user: nil fields stay.
type UserChange struct {
	Role   *string
	Active *bool
}

// ListUsers lists one page of every user, newest first, and the cursor of
// the next page (0 on the last); g must grant the admin role.
func (s *Service) ListUsers(ctx context.Context, g auth.RoleGrant, p Page) ([]User, int64, error) {
	return s.cfg.Stores.Users.ListUsers(ctx, g, p)
}

// UpdateUser is an admin's change of a user's role or status: 422 for no
// change or an unknown role, 404 "User not found", 409 for the last active
// admin; deactivation revokes the user's sessions. Logged as a security
// event.
func (s *Service) UpdateUser(ctx context.Context, g auth.RoleGrant, id int64, c UserChange) (User, error) {
	switch {
	case c.Role == nil && c.Active == nil:
		return User{}, problem.Invalid("body", "give role or is_active")
	case c.Role != nil && !Role(*c.Role).Valid():
		return User{}, problem.Invalid("body.role", "must be user or admin")
	}
	var patch UserPatch
	if c.Role != nil {
		r := Role(*c.Role)
		patch.Role = &r
	}
	patch.Active = c.Active
	u, err := s.cfg.Stores.Users.UpdateUser(ctx, g, id, patch)
	switch {
	case errors.Is(err, ErrNotFound):
		return User{}, problem.NotFound("User")
	case errors.Is(err, ErrLastAdmin):
		return User{}, problem.Conflict("Cannot demote or deactivate the last active admin")
	case err != nil:
		return User{}, err
	}
	attrs := []slog.Attr{slog.Int64("target_user_id", id)}
	if c.Role != nil {
		attrs = append(attrs, slog.String("role", *c.Role))
	}
	if c.Active != nil {
		attrs = append(attrs, slog.Bool("is_active", *c.Active))
	}
	s.security(ctx, slog.LevelInfo, evAdminUser, attrs...)
	return u, nil
}

// RevokeUserSessions is an admin's way to log a user out everywhere: 404
// "User not found" for an unknown id.
func (s *Service) RevokeUserSessions(ctx context.Context, g auth.RoleGrant, id int64) error {
	if _, err := s.cfg.Stores.Users.UserByID(ctx, id); errors.Is(err, ErrNotFound) {
		return problem.NotFound("User")
	} else if err != nil {
		return err
	}
	if err := s.cfg.Stores.Sessions.RevokeUserSessions(ctx, g, id); err != nil {
		return err
	}
	s.security(ctx, slog.LevelInfo, evAdminSessions, slog.Int64("target_user_id", id))
	return nil
}
