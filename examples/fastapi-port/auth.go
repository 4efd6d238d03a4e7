package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// User is the lesson's User model. The password hash is no field of it, so
// no answer can carry it.
type User struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Active bool   `json:"is_active"`
	Role   string `json:"role"`
}

// IsActive is what auth.ActiveUser (get_current_active_user) checks.
func (u User) IsActive() bool { return u.Active }

// HasRole is the lesson's user.role == required_role.
func (u User) HasRole(role string) bool { return u.Role == role }

// Subject is the id that auth.OwnerOf puts in an auth.Owner.
func (u User) Subject() int64 { return u.ID }

const userColumns = "id, email, is_active, role"

func scanUser(row scanner) (u User, err error) {
	return u, row.Scan(&u.ID, &u.Email, &u.Active, &u.Role)
}

// registerIn is the body of POST /auth/register: no role, is_active or id,
// and dep.JSON refuses unknown fields (422), so no one picks their own role.
type registerIn struct {
	Email    string `json:"email" openapi:"format=email,maxLength=254,pattern=^[^@\\s]+@[^@\\s]+$"`
	Password string `json:"password" openapi:"format=password,minLength=8,maxLength=1024"`
}

// register makes an account (the lesson takes its users as given); the
// first one is the admin.
func (a *app) register(ctx context.Context, in registerIn, db *sql.Tx) (dep.Created[User], error) {
	hash, err := a.hasher.Hash(ctx, in.Password)
	if err != nil {
		return dep.Created[User]{}, fmt.Errorf("register: %w", err)
	}
	u, err := scanUser(db.QueryRowContext(ctx, `INSERT INTO users (email, hashed_password, role)
		VALUES (?, ?, CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'user' ELSE 'admin' END)
		ON CONFLICT (email) DO NOTHING RETURNING `+userColumns, in.Email, hash))
	return dep.Created[User]{Body: u}, dbError(err, problem.Conflict("Email already registered"), "register")
}

// login is the lesson's tokenUrl="/auth/login": the OAuth2 password form in,
// a JWT out whose "sid" names a new session. An unknown e-mail costs a dummy
// hash check, so it answers as a wrong password does, as slowly.
func (a *app) login(ctx context.Context, form auth.PasswordRequest) (res dep.Response[map[string]string], err error) {
	var u User
	var hash string
	err = a.db.QueryRowContext(ctx, `SELECT id, hashed_password, is_active FROM users WHERE email = ?`, form.Username).
		Scan(&u.ID, &hash, &u.Active)
	if err := dbError(err, problem.BadCredentials(), "login"); err != nil {
		a.hasher.VerifyDummy(ctx, form.Password)
		return res, err
	}
	ok, _, err := a.hasher.Verify(ctx, form.Password, hash)
	switch {
	case err != nil:
		return res, fmt.Errorf("login: %w", err)
	case !ok:
		return res, problem.BadCredentials() // 401 "Incorrect username or password"
	case !u.Active:
		return res, problem.InactiveUser()
	}
	exp := time.Now().Add(30 * time.Minute)
	var sid int64
	err = a.db.QueryRowContext(ctx, `INSERT INTO sessions (user_id, expires_at) VALUES (?, ?) RETURNING id`, u.ID, exp.Unix()).Scan(&sid)
	if err != nil {
		return res, fmt.Errorf("login: %w", err)
	}
	jwt, err := a.authn.Keyring().Issue(auth.Claims{Subject: strconv.FormatInt(u.ID, 10), SessionID: strconv.FormatInt(sid, 10), ExpiresAt: exp})
	return dep.Response[map[string]string]{Code: http.StatusOK, Body: map[string]string{"access_token": jwt, "token_type": "bearer"},
		Header: http.Header{"Cache-Control": {"no-store"}}}, err
}

// logout deletes the token's session: the token is refused from now on.
func (a *app) logout(ctx context.Context, p auth.Principal[User]) (dep.NoContent, error) {
	_, err := a.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, p.SessionID(), p.User().ID)
	return dep.NoContent{}, dbError(err, nil, "logout")
}

// createAPIKey makes an X-API-Key for GET /data, shown this once. Where the
// lesson checks VALID_API_KEYS, a key here is a user's and stored hashed.
func createAPIKey(ctx context.Context, p auth.Principal[User], db *sql.Tx) (dep.Created[map[string]string], error) {
	key, prefix, hash := auth.NewAPIKey()
	_, err := db.ExecContext(ctx, `INSERT INTO api_keys (user_id, prefix, hash) VALUES (?, ?, ?)`, p.User().ID, prefix, hash)
	return dep.Created[map[string]string]{Body: map[string]string{"api_key": key}}, dbError(err, nil, "create api key")
}

// The lesson's small routes, each returning its dict.

func publicRoute(context.Context, struct{}) (map[string]string, error) {
	return map[string]string{"message": "Anyone can see this"}, nil
}

func privateRoute(_ context.Context, p auth.Principal[User]) (map[string]string, error) {
	return map[string]string{"message": "Hello " + p.User().Email}, nil // a User's one name is its e-mail
}

func readProfile(_ context.Context, p auth.Principal[User]) (map[string]any, error) {
	return map[string]any{"id": p.User().ID, "email": p.User().Email}, nil
}

func profile(_ context.Context, p auth.Principal[User]) (User, error) { return p.User(), nil }

func getData(context.Context, auth.Principal[User]) (map[string]string, error) {
	return map[string]string{"data": "secret"}, nil
}
