// Command fastapi-port is the FastAPI lesson's app (auth dependencies) in Go, on
// gatehouse's public packages and SQLite: the same routes, statuses and
// {"detail": …} bodies, so the lesson's clients work unchanged.
//
//	go run ./examples/fastapi-port   # then open http://127.0.0.1:8001/docs
//
// Register (the first account is the admin), log in with Authorize, try the routes. The lesson, here:
//
//	get_db (a dependency with yield)     openTx: dep.Open
//	oauth2_scheme → get_current_user     authn.Bearer(): the JWT, then its session (FindSession)
//	get_current_active_user              auth.ActiveUser
//	require_admin, require_role("admin") auth.RequireAdmin, auth.RequireRole
//	api_key_header → verify_api_key      authn.APIKey(): X-API-Key, checked against its hash (FindAPIKey)
//	the IDOR fix: Note.user_id == …      auth.OwnerOf → myNotes, the one way to notes (notes.go)
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
	"github.com/gatehouse-dev/gatehouse/openapi/swaggerui"
	"github.com/gatehouse-dev/gatehouse/problem"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite", in pure Go
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "address to listen on")
	dbPath := flag.String("db", filepath.Join("fastapi-port-data", "app.db"), "SQLite database file")
	flag.Parse()
	secret := []byte(rand.Text() + rand.Text()) // the lesson's SECRET_KEY: 260 random bits at each start, never in the source
	a, err := newApp(*dbPath, secret, auth.NewHasher(auth.HasherConfig{}), slog.Default())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fastapi-port: docs at http://%s/docs, data in %s\n", *addr, *dbPath)
	srv := &http.Server{Addr: *addr, Handler: a.api, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Fatal(srv.ListenAndServe())
}

type app struct {
	api    *gatehouse.API
	db     *sql.DB
	hasher *auth.Hasher
	authn  *auth.Authenticator[User]
	getDB  dep.Dep[*sql.Tx]
}

// newApp is the lesson's app = FastAPI(): the dependencies, the routes, /docs.
func newApp(dbPath string, secret []byte, hasher *auth.Hasher, logger *slog.Logger) (*app, error) {
	db, err := openDB(dbPath)
	if err != nil {
		return nil, err
	}
	key, err := auth.HS256Key("1", secret) // jwt.encode/decode(…, SECRET_KEY, algorithm="HS256")
	keyring, err2 := auth.NewKeyring(auth.KeyringConfig{Issuer: "fastapi-port", Audience: "fastapi-port"}, key)
	if err := errors.Join(err, err2); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	api := gatehouse.New(gatehouse.Options{Logger: logger, Errors: gatehouse.FastAPIErrors()}) // {"detail": …}
	a := &app{api: api, db: db, hasher: hasher, getDB: openTx(db)}
	a.authn = auth.MustNewAuthenticator(auth.Config[User]{Keyring: keyring, Sessions: a, APIKeys: a})
	getCurrentUser := a.authn.Bearer()                                  // 401 "Not authenticated", "Could not validate credentials"
	getCurrentActiveUser := auth.ActiveUser(getCurrentUser)             // 400 "Inactive user"
	requireAdmin := auth.RequireAdmin(getCurrentActiveUser)             // 403 "Admin access required"
	requireRoleAdmin := auth.RequireRole(getCurrentActiveUser, "admin") // 403 "Insufficient permissions"
	myNotes := dep.Derive2(auth.OwnerOf[int64](getCurrentActiveUser), a.getDB, notesOf)
	api.Handle("POST /auth/register", dep.Handler2(dep.JSON[registerIn](), a.getDB, a.register), gatehouse.Public("sign-up"))
	api.Handle("POST /auth/login", dep.Handler(auth.PasswordForm(), a.login), gatehouse.Public("log-in"))
	api.Handle("POST /auth/logout", dep.Handler(getCurrentUser, a.logout))
	api.Handle("POST /api-keys", dep.Handler2(getCurrentActiveUser, a.getDB, createAPIKey))
	api.Handle("GET /public", dep.Handler(dep.None, publicRoute), gatehouse.Public("anyone can see this"))
	api.Handle("GET /private", dep.Handler(getCurrentUser, privateRoute))
	api.Handle("GET /me", dep.Handler(getCurrentUser, readProfile))
	api.Handle("GET /profile", dep.Handler(getCurrentActiveUser, profile))
	api.Handle("GET /data", dep.Handler(a.authn.APIKey(), getData))
	notesRoutes(api, myNotes, requireAdmin, requireRoleAdmin, a.getDB)
	// /openapi.json and /docs are read from the routes' dependencies: each lock icon is a check the server makes.
	doc, err := openapi.Build(api, openapi.Info{Title: "fastapi-port", Version: "1.0.0"})
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	spec, err := openapi.Handler(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	api.Handle("GET /openapi.json", spec, gatehouse.Public("API docs"))
	api.Handle("GET /docs/", swaggerui.Handler("/openapi.json"), gatehouse.Public("API docs")) // and /docs, redirected
	return a, nil
}

// schema is the lesson's models, sessions (the server-side record logout deletes) and api_keys (hashed).
const schema = `
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, hashed_password TEXT NOT NULL, is_active INTEGER NOT NULL DEFAULT 1, role TEXT NOT NULL DEFAULT 'user');
CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id));
CREATE INDEX IF NOT EXISTS notes_user_id ON notes(user_id);
CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), prefix TEXT NOT NULL UNIQUE, hash BLOB NOT NULL);`

// openDB opens the SQLite file at path (WAL: readers run beside the writer) and creates the tables.
func openDB(path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err == nil {
		_, err = db.Exec(schema)
	}
	return db, dbError(err, nil, "open db")
}

// openTx is the lesson's get_db: a transaction per request, committed or rolled back after the handler.
func openTx(db *sql.DB) dep.Dep[*sql.Tx] {
	return dep.Open("get_db", func(r *http.Request) (*sql.Tx, func(error) error, error) {
		tx, err := db.BeginTx(r.Context(), nil)
		return tx, func(err error) error {
			if err != nil {
				return tx.Rollback()
			}
			return tx.Commit()
		}, dbError(err, nil, "get_db")
	})
}

// User is the lesson's User model, without the password hash: no answer can carry it.
type User struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Active bool   `json:"is_active"`
	Role   string `json:"role"`
}

// IsActive, HasRole and Subject are what auth asks of a User: is_active, role == required_role, id.
func (u User) IsActive() bool           { return u.Active }
func (u User) HasRole(role string) bool { return u.Role == role }
func (u User) Subject() int64           { return u.ID }

const userColumns = "id, email, is_active, role"

func scanUser(row scanner) (u User, err error) {
	return u, row.Scan(&u.ID, &u.Email, &u.Active, &u.Role)
}

// FindSession is get_current_user's query: the user of a verified token, if its session is live.
func (a *app) FindSession(ctx context.Context, userID, sessionID string) (User, error) {
	u, err := scanUser(a.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = (SELECT user_id FROM sessions
		WHERE id = ? AND user_id = ? AND expires_at > ?)`, sessionID, userID, time.Now().Unix()))
	return u, dbError(err, auth.ErrUnknown, "find session")
}

// FindAPIKey is verify_api_key's lookup, by the key's public prefix; auth compares the hashes.
func (a *app) FindAPIKey(ctx context.Context, prefix string) (k auth.StoredKey[User], err error) {
	err = a.db.QueryRowContext(ctx, `SELECT k.id, k.hash, u.id, u.email, u.is_active, u.role FROM api_keys k
		JOIN users u ON u.id = k.user_id WHERE k.prefix = ?`, prefix).Scan(&k.ID, &k.Hash, &k.User.ID, &k.User.Email, &k.User.Active, &k.User.Role)
	return k, dbError(err, auth.ErrUnknown, "find api key")
}

// APIKeyUsed implements auth.APIKeyStore; the lesson keeps no usage record.
func (a *app) APIKeyUsed(context.Context, auth.StoredKey[User], time.Time) {}

// registerIn has no role: dep.JSON refuses unknown fields (422), so no one picks their own.
type registerIn struct {
	Email    string `json:"email" openapi:"format=email,maxLength=254,pattern=^[^@\\s]+@[^@\\s]+$"`
	Password string `json:"password" openapi:"format=password,minLength=8,maxLength=1024"`
}

// register makes an account (the lesson takes its users as given); the first is the admin.
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

// login is the lesson's tokenUrl: a password form in, a JWT out whose "sid" names a new session.
// An unknown e-mail costs a dummy hash check: it answers as a wrong password does, as slowly.
func (a *app) login(ctx context.Context, form auth.PasswordRequest) (res dep.Response[dict], err error) {
	u, hash := User{}, ""
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
	exp, sid := time.Now().Add(30*time.Minute), int64(0)
	if err := a.db.QueryRowContext(ctx, `INSERT INTO sessions (user_id, expires_at) VALUES (?, ?) RETURNING id`, u.ID, exp.Unix()).Scan(&sid); err != nil {
		return res, fmt.Errorf("login: %w", err)
	}
	jwt, err := a.authn.Keyring().Issue(auth.Claims{Subject: strconv.FormatInt(u.ID, 10), SessionID: strconv.FormatInt(sid, 10), ExpiresAt: exp})
	return dep.Response[dict]{Code: http.StatusOK, Body: dict{"access_token": jwt, "token_type": "bearer"},
		Header: http.Header{"Cache-Control": {"no-store"}}}, err
}

// logout deletes the token's session: the token is refused from now on.
func (a *app) logout(ctx context.Context, p auth.Principal[User]) (dep.NoContent, error) {
	_, err := a.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, p.SessionID(), p.User().ID)
	return dep.NoContent{}, dbError(err, nil, "logout")
}

// createAPIKey makes a user an X-API-Key for GET /data (the lesson's VALID_API_KEYS), shown once.
func createAPIKey(ctx context.Context, p auth.Principal[User], db *sql.Tx) (dep.Created[dict], error) {
	key, prefix, hash := auth.NewAPIKey()
	_, err := db.ExecContext(ctx, `INSERT INTO api_keys (user_id, prefix, hash) VALUES (?, ?, ?)`, p.User().ID, prefix, hash)
	return dep.Created[dict]{Body: dict{"api_key": key}}, dbError(err, nil, "create api key")
}

// dict is a Python dict; the lesson's small routes return one. A User's one name (user.name) is its e-mail.
type dict = map[string]any

func publicRoute(context.Context, struct{}) (dict, error) {
	return dict{"message": "Anyone can see this"}, nil
}
func privateRoute(_ context.Context, p auth.Principal[User]) (dict, error) {
	return dict{"message": "Hello " + p.User().Email}, nil
}
func readProfile(_ context.Context, p auth.Principal[User]) (dict, error) {
	return dict{"id": p.User().ID, "email": p.User().Email}, nil
}
func profile(_ context.Context, p auth.Principal[User]) (User, error) { return p.User(), nil }
func getData(context.Context, auth.Principal[User]) (dict, error)     { return dict{"data": "secret"}, nil }

// dbError turns sql.ErrNoRows into notFound and wraps other errors with op.
func dbError(err, notFound error, op string) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound
	case err != nil:
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
