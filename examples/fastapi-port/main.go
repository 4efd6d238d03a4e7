// Command fastapi-port is the FastAPI lesson's app (auth dependencies) in Go, on
// gatehouse's public packages: the same routes, statuses and {"detail": …}
// bodies, so the lesson's clients work unchanged. No login, token, session,
// users table or API-key check is written here: package accounts, on an
// accounts/sqlitestore file, mounts them all; this program adds the lesson's own
// routes and its notes table.
//
//	ADMIN_PASSWORD='at least 8 characters' go run ./examples/fastapi-port -admin you@example.com
//	# then open http://127.0.0.1:8001/docs, Authorize, try the routes
//
// The lesson, here:
//
//	User model, SECRET_KEY              sqlitestore.OpenLocked + Migrate; auth.HS256Key; accounts.New
//	get_db (a session per request)      the Store: Write (a transaction, committed) and ReadRow
//	the token route, logout, /me,       accounts.Routes: /auth/login (the OAuth2 form), /auth/logout,
//	  /profile, /admin/users              /auth/register, /me, /profile, /api-keys, /admin/users, …
//	oauth2_scheme → get_current_user    Authenticator().Bearer(): the JWT, then its live session
//	get_current_active_user             auth.ActiveUser: 400 "Inactive user"
//	require_admin                       accounts' /admin/users: 403 "Admin access required"
//	require_role("admin")               auth.RequireRole: DELETE /admin/notes/{note_id}
//	api_key_header → verify_api_key     Authenticator().APIKey(): an X-API-Key from POST /api-keys
//	Note                                MigrateApp("notes", …): migrations/0001_notes.sql
//	the IDOR fix: Note.user_id == …     auth.OwnerOf: the accounts.Owner in every WHERE (notes.go)
//
// Admins: registration always makes a user (no one picks a role, and accounts
// has no "first account" rule), so -admin with $ADMIN_PASSWORD creates an admin
// at start, through the store's operator call CreateUser, which no request
// reaches; the admin may promote others with PATCH /admin/users/{id}.
package main

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
	"github.com/gatehouse-dev/gatehouse/openapi/swaggerui"
)

//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "address to listen on")
	dbPath := flag.String("db", filepath.Join("fastapi-port-data", "app.db"), "SQLite database file")
	admin := flag.String("admin", "", "e-mail of an admin account to create if missing (password from $ADMIN_PASSWORD)")
	flag.Parse()
	c := config{dbPath: *dbPath, hasher: auth.NewHasher(auth.HasherConfig{}), logger: slog.Default(),
		secret:     []byte(rand.Text() + rand.Text()), // the lesson's SECRET_KEY: 260 random bits at each start, never in the source
		adminEmail: *admin, adminPassword: os.Getenv("ADMIN_PASSWORD")}
	a, err := newApp(context.Background(), c)
	if err != nil {
		log.Fatal(err)
	}
	defer a.db.Close()
	fmt.Printf("fastapi-port: docs at http://%s/docs, data in %s\n", *addr, *dbPath)
	srv := &http.Server{Addr: *addr, Handler: a.api, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Print(srv.ListenAndServe())
}

type config struct {
	dbPath                    string
	secret                    []byte
	hasher                    *auth.Hasher
	logger                    *slog.Logger
	adminEmail, adminPassword string // the admin to create at start, if adminEmail is set
}

type app struct {
	api   *gatehouse.API
	db    *sqlitestore.Store
	authn *auth.Authenticator[accounts.User] // the credentials the account routes issue
}

// newApp is the lesson's app = FastAPI(): the database, the account routes, the lesson's routes, /docs.
func newApp(ctx context.Context, c config) (_ *app, err error) {
	db, err := sqlitestore.OpenLocked(ctx, c.dbPath) // one server per file: it caches sessions and keys
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if err = db.Migrate(ctx); err == nil { // the users, sessions and api_keys tables
		err = db.MigrateApp(ctx, "notes", migrations) // then the lesson's notes (owner_id → users.id)
	}
	if err != nil {
		return nil, err
	}
	key, err := auth.HS256Key("1", c.secret) // jwt.encode/decode(…, SECRET_KEY, algorithm="HS256")
	keyring, err2 := auth.NewKeyring(auth.KeyringConfig{Issuer: "fastapi-port", Audience: "fastapi-port"}, key)
	if err = errors.Join(err, err2); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	svc, err := accounts.New(accounts.Config{Stores: db.Stores(), Keyring: keyring, Hasher: c.hasher, Logger: c.logger,
		Scopes: []accounts.Scope{ // what a token or key may do: "data" opens GET /data, "admin" (admins only) the admin routes
			{Name: "data", Description: "Read GET /data"}, {Name: "admin", Description: "Use the admin routes", AdminOnly: true}}})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if err = createAdmin(ctx, c, db); err != nil {
		return nil, err
	}
	api := gatehouse.New(gatehouse.Options{Logger: c.logger, Errors: gatehouse.FastAPIErrors(), MapError: accounts.MapError}) // {"detail": …}
	// The account routes; their /me and /profile take an API key too (Deps.Current), the lesson's routes do not.
	accounts.Routes(api, svc, accounts.RouteOptions{})
	a := &app{api: api, db: db, authn: svc.Authenticator()}
	getCurrentUser := a.authn.Bearer()                           // 401 "Not authenticated", "Could not validate credentials"
	verifyAPIKey := auth.RequireScopes(a.authn.APIKey(), "data") // 401 "Not authenticated", 403 "Invalid API key"
	api.Handle("GET /public", dep.Handler(dep.None, publicRoute), gatehouse.Public("anyone can see this"))
	api.Handle("GET /private", dep.Handler(getCurrentUser, privateRoute))
	api.Handle("GET /data", dep.Handler(verifyAPIKey, getData))
	notesRoutes(api, db, auth.ActiveUser(getCurrentUser)) // get_current_active_user: 400 "Inactive user"
	// /openapi.json and /docs are read from the routes' dependencies: each lock icon is a check the server makes.
	doc, err := openapi.Build(api, openapi.Info{Title: "fastapi-port", Version: "1.0.0"})
	spec, err2 := openapi.Handler(doc)
	if err = errors.Join(err, err2); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	api.Handle("GET /openapi.json", spec, gatehouse.Public("API docs"))
	api.Handle("GET /docs/", swaggerui.Handler("/openapi.json"), gatehouse.Public("API docs")) // and /docs, redirected
	return a, nil
}

// createAdmin creates the admin of -admin and $ADMIN_PASSWORD (used only then) unless it exists. It never
// promotes an account someone registered with that e-mail: that would hand them the admin role.
func createAdmin(ctx context.Context, c config, db *sqlitestore.Store) error {
	if c.adminEmail == "" {
		return nil
	}
	email, err := accounts.ValidateRegistration(c.adminEmail, c.adminPassword, "Admin")
	hash := ""
	if err == nil {
		hash, err = c.hasher.Hash(ctx, c.adminPassword)
	}
	if err == nil {
		_, err = db.CreateUser(ctx, accounts.NewUser{Email: email, Name: "Admin", Role: accounts.RoleAdmin, PasswordHash: hash})
	}
	if errors.Is(err, accounts.ErrConflict) {
		if u, err := db.UserByEmail(ctx, email); err == nil && u.Role == accounts.RoleAdmin {
			return nil // made at an earlier start
		}
		return errors.New("admin: the e-mail of -admin is taken by an account that is no admin; promote it with PATCH /admin/users/{id}")
	}
	if err != nil {
		return fmt.Errorf("admin (-admin, $ADMIN_PASSWORD): %w", err)
	}
	return nil
}

// dict is a Python dict; the lesson's small routes return one.
type dict = map[string]any

func publicRoute(context.Context, struct{}) (dict, error) {
	return dict{"message": "Anyone can see this"}, nil
}
func privateRoute(_ context.Context, p accounts.Principal) (dict, error) {
	return dict{"message": "Hello " + p.User().Email}, nil
}
func getData(context.Context, accounts.Principal) (dict, error) { return dict{"data": "secret"}, nil }
