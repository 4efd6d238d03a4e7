package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/mail"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Lifetimes of the mailed tokens (SPEC §3: a reset link works 30 minutes).
const (
	resetTokenTTL  = 30 * time.Minute
	verifyTokenTTL = 24 * time.Hour
)

// Pages of the web UI the mailed links open; the token is their query.
const (
	resetPage  = "/ui/reset-password"
	verifyPage = "/ui/verify-email"
)

// accepted is a 202 Accepted answer: the work was queued.
type accepted struct {
	Message string `json:"message"`
}

// Render implements dep.Renderer.
func (a accepted) Render(w http.ResponseWriter, _ *http.Request) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, err = w.Write(append(b, '\n'))
	return err
}

// Status returns 202, for documentation.
func (accepted) Status() int { return http.StatusAccepted }

// BodyType returns the body's type, for documentation.
func (accepted) BodyType() reflect.Type { return reflect.TypeFor[accepted]() }

// resetAccepted is the one answer to every password reset request.
var resetAccepted = accepted{Message: "If an account has this e-mail address, a password reset link has been sent to it."}

type resetRequestInput struct {
	Email string `json:"email" openapi:"format=email,maxBytes=254"`
}

// requestPasswordReset answers 202 with the same body whether or not the
// e-mail has an account: finding the user, making the token and sending
// the mail happen off the request path (Mail). Requests count against the
// client address (the gate) and the account (its normalised e-mail, known
// or not); past either limit, 429.
func (s *server) requestPasswordReset(ctx context.Context, _ client, in resetRequestInput) (accepted, error) {
	email, ok := notes.NormalizeEmail(in.Email)
	if !ok {
		return accepted{}, problem.Invalid("body.email", "must be a valid e-mail address")
	}
	if err := s.hit(ctx, s.limits.resetAccount, email); err != nil {
		return accepted{}, err
	}
	attrs := dep.RequestLogAttrs(ctx)
	s.queueMail(ctx, func(ctx context.Context) { s.mailReset(ctx, attrs, email) })
	return resetAccepted, nil
}

// queueMail queues a mail job; without a Mail nothing is sent.
func (s *server) queueMail(ctx context.Context, job func(context.Context)) {
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
func (s *server) mailReset(ctx context.Context, attrs []slog.Attr, email string) {
	u, err := s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, notes.ErrNotFound):
		s.securityWith(ctx, attrs, evResetRequested, slog.Bool("unknown_user", true), slog.String("outcome", "no mail"))
		return
	case err != nil:
		s.mailFailed(ctx, attrs, "password reset mail failed", slog.Any("error", err))
		return
	case !u.Active:
		s.securityWith(ctx, attrs, evResetRequested, userAttr(u.ID), slog.String("outcome", "inactive user: no mail"))
		return
	}
	token, err := s.newAccountToken(ctx, u.ID, notes.PurposeReset, resetTokenTTL)
	if err == nil {
		err = s.cfg.Mail.mailer.Send(ctx, mail.Message{
			To:      u.Email,
			Subject: "Reset your notesd password",
			Text:    resetText(s.cfg.Mail.link(resetPage, token), token),
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
func (s *server) newAccountToken(ctx context.Context, userID int64, purpose notes.TokenPurpose, ttl time.Duration) (string, error) {
	token := rand.Text() // 26 base32 characters: 130 bits
	now := s.cfg.Now()
	err := s.store.CreateAccountToken(ctx, notes.NewAccountToken{
		UserID: userID, Purpose: purpose, Hash: auth.HashAPIKey(token), CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
	return token, err
}

func resetText(link, token string) string {
	return "Someone asked to reset the password of your notesd account.\n\n" +
		"To choose a new password, open this link within 30 minutes:\n\n" + link + "\n\n" +
		"Or send the token with the new password to the API: POST /auth/password-reset/confirm " +
		`{"token": "` + token + `", "password": "…"}` + "\n\n" +
		"The link works once. Using it logs you out everywhere.\n" +
		"If you did not ask for this, ignore this mail: your password stays as it is.\n"
}

func verifyText(link, token string) string {
	return "Please confirm that this is your e-mail address for notesd.\n\n" +
		"Open this link within 24 hours:\n\n" + link + "\n\n" +
		`Or send the token to the API: POST /auth/verify-email/confirm {"token": "` + token + `"}` + "\n\n" +
		"If you did not sign up for notesd, ignore this mail.\n"
}

type resetConfirmInput struct {
	Token    string `json:"token" openapi:"minLength=1,maxLength=128"`
	Password string `json:"password" openapi:"minLength=8,maxLength=1024,format=password"`
}

// confirmPasswordReset sets a new password with a live reset token, marks
// the user verified (the link proved the mailbox) and revokes every
// session of the user, refresh tokens and web sessions included. A used,
// expired or unknown token is 400 "Invalid or expired token"; it is
// looked up before the new password is hashed, so a bad token costs no
// hash.
func (s *server) confirmPasswordReset(ctx context.Context, in resetConfirmInput) (dep.NoContent, error) {
	if err := notes.ValidatePassword("password", in.Password); err != nil {
		return dep.NoContent{}, err
	}
	hash := auth.HashAPIKey(in.Token)
	if _, err := s.store.AccountTokenUser(ctx, notes.PurposeReset, hash, s.cfg.Now()); err != nil {
		return dep.NoContent{}, tokenErr(err)
	}
	pw, err := s.cfg.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return dep.NoContent{}, err
	}
	u, err := s.store.ResetPassword(ctx, hash, pw, s.cfg.Now())
	if err != nil {
		return dep.NoContent{}, tokenErr(err)
	}
	s.security(ctx, slog.LevelInfo, evPasswordReset, userAttr(u.ID), slog.String("outcome", "all sessions revoked"))
	return dep.NoContent{}, nil
}

// tokenErr maps a store error of a token lookup: not live is 400.
func tokenErr(err error) error {
	if isNotFound(err) {
		return problem.InvalidOrExpiredToken()
	}
	return err
}

// verifyAccepted is the answer to a verification mail request.
var verifyAccepted = accepted{Message: "Unless the address is verified already, a verification link has been sent to it."}

// requestVerification mails the caller a verification link (the earlier
// ones stop working), off the request path; nothing when they are
// verified already. Requests count against the user (429 past the limit).
func (s *server) requestVerification(ctx context.Context, p principal) (accepted, error) {
	u := p.User()
	if err := s.hit(ctx, s.limits.verifyUser, strconv.FormatInt(u.ID, 10)); err != nil {
		return accepted{}, err
	}
	if !u.Verified {
		s.queueVerification(ctx, u)
	}
	return verifyAccepted, nil
}

// queueVerification queues a verification mail to u.
func (s *server) queueVerification(ctx context.Context, u notes.User) {
	attrs := dep.RequestLogAttrs(ctx)
	s.queueMail(ctx, func(ctx context.Context) {
		token, err := s.newAccountToken(ctx, u.ID, notes.PurposeVerify, verifyTokenTTL)
		if err == nil {
			err = s.cfg.Mail.mailer.Send(ctx, mail.Message{
				To:      u.Email,
				Subject: "Verify your e-mail address for notesd",
				Text:    verifyText(s.cfg.Mail.link(verifyPage, token), token),
			})
		}
		if err != nil {
			s.mailFailed(ctx, attrs, "verification mail failed", userAttr(u.ID), slog.Any("error", err))
		}
	})
}

type verifyConfirmInput struct {
	Token string `json:"token" openapi:"minLength=1,maxLength=128"`
}

// confirmVerification marks the token's user verified; a used, expired
// or unknown token is 400 "Invalid or expired token".
func (s *server) confirmVerification(ctx context.Context, in verifyConfirmInput) (dep.NoContent, error) {
	u, err := s.store.VerifyEmail(ctx, auth.HashAPIKey(in.Token), s.cfg.Now())
	if err != nil {
		return dep.NoContent{}, tokenErr(err)
	}
	s.security(ctx, slog.LevelInfo, evEmailVerified, userAttr(u.ID))
	return dep.NoContent{}, nil
}

// mailFailed logs a queued mail that could not be sent, with the
// request's log attributes; never the token or the text.
func (s *server) mailFailed(ctx context.Context, attrs []slog.Attr, msg string, more ...slog.Attr) {
	s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, msg, append(attrs[:len(attrs):len(attrs)], more...)...)
}

func userAttr(id int64) slog.Attr { return slog.String("user_id", strconv.FormatInt(id, 10)) }
