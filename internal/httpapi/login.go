package httpapi

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// tokenView is the OAuth2 token response.
type tokenView struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// noStore is the header of responses that carry a secret (tokens, keys):
// caches must not keep them.
func noStore() http.Header {
	return http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
}

// login is the OAuth2 password grant. An unknown e-mail costs a dummy hash
// check and answers exactly as a wrong password does; the right password of
// an inactive user is 400 "Inactive user" and gets no token. Every attempt
// counts against the client address; failures count against the account
// (its normalised e-mail, known or not), which then refuses even the right
// password until its window passes.
func (s *server) login(ctx context.Context, c client, f auth.PasswordRequest) (dep.Response[tokenView], error) {
	var none dep.Response[tokenView]
	u, err := s.authenticate(ctx, f.Username, f.Password)
	if err != nil {
		return none, err
	}
	scopes := notes.GrantScopes(u.Role, f.Scopes)
	refresh := rand.Text()
	sess, err := s.store.CreateSession(ctx, notes.NewSession{
		UserID:      u.ID,
		UserAgent:   c.UserAgent,
		IP:          c.IP,
		Scopes:      scopes,
		ExpiresAt:   s.cfg.Now().Add(s.cfg.RefreshTTL),
		RefreshHash: auth.HashAPIKey(refresh),
		MaxPerUser:  s.cfg.Quotas.SessionsPerUser,
	})
	if err != nil {
		return none, err
	}
	return s.tokens(u, sess, scopes, refresh)
}

// authenticate is the password check of every login (the API's and the
// web UI's): a username over 254 bytes is 422 and counts nothing; an
// unknown e-mail or a wrong password is 401 "Incorrect username or
// password" and counts against the account (its normalised e-mail); the
// right password of an inactive user is 400 "Inactive user", and, with
// RequireVerifiedEmail, of an unverified one 400 "Email not verified"
// (only after the right password, so it tells a guesser nothing). The failure
// is counted before the password is checked and refunded when it is right,
// so past the limit (429) no password is checked, not even in a burst.
func (s *server) authenticate(ctx context.Context, username, password string) (_ notes.User, err error) {
	defer func() { s.metrics().Login(loginOutcome(err)) }()
	if len(username) > notes.MaxEmailChars {
		return notes.User{}, problem.Invalid("body.username", "must be an e-mail of at most 254 bytes")
	}
	email, _ := notes.NormalizeEmail(username)
	refund, err := s.reserve(ctx, s.limits.loginAccount, email)
	if err != nil {
		s.security(ctx, slog.LevelWarn, evLoginLocked)
		return notes.User{}, err
	}
	u, err := s.checkPassword(ctx, email, password)
	if errors.Is(err, errBadCredentials) {
		if u.ID != 0 {
			s.security(ctx, slog.LevelWarn, evLoginFailed, slog.String("user_id", strconv.FormatInt(u.ID, 10)))
		} else {
			s.security(ctx, slog.LevelWarn, evLoginFailed, slog.Bool("unknown_user", true))
		}
		return notes.User{}, problem.BadCredentials() // the failure stays counted
	}
	refund() // not a wrong password: the right one, or the server failed to tell
	if err != nil {
		return notes.User{}, err
	}
	if !u.Active {
		return notes.User{}, problem.InactiveUser()
	}
	if s.cfg.RequireVerifiedEmail && !u.Verified {
		return notes.User{}, problem.EmailNotVerified()
	}
	return u, nil
}

var errBadCredentials = errors.New("bad credentials")

// checkPassword returns the user with that e-mail if password is theirs,
// else errBadCredentials, at the cost of one hash check either way. A
// legacy hash is upgraded on success.
func (s *server) checkPassword(ctx context.Context, email, password string) (notes.User, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		if !errors.Is(err, notes.ErrNotFound) {
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

// tokens issues the access token of a session and the token response.
func (s *server) tokens(u notes.User, sess notes.Session, scopes []string, refresh string) (dep.Response[tokenView], error) {
	now := s.cfg.Now()
	token, err := s.cfg.Keyring.Issue(auth.Claims{
		Subject:   strconv.FormatInt(u.ID, 10),
		SessionID: strconv.FormatInt(sess.ID, 10),
		Scopes:    scopes,
		IssuedAt:  now,
		ExpiresAt: now.Add(s.cfg.AccessTTL),
	})
	if err != nil {
		return dep.Response[tokenView]{}, err
	}
	return dep.Response[tokenView]{Code: http.StatusOK, Header: noStore(), Body: tokenView{
		AccessToken:  token,
		TokenType:    "bearer",
		ExpiresIn:    int64(s.cfg.AccessTTL.Seconds()),
		RefreshToken: refresh,
		Scope:        strings.Join(scopes, " "),
	}}, nil
}

// refreshInput is a refresh_token grant, as a form or as JSON.
type refreshInput struct {
	GrantType    string `json:"grant_type,omitempty" openapi:"enum=refresh_token"` // form only
	RefreshToken string `json:"refresh_token"`
}

// refreshForm is the dependency on a refresh request: the OAuth2 form
// (grant_type=refresh_token) or JSON {"refresh_token": …}.
func refreshForm() dep.Dep[refreshInput] {
	jsonBody := dep.NewDecoder[refreshInput]()
	return dep.Derive(dep.Request(), func(_ context.Context, r *http.Request) (refreshInput, error) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "application/json" {
			in, err := jsonBody.Decode(r)
			if err == nil && in.RefreshToken == "" {
				err = problem.Invalid("body.refresh_token", "field required")
			}
			return in, err
		}
		f, err := auth.ParseForm(r)
		if err != nil {
			return refreshInput{}, err
		}
		if g := f.Get("grant_type"); g != "refresh_token" {
			return refreshInput{}, problem.Invalid("body.grant_type", `must be "refresh_token"`)
		}
		in := refreshInput{RefreshToken: f.Get("refresh_token")}
		if in.RefreshToken == "" {
			return in, problem.Invalid("body.refresh_token", "field required")
		}
		return in, nil
	}).Describe("body", dep.Body{
		Type:        reflect.TypeFor[refreshInput](),
		ContentType: "application/x-www-form-urlencoded",
		Limit:       dep.DefaultBodyLimit,
	})
}

// refresh rotates a session's refresh token and issues a new access token
// with the scopes granted at login (cut to the user's current role). A
// used refresh token revokes the whole session; every failure is 401.
// Attempts count against the client address (the gate, 429).
func (s *server) refresh(ctx context.Context, _ client, in refreshInput) (dep.Response[tokenView], error) {
	var none dep.Response[tokenView]
	next := rand.Text()
	sess, u, err := s.store.RotateRefresh(ctx, auth.HashAPIKey(in.RefreshToken), auth.HashAPIKey(next), s.cfg.Now(), s.cfg.RefreshReuseInterval)
	switch {
	case errors.Is(err, notes.ErrRefreshReused):
		s.security(ctx, slog.LevelWarn, evRefreshReused, slog.String("user_id", strconv.FormatInt(sess.UserID, 10)),
			slog.String("session_id", strconv.FormatInt(sess.ID, 10)), slog.String("outcome", "session revoked"))
		return none, problem.InvalidToken()
	case errors.Is(err, notes.ErrNotFound):
		return none, problem.InvalidToken()
	case err != nil:
		return none, err
	}
	if !u.Active {
		return none, problem.InvalidToken()
	}
	return s.tokens(u, sess, notes.CutScopes(u.Role, sess.Scopes), next)
}

// rehash upgrades a bcrypt (or weaker argon2id) hash after a successful
// login; failing to do so is logged, not fatal.
// The store replaces the hash only while it is still the one checked, so a
// password change that raced the login is never undone.
func (s *server) rehash(ctx context.Context, u notes.User, password string) {
	hash, err := s.cfg.Hasher.Hash(ctx, password)
	if err == nil {
		err = s.store.UpgradePasswordHash(ctx, u.ID, u.PasswordHash, hash)
	}
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "password rehash failed", "user_id", u.ID, "error", err)
	}
}

// logout ends the session behind the bearer token: its access and refresh
// tokens stop working on the next request.
func (s *server) logout(ctx context.Context, p principal, o owner) (dep.NoContent, error) {
	sid, ok := parseID(p.SessionID())
	if !ok {
		return dep.NoContent{}, problem.InvalidToken()
	}
	if err := s.store.Sessions(o).Revoke(ctx, sid); err != nil {
		if isNotFound(err) {
			return dep.NoContent{}, problem.InvalidToken()
		}
		return dep.NoContent{}, err
	}
	return dep.NoContent{}, nil
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, notes.ErrNotFound) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
