package httpapi_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
	"github.com/gatehouse-dev/gatehouse/problem"
)

const testSecret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// env is one notesd API on a fresh SQLite database.
type env struct {
	t       testing.TB
	api     *gatehouse.API
	store   *sqlite.DB
	dbPath  string
	keyring *auth.Keyring
	hasher  *auth.Hasher
}

// fastArgon2 keeps tests quick; production uses auth.DefaultArgon2.
var fastArgon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

func newEnv(t testing.TB, opts ...func(*httpapi.Config)) *env {
	t.Helper()
	return newEnvWith(t, sqlite.Options{}, opts...)
}

// newEnvWith is newEnv on a database opened with o.
func newEnvWith(t testing.TB, o sqlite.Options, opts ...func(*httpapi.Config)) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "notesd.db")
	db, err := sqlite.OpenWith(ctx, path, o)
	if err != nil {
		t.Fatalf("sqlite.OpenWith: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	e := envOn(t, db, opts...)
	e.store, e.dbPath = db, path
	return e
}

// envOn is an env whose API serves store, with the test keyring and a
// fast hasher; opts change the Config.
// engine is what an env needs of a storage engine: *sqlite.DB or
// *postgres.DB, the notes store beside the accounts store.
type engine interface {
	notes.Store
	Stores() accounts.Stores
	Ping(ctx context.Context) error
}

func envOn(t testing.TB, store engine, opts ...func(*httpapi.Config)) *env {
	t.Helper()
	key, err := auth.HS256Key("k1", []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "notesd", Audience: "notesd"}, key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.Config{
		Accounts: store.Stores(),
		Notes:    store,
		Ping:     store.Ping,
		Keyring:  kr,
		Hasher:   auth.NewHasher(auth.HasherConfig{Params: fastArgon2}),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	api, err := httpapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, api: api, keyring: kr, hasher: cfg.Hasher}
}

// req describes one request.
type req struct {
	method, path string
	token        string // bearer token
	apiKey       string
	json         any    // marshalled as the body, Content-Type application/json
	raw          string // a raw body (with contentType)
	contentType  string
	form         url.Values
	header       map[string]string
	remoteAddr   string // default 192.0.2.1:1234
}

// resp is a recorded response.
type resp struct {
	code   int
	header http.Header
	body   []byte
}

func (r resp) problem(t testing.TB) problem.Details {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type = %q, want %q; body %s", ct, problem.ContentType, r.body)
	}
	var p problem.Details
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	return p
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (e *env) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
		if r.contentType == "" {
			r.contentType = "application/json"
		}
	case r.form != nil:
		body = strings.NewReader(r.form.Encode())
		if r.contentType == "" {
			r.contentType = "application/x-www-form-urlencoded"
		}
	case r.raw != "":
		body = strings.NewReader(r.raw)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	hr.RemoteAddr = cmp.Or(r.remoteAddr, "192.0.2.1:1234")
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.apiKey != "" {
		hr.Header.Set("X-API-Key", r.apiKey)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	ctx, cancel := context.WithCancel(hr.Context())
	defer cancel()
	rec := &leaving{ResponseRecorder: httptest.NewRecorder(), leave: cancel}
	e.api.ServeHTTP(rec, hr.WithContext(ctx))
	return resp{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// must sends r and fails the test unless the status is want.
func (e *env) must(want int, r req) resp {
	e.t.Helper()
	res := e.do(r)
	if res.code != want {
		e.t.Fatalf("%s %s = %d, want %d; body %s", r.method, r.path, res.code, want, res.body)
	}
	return res
}

type user struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	IsActive bool   `json:"is_active"`
	password string
}

// register creates a user through the API.
func (e *env) register(email string) user {
	e.t.Helper()
	var u user
	e.must(201, req{method: "POST", path: "/auth/register", json: map[string]string{
		"email": email, "password": "password-" + email, "name": strings.Split(email, "@")[0],
	}}).decode(e.t, &u)
	u.password = "password-" + email
	return u
}

// admin creates an admin user directly in the store.
func (e *env) admin(email string) user {
	e.t.Helper()
	hash, err := e.hasher.Hash(context.Background(), "password-"+email)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.store.CreateUser(context.Background(), accounts.NewUser{Email: email, Name: "Admin", Role: accounts.RoleAdmin, PasswordHash: hash})
	if err != nil {
		e.t.Fatal(err)
	}
	return user{ID: u.ID, Email: email, Role: "admin", IsActive: true, password: "password-" + email}
}

type token struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// login logs u in, with scope if given, and returns the access token.
func (e *env) login(u user, scope ...string) string {
	e.t.Helper()
	return e.loginPair(u, scope...).AccessToken
}

type note struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	OwnerID   int64     `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (e *env) createNote(tok, title string) note {
	e.t.Helper()
	var n note
	e.must(201, req{method: "POST", path: "/notes", token: tok, json: map[string]string{"title": title, "body": "body of " + title}}).decode(e.t, &n)
	return n
}

// leaving is a recorder whose client leaves as soon as an event stream
// begins, so a request to a stream answers what it sends at once.
type leaving struct {
	*httptest.ResponseRecorder
	leave context.CancelFunc
}

func (l *leaving) WriteHeader(code int) {
	if strings.HasPrefix(l.Header().Get("Content-Type"), "text/event-stream") {
		l.leave()
	}
	l.ResponseRecorder.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the recorder.
func (l *leaving) Unwrap() http.ResponseWriter { return l.ResponseRecorder }
