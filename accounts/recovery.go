package accounts

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/mail"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Lifetimes of the mailed tokens: a reset link works 30 minutes.
const (
	resetTokenTTL  = 30 * time.Minute
	verifyTokenTTL = 24 * time.Hour
)

// RequestPasswordReset queues a reset mail to the account of email, if
// there is an active one, and answers nil whether or not there is:
// finding the user, making the token and sending the mail happen off the
// request path (Mail), so a known and an unknown e-mail answer alike and
// in the same time. A malformed e-mail is 422. Requests count against the
// client's address (LimitReset, unless a Gate counted it) and the account
// (its normalised e-mail, known or not); past either limit, 429.
func (s *Service) RequestPasswordReset(ctx context.Context, c Client, email string) error {
	if err := s.countClient(ctx, LimitReset, c); err != nil {
		return err
	}
	email, ok := NormalizeEmail(email)
	if !ok {
		return problem.Invalid("body.email", "must be a valid e-mail address")
	}
	if err := s.hit(ctx, s.limits.resetAccount, email); err != nil {
		return err
	}
	attrs := dep.RequestLogAttrs(ctx)
	s.queueMail(ctx, func(ctx context.Context) { s.mailReset(ctx, attrs, email) })
	return nil
}

// queueMail queues a mail job; without a Mail nothing is sent.
func (s *Service) queueMail(ctx context.Context, job func(context.Context)) {
	if s.cfg.Mail == nil {
		return
	}
	if !s.cfg.Mail.enqueue(job) {
		s.cfg.Logger.WarnContext(ctx, "mail queue full: account mail dropped")
	}
}

// mailReset is the queued half of a reset request: an active user of that
// e-mail gets a new reset link (the earlier ones stop working); an
// unknown or inactive one gets nothing. attrs are the request's log
// attributes. Neither the token nor the unknown e-mail is logged.
func (s *Service) mailReset(ctx context.Context, attrs []slog.Attr, email string) {
	u, err := s.cfg.Stores.Users.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		s.securityWith(ctx, attrs, evResetRequested, slog.Bool("unknown_user", true), slog.String("outcome", "no mail"))
		return
	case err != nil:
		s.mailFailed(ctx, attrs, "password reset mail failed", slog.Any("error", err))
		return
	case !u.Active:
		s.securityWith(ctx, attrs, evResetRequested, userAttr(u.ID), slog.String("outcome", "inactive user: no mail"))
		return
	}
	token, err := s.newAccountToken(ctx, u.ID, PurposeReset, resetTokenTTL)
	if err == nil {
		err = s.cfg.Mail.mailer.Send(ctx, mail.Message{
			To:      u.Email,
			Subject: "Reset your " + s.cfg.AppName + " password",
			Text:    s.resetText(s.cfg.Mail.link(s.cfg.ResetPath, token), token),
		})
	}
	if err != nil {
		s.mailFailed(ctx, attrs, "password reset mail failed", userAttr(u.ID), slog.Any("error", err))
		return
	}
	s.securityWith(ctx, attrs, evResetRequested, userAttr(u.ID), slog.String("outcome", "link mailed"))
}

// newAccountToken makes a token of purpose for userID, stores its
// SHA-256 (replacing the user's earlier live ones) and returns it.
func (s *Service) newAccountToken(ctx context.Context, userID int64, purpose TokenPurpose, ttl time.Duration) (string, error) {
	token := rand.Text() // 26 base32 characters: 130 bits
	now := s.cfg.Now()
	err := s.cfg.Stores.Tokens.CreateAccountToken(ctx, NewAccountToken{
		UserID: userID, Purpose: purpose, Hash: auth.HashAPIKey(token), CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
	return token, err
}

func (s *Service) resetText(link, token string) string {
	return "Someone asked to reset the password of your " + s.cfg.AppName + " account.\n\n" +
		"To choose a new password, open this link within 30 minutes:\n\n" + link + "\n\n" +
		"Or send the token with the new password to the API: POST /auth/password-reset/confirm " +
		`{"token": "` + token + `", "password": "…"}` + "\n\n" +
		"The link works once. Using it logs you out everywhere.\n" +
		"If you did not ask for this, ignore this mail: your password stays as it is.\n"
}

func (s *Service) verifyText(link, token string) string {
	return "Please confirm that this is your e-mail address for " + s.cfg.AppName + ".\n\n" +
		"Open this link within 24 hours:\n\n" + link + "\n\n" +
		`Or send the token to the API: POST /auth/verify-email/confirm {"token": "` + token + `"}` + "\n\n" +
		"If you did not sign up for " + s.cfg.AppName + ", ignore this mail.\n"
}

// tokenShaped reports whether a token could be one of the mailed ones:
// 1 to 128 characters (the JSON routes' limits).
func tokenShaped(token string) bool { return token != "" && len(token) <= 128 }

// ResetPassword sets a new password with a live reset token, marks the
// user verified (the link proved the mailbox) and revokes every session
// of the user, refresh tokens and web sessions included. A bad password
// is a *ValidationError; a used, expired or unknown token is 400 "Invalid
// or expired token", found before the new password is hashed, so a bad
// token costs no hash.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if !tokenShaped(token) {
		return problem.InvalidOrExpiredToken()
	}
	if err := ValidatePassword("password", password); err != nil {
		return err
	}
	hash := auth.HashAPIKey(token)
	if _, err := s.cfg.Stores.Tokens.AccountTokenUser(ctx, PurposeReset, hash, s.cfg.Now()); err != nil {
		return tokenErr(err)
	}
	pw, err := s.cfg.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	u, err := s.cfg.Stores.Tokens.ResetPassword(ctx, hash, pw, s.cfg.Now())
	if err != nil {
		return tokenErr(err)
	}
	s.security(ctx, slog.LevelInfo, evPasswordReset, userAttr(u.ID), slog.String("outcome", "all sessions revoked"))
	return nil
}

// tokenErr maps a store error of a token lookup: not live is 400.
func tokenErr(err error) error {
	if errors.Is(err, ErrNotFound) {
		return problem.InvalidOrExpiredToken()
	}
	return err
}

// RequestEmailVerification mails u a verification link (the earlier ones
// stop working), off the request path; nothing when u is verified
// already. Requests count against the user (429 past ResetPerAccount).
func (s *Service) RequestEmailVerification(ctx context.Context, u User) error {
	if err := s.hit(ctx, s.limits.verifyUser, strconv.FormatInt(u.ID, 10)); err != nil {
		return err
	}
	if !u.Verified {
		s.queueVerification(ctx, u)
	}
	return nil
}

// queueVerification queues a verification mail to u.
func (s *Service) queueVerification(ctx context.Context, u User) {
	attrs := dep.RequestLogAttrs(ctx)
	s.queueMail(ctx, func(ctx context.Context) {
		token, err := s.newAccountToken(ctx, u.ID, PurposeVerify, verifyTokenTTL)
		if err == nil {
			err = s.cfg.Mail.mailer.Send(ctx, mail.Message{
				To:      u.Email,
				Subject: "Verify your e-mail address for " + s.cfg.AppName,
				Text:    s.verifyText(s.cfg.Mail.link(s.cfg.VerifyPath, token), token),
			})
		}
		if err != nil {
			s.mailFailed(ctx, attrs, "verification mail failed", userAttr(u.ID), slog.Any("error", err))
		}
	})
}

// VerifyEmail marks the token's user verified; a used, expired or unknown
// token is 400 "Invalid or expired token".
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	if !tokenShaped(token) {
		return problem.InvalidOrExpiredToken()
	}
	u, err := s.cfg.Stores.Tokens.VerifyEmail(ctx, auth.HashAPIKey(token), s.cfg.Now())
	if err != nil {
		return tokenErr(err)
	}
	s.security(ctx, slog.LevelInfo, evEmailVerified, userAttr(u.ID))
	return nil
}

// mailFailed logs a queued mail that could not be sent, with the
// request's log attributes; never the token or the text.
func (s *Service) mailFailed(ctx context.Context, attrs []slog.Attr, msg string, more ...slog.Attr) {
	s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, msg, append(attrs[:len(attrs):len(attrs)], more...)...)
}
