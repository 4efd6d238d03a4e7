package httpapi

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/webui"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// webAccount is what the web UI's account and admin pages do, through the
// API's own code paths: the same rules, limits, store calls and security
// events as the JSON routes.
func (s *server) webAccount() webui.Account {
	return webui.Account{
		RequestPasswordReset: func(ctx context.Context, email string) error {
			_, err := s.requestPasswordReset(ctx, client{}, resetRequestInput{Email: email})
			return err
		},
		ConfirmPasswordReset: func(ctx context.Context, token, password string) error {
			if !tokenShaped(token) {
				return problem.InvalidOrExpiredToken()
			}
			_, err := s.confirmPasswordReset(ctx, resetConfirmInput{Token: token, Password: password})
			return err
		},
		VerifyEmail: func(ctx context.Context, token string) error {
			if !tokenShaped(token) {
				return problem.InvalidOrExpiredToken()
			}
			_, err := s.confirmVerification(ctx, verifyConfirmInput{Token: token})
			return err
		},
		ChangePassword: s.changePassword,
		RevokeSession: func(ctx context.Context, o owner, id int64) error {
			_, err := s.revokeSession(ctx, o, id)
			return err
		},
		CreateAPIKey: func(ctx context.Context, p principal, o owner, k webui.APIKeyForm) (notes.APIKey, string, error) {
			return s.issueAPIKey(ctx, p, o, apiKeyInput{Name: k.Name, Scopes: k.Scopes, ExpiresInDays: k.ExpiresInDays})
		},
		RevokeAPIKey: func(ctx context.Context, o owner, id int64) error {
			_, err := s.revokeAPIKey(ctx, o, id)
			return err
		},
		UpdateUser: func(ctx context.Context, a admin, id int64, role *string, active *bool) (notes.User, error) {
			return s.updateUser(ctx, a, id, adminUserPatch{Role: role, IsActive: active})
		},
	}
}

// tokenShaped reports whether a token from a form could be one of the
// mailed ones: the JSON routes' tags allow 1 to 128 characters.
func tokenShaped(token string) bool { return token != "" && len(token) <= 128 }
