package httpapi

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/http"
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

var noStore = http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}

// login is the OAuth2 password grant. An unknown e-mail costs a dummy hash
// check and answers exactly as a wrong password does; the right password of
// an inactive user is 400 "Inactive user" and gets no token.
func (s *server) login(ctx context.Context, r *http.Request, f auth.PasswordRequest) (dep.Response[tokenView], error) {
	var none dep.Response[tokenView]
	email, _ := notes.NormalizeEmail(f.Username)
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		if !isNotFound(err) {
			return none, err
		}
		s.cfg.Hasher.VerifyDummy(ctx, f.Password)
		return none, problem.BadCredentials()
	}
	ok, rehash, err := s.cfg.Hasher.Verify(ctx, f.Password, u.PasswordHash)
	if err != nil {
		return none, err
	}
	if !ok {
		return none, problem.BadCredentials()
	}
	if !u.Active {
		return none, problem.InactiveUser()
	}
	if rehash {
		s.rehash(ctx, u.ID, f.Password)
	}
	scopes := notes.GrantScopes(u.Role, f.Scopes)
	now := s.cfg.Now()
	refresh := rand.Text()
	sess, err := s.store.CreateSession(ctx, notes.NewSession{
		UserID:      u.ID,
		UserAgent:   truncate(r.UserAgent(), 200),
		IP:          clientIP(r),
		ExpiresAt:   now.Add(s.cfg.RefreshTTL),
		RefreshHash: auth.HashAPIKey(refresh),
	})
	if err != nil {
		return none, err
	}
	token, err := s.cfg.Keyring.Issue(auth.Claims{
		Subject:   strconv.FormatInt(u.ID, 10),
		SessionID: strconv.FormatInt(sess.ID, 10),
		Scopes:    scopes,
		IssuedAt:  now,
		ExpiresAt: now.Add(s.cfg.AccessTTL),
	})
	if err != nil {
		return none, err
	}
	return dep.Response[tokenView]{Code: http.StatusOK, Header: noStore, Body: tokenView{
		AccessToken:  token,
		TokenType:    "bearer",
		ExpiresIn:    int64(s.cfg.AccessTTL.Seconds()),
		RefreshToken: refresh,
		Scope:        strings.Join(scopes, " "),
	}}, nil
}

// rehash upgrades a bcrypt (or weaker argon2id) hash after a successful
// login; failing to do so is logged, not fatal.
func (s *server) rehash(ctx context.Context, userID int64, password string) {
	hash, err := s.cfg.Hasher.Hash(ctx, password)
	if err == nil {
		err = s.store.SetPasswordHash(ctx, userID, hash)
	}
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "password rehash failed", "user_id", userID, "error", err)
	}
}

// logout ends the session behind the bearer token: its access and refresh
// tokens stop working on the next request.
func (s *server) logout(ctx context.Context, p principal, o owner) (dep.NoContent, error) {
	sid, err := strconv.ParseInt(p.SessionID, 10, 64)
	if err != nil {
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

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
