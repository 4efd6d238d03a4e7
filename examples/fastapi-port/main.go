// Command fastapi-port is the app of the FastAPI lesson on auth dependencies
// (shared/seed/fastapi-auth-dependencies-lesson.txt) in Go, on gatehouse's
// public packages and SQLite: the same routes, statuses and {"detail": …}
// bodies, so the lesson's clients work unchanged. Run it with
//
//	go run ./examples/fastapi-port
//
// and open http://127.0.0.1:8001/docs: register with POST /auth/register
// (the first account is the admin), log in with Authorize, try the routes.
// Data stays in ./fastapi-port-data; the token secret is new at each start.
//
// The lesson's Python, and where it is here:
//
//	get_db                               openTx (db.go): dep.Open is FastAPI's yield
//	oauth2_scheme → get_current_user     authn.Bearer(): the JWT, then its session (auth.go)
//	get_current_active_user              auth.ActiveUser
//	require_admin, require_role("admin") auth.RequireAdmin, auth.RequireRole
//	api_key_header → verify_api_key      authn.APIKey(): X-API-Key, checked against its hash
//	the IDOR fix, Note.user_id == …      auth.OwnerOf → myNotes (notes.go)
//	@app.get(…), @router.delete(…)       api.Handle, in newApp below
package main

import (
	"crypto/rand"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
	"github.com/gatehouse-dev/gatehouse/openapi/swaggerui"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "address to listen on")
	dbPath := flag.String("db", filepath.Join("fastapi-port-data", "app.db"), "SQLite database file")
	flag.Parse()
	secret := make([]byte, 32) // the lesson's SECRET_KEY: random at each start, never in the source
	rand.Read(secret)
	a, err := newApp(*dbPath, secret, auth.NewHasher(auth.HasherConfig{}), slog.Default())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fastapi-port: docs at http://%s/docs, data in %s\n", *addr, *dbPath)
	srv := &http.Server{Addr: *addr, Handler: a.api, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Fatal(srv.ListenAndServe())
}

// app is what the handlers share.
type app struct {
	api    *gatehouse.API
	db     *sql.DB
	hasher *auth.Hasher
	authn  *auth.Authenticator[User]
	getDB  dep.Dep[*sql.Tx]
}

// newApp is the lesson's app = FastAPI(): its dependencies, its routes, /docs.
func newApp(dbPath string, secret []byte, hasher *auth.Hasher, logger *slog.Logger) (*app, error) {
	db, err := openDB(dbPath)
	if err != nil {
		return nil, err
	}
	key, err := auth.HS256Key("1", secret) // jwt.encode/decode(…, SECRET_KEY, algorithm="HS256")
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	keyring, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "fastapi-port", Audience: "fastapi-port"}, key)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	a := &app{db: db, hasher: hasher, getDB: openTx(db)}
	a.authn = auth.MustNewAuthenticator(auth.Config[User]{Keyring: keyring, Sessions: a, APIKeys: a})

	getCurrentUser := a.authn.Bearer()                                  // 401 "Not authenticated", "Could not validate credentials"
	getCurrentActiveUser := auth.ActiveUser(getCurrentUser)             // 400 "Inactive user"
	requireAdmin := auth.RequireAdmin(getCurrentActiveUser)             // 403 "Admin access required"
	requireRoleAdmin := auth.RequireRole(getCurrentActiveUser, "admin") // 403 "Insufficient permissions"
	myNotes := dep.Derive2(auth.OwnerOf[int64](getCurrentActiveUser), a.getDB, notesOf)
	noteID := dep.Path[int64]("note_id") // note_id: int, else 422

	api := gatehouse.New(gatehouse.Options{Logger: logger, Errors: gatehouse.FastAPIErrors()})
	api.Handle("POST /auth/register", dep.Handler2(dep.JSON[registerIn](), a.getDB, a.register), gatehouse.Public("sign-up"))
	api.Handle("POST /auth/login", dep.Handler(auth.PasswordForm(), a.login), gatehouse.Public("log-in"))
	api.Handle("POST /auth/logout", dep.Handler(getCurrentUser, a.logout))
	api.Handle("POST /api-keys", dep.Handler2(getCurrentActiveUser, a.getDB, createAPIKey))
	api.Handle("GET /public", dep.Handler(dep.None, publicRoute), gatehouse.Public("anyone can see this"))
	api.Handle("GET /private", dep.Handler(getCurrentUser, privateRoute))
	api.Handle("GET /me", dep.Handler(getCurrentUser, readProfile))
	api.Handle("GET /profile", dep.Handler(getCurrentActiveUser, profile))
	api.Handle("GET /data", dep.Handler(a.authn.APIKey(), getData))
	api.Handle("GET /notes", dep.Handler(myNotes, listNotes))
	api.Handle("POST /notes", dep.Handler2(myNotes, dep.JSON[NoteIn](), createNote))
	api.Handle("GET /notes/{note_id}", dep.Handler2(myNotes, noteID, getNote))
	api.Handle("PATCH /notes/{note_id}", dep.Handler3(myNotes, noteID, dep.JSON[NotePatch](), updateNote))
	api.Handle("DELETE /notes/{note_id}", dep.Handler2(myNotes, noteID, deleteNote))
	api.Handle("GET /admin/users", dep.Handler2(requireAdmin, a.getDB, adminUsers))
	api.Handle("DELETE /admin/notes/{note_id}", dep.Handler3(requireRoleAdmin, noteID, a.getDB, deleteAnyNote))
	a.api = api
	return a, addDocs(api)
}

// addDocs serves /openapi.json and Swagger UI at /docs, both read from the
// routes' dependencies: each lock icon is a check the server makes.
func addDocs(api *gatehouse.API) error {
	doc, err := openapi.Build(api, openapi.Info{Title: "fastapi-port", Version: "1.0.0"})
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	spec, err := openapi.Handler(doc)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	ui := swaggerui.Handler("/openapi.json")
	api.Handle("GET /openapi.json", spec, gatehouse.Public("API docs"))
	api.Handle("GET /docs", ui, gatehouse.Public("API docs"))
	api.Handle("GET /docs/", ui, gatehouse.Public("API docs"))
	return nil
}
