package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

type registerInput struct {
	Email    string `json:"email" openapi:"format=email,maxBytes=254"`
	Password string `json:"password" openapi:"minLength=8,maxLength=1024,format=password"`
	Name     string `json:"name" openapi:"minLength=1,maxLength=200"`
}

// register creates a user. Only email, password and name are accepted:
// role, is_active or id in the body are unknown fields (422), so there is
// no mass assignment.
func (s *server) register(ctx context.Context, _ client, in registerInput) (dep.Created[userView], error) {
	u, err := s.signUp(ctx, in.Email, in.Password, in.Name)
	if err != nil {
		return dep.Created[userView]{}, err
	}
	return dep.Created[userView]{Body: viewUser(u)}, nil
}

// signUp creates a user with the role "user" (the API's and the web UI's
// registration): a *notes.ValidationError for bad input, 409 "Email already
// registered" for a taken e-mail. With RequireVerifiedEmail it queues a
// verification mail to the new user.
func (s *server) signUp(ctx context.Context, email, password, name string) (notes.User, error) {
	email, err := notes.ValidateRegistration(email, password, name)
	if err != nil {
		return notes.User{}, err
	}
	hash, err := s.cfg.Hasher.Hash(ctx, password)
	if err != nil {
		return notes.User{}, err
	}
	u, err := s.store.CreateUser(ctx, notes.NewUser{Email: email, Name: name, Role: notes.RoleUser, PasswordHash: hash})
	if errors.Is(err, notes.ErrConflict) {
		return notes.User{}, problem.Conflict("Email already registered")
	}
	if err == nil && s.cfg.RequireVerifiedEmail {
		s.queueVerification(ctx, u) // the user cannot log in to ask for it
	}
	return u, err
}

func me(_ context.Context, p principal) (userView, error) { return viewUser(p.User()), nil }

type mePatch struct {
	Name            *string `json:"name" openapi:"minLength=1,maxLength=200"`
	Password        *string `json:"password" openapi:"minLength=8,maxLength=1024,format=password"`
	CurrentPassword *string `json:"current_password" openapi:"format=password"`
}

// Validate checks what the tags cannot state: one field at least, the
// current password with a new one, and no name of spaces (the domain's
// rule). Lengths are the tags'.
func (p *mePatch) Validate() error {
	switch {
	case p.Name == nil && p.Password == nil:
		return problem.Invalid("body", "give name or password")
	case p.Password != nil && p.CurrentPassword == nil:
		return problem.Invalid("body.current_password", "field required to change the password")
	case p.Name != nil:
		return notes.ValidateName(*p.Name)
	}
	return nil
}

// patchMe changes the caller's name, or password. A password change needs
// the current password and revokes every other session of the user; the
// session making the change stays logged in. A wrong current password
// counts against the account's login limit like a failed login (counted
// before the check, refunded when right; 429 past the limit).
func (s *server) patchMe(ctx context.Context, p principal, o owner, in mePatch) (userView, error) {
	u := p.User()
	if in.Password != nil {
		if err := s.changePassword(ctx, p, o, *in.CurrentPassword, *in.Password); err != nil {
			return userView{}, err
		}
	}
	if in.Name != nil {
		var err error
		if u, err = s.store.SetName(ctx, o, *in.Name); err != nil {
			return userView{}, err
		}
	}
	return viewUser(u), nil
}

// changePassword is the password change of PATCH /me and of the web UI's
// account page: the new password must follow the registration rules
// (422), the current one must be right (400 "Current password is
// incorrect"), counted against the account's login limit like a failed
// login (before the check, refunded when right; 429 past the limit).
// Every other session of the user is revoked; the session of p stays.
func (s *server) changePassword(ctx context.Context, p principal, o owner, current, password string) error {
	if err := notes.ValidatePassword("password", password); err != nil {
		return err
	}
	email, _ := notes.NormalizeEmail(p.User().Email)
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
	if err := s.store.SetPasswordHash(ctx, o, hash); err != nil {
		return err
	}
	keep, _ := parseID(p.SessionID()) // 0 for an API key: no session kept
	if err := s.store.Sessions(o).RevokeOthers(ctx, keep); err != nil {
		return err
	}
	s.security(ctx, slog.LevelInfo, evPasswordChanged, slog.String("outcome", "other sessions revoked"))
	return nil
}
