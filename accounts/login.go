package accounts

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// TokenPair is what a login or a refresh issues: an access token, the
// session's refresh token, and the scopes the access token holds.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	Scopes       []string
}

// LoginRequest is an OAuth2 password grant: the e-mail, the password and
// the scopes asked for (none: every scope the role allows).
type LoginRequest struct {
	Email    string
	Password string
	Scopes   []string
}

// Login checks the password (Authenticate) and starts a session: the
// tokens hold the scopes asked for, cut to what the role allows. The
// attempt counts against the client's address (LimitLogin, 429) unless a
// Gate counted it. A login past the session quota revokes the user's
// oldest session.
func (s *Service) Login(ctx context.Context, c Client, in LoginRequest) (TokenPair, error) {
	if err := s.countClient(ctx, LimitLogin, c); err != nil {
		return TokenPair{}, err
	}
	u, err := s.Authenticate(ctx, in.Email, in.Password)
	if err != nil {
		return TokenPair{}, err
	}
	scopes := s.grantScopes(u.Role, in.Scopes)
	refresh := rand.Text()
	sess, err := s.cfg.Stores.Sessions.CreateSession(ctx, NewSession{
		UserID:      u.ID,
		UserAgent:   c.UserAgent,
		IP:          c.IP,
		Scopes:      scopes,
		ExpiresAt:   s.cfg.Now().Add(s.cfg.RefreshTTL),
		RefreshHash: auth.HashAPIKey(refresh),
		MaxPerUser:  s.cfg.SessionsPerUser,
	})
	if err != nil {
		return TokenPair{}, err
	}
	return s.tokens(u, sess, scopes, refresh)
}

// Authenticate is the password check of every login (Login's and
// WebLogin's): a username over 254 bytes is 422 and counts nothing; an
// unknown e-mail or a wrong password is 401 "Incorrect username or
// password", at the cost of one hash check either way, and counts against
// the account (its normalised e-mail); the right password of an inactive
// user is 400 "Inactive user", and, with RequireVerifiedEmail, of an
// unverified one 400 "Email not verified" (only after the right password,
// so it tells a guesser nothing). The failure is counted before the
// password is checked and refunded when it is right, so past the limit
// (429) no password is checked, not even in a burst. A legacy hash is
// upgraded on success.
func (s *Service) Authenticate(ctx context.Context, username, password string) (_ User, err error) {
	defer func() { s.cfg.Metrics.Login(loginOutcome(err)) }()
	if len(username) > MaxEmailChars {
		return User{}, problem.Invalid("body.username", "must be an e-mail of at most 254 bytes")
	}
	email, _ := NormalizeEmail(username)
	refund, err := s.reserve(ctx, s.limits.loginAccount, email)
	if err != nil {
		s.security(ctx, slog.LevelWarn, evLoginLocked)
		return User{}, err
	}
	u, err := s.checkPassword(ctx, email, password)
	if errors.Is(err, errBadCredentials) {
		if u.ID != 0 {
			s.security(ctx, slog.LevelWarn, evLoginFailed, userAttr(u.ID))
		} else {
			s.security(ctx, slog.LevelWarn, evLoginFailed, slog.Bool("unknown_user", true))
		}
		return User{}, problem.BadCredentials() // the failure stays counted
	}
	refund() // not a wrong password: the right one, or the server failed to tell
	if err != nil {
		return User{}, err
	}
	if !u.Active {
		return User{}, problem.InactiveUser()
	}
	if s.cfg.RequireVerifiedEmail && !u.Verified {
		return User{}, problem.EmailNotVerified()
	}
	return u, nil
}

var errBadCredentials = errors.New("bad credentials")

// checkPassword returns the user with that e-mail if password is theirs,
// else errBadCredentials, at the cost of one hash check either way.
func (s *Service) checkPassword(ctx context.Context, email, password string) (User, error) {
	u, err := s.cfg.Stores.Users.UserByEmail(ctx, email)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			return u, err
		}
		s.cfg.Hasher.VerifyDummy(ctx, password)
		return u, errBadCredentials
	}
	ok, rehash, err := s.cfg.Hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil {
		return u, err
	}
	if !ok {
		return u, errBadCredentials
	}
	if rehash {
		s.rehash(ctx, u, password)
	}
	return u, nil
}

// rehash upgrades a bcrypt (or weaker argon2id) hash after a successful
// login; failing to do so is logged, not fatal. The store replaces the
// hash only while it is still the one checked, so a password change that
// raced the login is never undone.
func (s *Service) rehash(ctx context.Context, u User, password string) {
	hash, err := s.cfg.Hasher.Hash(ctx, password)
	if err == nil {
		err = s.cfg.Stores.Users.UpgradePasswordHash(ctx, u.ID, u.PasswordHash, hash)
	}
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "password rehash failed", "user_id", u.ID, "error", err)
	}
}

// tokens issues the access token of a session.
func (s *Service) tokens(u User, sess Session, scopes []string, refresh string) (TokenPair, error) {
	now := s.cfg.Now()
	token, err := s.cfg.Keyring.Issue(auth.Claims{
		Subject:   strconv.FormatInt(u.ID, 10),
		SessionID: strconv.FormatInt(sess.ID, 10),
		Scopes:    scopes,
		IssuedAt:  now,
		ExpiresAt: now.Add(s.cfg.AccessTTL),
	})
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: token, RefreshToken: refresh, ExpiresIn: s.cfg.AccessTTL, Scopes: scopes}, nil
}

// Refresh rotates a session's refresh token and issues a new access token
// with the scopes granted at login (cut to the user's current role). A
// used refresh token revokes the whole session (reuse detection), except
// when presented again within RefreshReuseInterval of its rotation (a
// retry): then it gets the session's current pair again. Every failure is
// 401. The attempt counts against the client's address (LimitRefresh,
// 429) unless a Gate counted it.
func (s *Service) Refresh(ctx context.Context, c Client, refreshToken string) (TokenPair, error) {
	if err := s.countClient(ctx, LimitRefresh, c); err != nil {
		return TokenPair{}, err
	}
	next := rand.Text()
	sess, u, err := s.cfg.Stores.Sessions.RotateRefresh(ctx, auth.HashAPIKey(refreshToken), auth.HashAPIKey(next), s.cfg.Now(), s.cfg.RefreshReuseInterval)
	switch {
	case errors.Is(err, ErrRefreshReused):
		s.security(ctx, slog.LevelWarn, evRefreshReused, userAttr(sess.UserID),
			slog.String("session_id", strconv.FormatInt(sess.ID, 10)), slog.String("outcome", "session revoked"))
		return TokenPair{}, problem.InvalidToken()
	case errors.Is(err, ErrNotFound):
		return TokenPair{}, problem.InvalidToken()
	case err != nil:
		return TokenPair{}, err
	}
	if !u.Active {
		return TokenPair{}, problem.InvalidToken()
	}
	return s.tokens(u, sess, s.cutScopes(u.Role, sess.Scopes), next)
}

// Logout ends the session behind p's bearer token (or web cookie): its
// access and refresh tokens stop working on the next request. A principal
// without a live session is 401.
func (s *Service) Logout(ctx context.Context, p Principal, o Owner) error {
	sid, ok := parseID(p.SessionID())
	if !ok {
		return problem.InvalidToken()
	}
	if err := s.cfg.Stores.Sessions.Sessions(o).Revoke(ctx, sid); err != nil {
		if errors.Is(err, ErrNotFound) {
			return problem.InvalidToken()
		}
		return err
	}
	return nil
}

// loginOutcome names the outcome of a password check for Metrics.Login.
func loginOutcome(err error) string {
	var p *problem.Details
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, auth.ErrBusy):
		return "busy"
	case !errors.As(err, &p):
		return "error"
	}
	switch p.Status {
	case http.StatusUnauthorized:
		return "bad_credentials"
	case http.StatusBadRequest:
		return "inactive"
	case http.StatusTooManyRequests:
		return "limited"
	case http.StatusUnprocessableEntity:
		return "invalid"
	}
	return "error"
}
