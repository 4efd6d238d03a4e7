package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// lessonSchema is the lesson's SQLAlchemy models as SQLAlchemy creates
// them on SQLite (Base.metadata.create_all): String → VARCHAR, Boolean →
// BOOLEAN stored as 0/1, no NOT NULL on plain columns.
const lessonSchema = `
CREATE TABLE users (
	id INTEGER NOT NULL,
	email VARCHAR,
	hashed_password VARCHAR,
	is_active BOOLEAN,
	role VARCHAR,
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE INDEX ix_users_id ON users (id);
CREATE TABLE notes (
	id INTEGER NOT NULL,
	title VARCHAR,
	content VARCHAR,
	user_id INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE INDEX ix_notes_id ON notes (id);
`

// passlibHash returns a bcrypt hash of password as passlib's
// CryptContext(schemes=["bcrypt"]) writes it: the $2b$ prefix (cost 4
// here, to keep the test fast; passlib's default is 12).
func passlibHash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), 4)
	if err != nil {
		t.Fatal(err)
	}
	return "$2b$" + strings.TrimPrefix(string(h), "$2a$")
}

// fastapiDB builds the FastAPI app's SQLite database in a temporary
// directory and returns its path. Alice and Root are good users; the rest
// are rows an import must skip, and notes of every kind.
func fastapiDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(lessonSchema); err != nil {
		t.Fatalf("creating the lesson's schema: %v", err)
	}
	users := []struct {
		id          int64
		email, hash any
		active      any
		role        any
	}{
		{1, " Alice@Example.com", passlibHash(t, "alice's old password"), 1, "user"},
		{2, "root@example.com", passlibHash(t, "root's old password"), 1, "admin"},
		{3, "carol@example.com", passlibHash(t, "carol's old password"), 0, nil},          // inactive
		{4, "ALICE@example.com", passlibHash(t, "another alice"), 1, "user"},              // same normalised e-mail as 1
		{5, "not an address", passlibHash(t, "x"), 1, "user"},                             // bad e-mail
		{6, "nul\x00@example.com", passlibHash(t, "x"), 1, "user"},                        // NUL
		{7, "md5@example.com", "5f4dcc3b5aa765d61d8327deb882cf99", 1, "user"},             // not bcrypt
		{8, "editor@example.com", passlibHash(t, "editor's old password"), nil, "editor"}, // NULL is_active, other role
	}
	for _, u := range users {
		if _, err := db.Exec(`INSERT INTO users (id, email, hashed_password, is_active, role) VALUES (?, ?, ?, ?, ?)`,
			u.id, u.email, u.hash, u.active, u.role); err != nil {
			t.Fatalf("inserting user %d: %v", u.id, err)
		}
	}
	notesRows := []struct {
		id             int64
		title, content any
		userID         any
	}{
		{10, "Alice's first", "shopping list", 1},
		{11, "Root's note", "admin things", 2},
		{12, "Alice's second", nil, 1},                // NULL content
		{13, "", "an empty title", 1},                 // invalid
		{14, strings.Repeat("t", 201), "too long", 1}, // invalid
		{15, "Orphan", "no user", 99},                 // user_id of no user
		{16, "Bad user's note", "skipped with its user", 5},
		{17, "Other Alice's note", "skipped with its user", 4},
		{18, "Alice's third", "bad \xff bytes", 1}, // invalid UTF-8
		{19, "Alice's fourth", "last one", 1},
	}
	for _, n := range notesRows {
		if _, err := db.Exec(`INSERT INTO notes (id, title, content, user_id) VALUES (?, ?, ?, ?)`,
			n.id, n.title, n.content, n.userID); err != nil {
			t.Fatalf("inserting note %d: %v", n.id, err)
		}
	}
	return path
}

// TestImportFastAPISQLite imports the lesson's app into SQLite.
func TestImportFastAPISQLite(t *testing.T) {
	t.Parallel()
	testImportFastAPI(t, "sqlite:"+filepath.Join(t.TempDir(), "notesd.db"))
}

// TestImportFastAPIPostgres imports the lesson's app into PostgreSQL.
func TestImportFastAPIPostgres(t *testing.T) {
	t.Parallel()
	testImportFastAPI(t, postgresSchemaURL(t))
}

// testImportFastAPI imports the app into the database dbURL twice, then
// logs in as its users with their old passwords.
func testImportFastAPI(t *testing.T, dbURL string) {
	src := fastapiDB(t)
	// A secret of its own: with PostgreSQL the generated one would go to
	// ./notesd-data.
	env := envOf("NOTESD_DATABASE_URL="+dbURL, "NOTESD_SECRET_KEY="+randomSecret())

	stdout, stderr, err := runCmd(t, env, "", "import", "fastapi", "--from", "sqlite:"+src)
	if err != nil {
		t.Fatalf("import fastapi = %v; stderr:\n%s", err, stderr)
	}
	want := "users: 4 imported, 4 skipped (1 already present, 3 invalid)\n" +
		"notes: 4 imported, 6 skipped (2 of skipped users, 3 invalid, 1 without a user)\n"
	if stdout != want {
		t.Errorf("import fastapi printed\n%s\nwant\n%s\nstderr:\n%s", stdout, want, stderr)
	}
	for _, line := range []string{
		"skipped user id 4: alice@example.com is already in notesd",
		"skipped user id 5: email is not a valid e-mail address",
		"skipped user id 6: email is not valid UTF-8 without NUL",
		"skipped user id 7: hashed_password is not a bcrypt hash",
		"skipped note id 13: ",
		"skipped note id 14: ",
		"skipped note id 18: content is not valid UTF-8 without NUL",
		"skipped note id 15: its user_id names no user",
	} {
		if !strings.Contains(stderr, line) {
			t.Errorf("import fastapi stderr lacks %q:\n%s", line, stderr)
		}
	}
	if strings.Contains(stderr, "$2b$") || strings.Contains(stdout, "$2b$") {
		t.Errorf("import fastapi printed a password hash:\n%s%s", stdout, stderr)
	}

	// A second run imports nothing.
	stdout = mustRun(t, env, "", "import", "fastapi", "--from", "sqlite:"+src)
	want = "users: 0 imported, 8 skipped (5 already present, 3 invalid)\n" +
		"notes: 0 imported, 10 skipped (9 of skipped users, 0 invalid, 1 without a user)\n"
	if stdout != want {
		t.Errorf("second import fastapi printed\n%s\nwant\n%s", stdout, want)
	}

	// What was stored: the passlib hash as is, the roles and states.
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.databaseURL = dbURL
	db, err := cfg.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check := func(email string, role accounts.Role, active bool, hashPrefix string) {
		t.Helper()
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			t.Fatalf("UserByEmail(%s) = %v", email, err)
		}
		if u.Role != role || u.Active != active || !strings.HasPrefix(u.PasswordHash, hashPrefix) {
			t.Errorf("user %s: role %s, active %v, hash %.7s…; want %s, %v, %s…", email, u.Role, u.Active, u.PasswordHash, role, active, hashPrefix)
		}
	}
	check("alice@example.com", accounts.RoleUser, true, "$2b$04$")
	check("root@example.com", accounts.RoleAdmin, true, "$2b$04$")
	check("carol@example.com", accounts.RoleUser, false, "$2b$04$")
	check("editor@example.com", accounts.RoleUser, false, "$2b$04$")

	s := startServer(t, env, "--legacy-token-secret", lessonSecretKey,
		"--legacy-token-until", time.Now().Add(time.Hour).Format(time.RFC3339))
	token := login(t, s, "alice@example.com", "alice's old password")
	if code, _, _ := loginStatus(t, s, "alice@example.com", "another alice"); code != http.StatusUnauthorized {
		t.Errorf("login with the skipped duplicate's password = %d, want 401", code)
	}
	code, body := call(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded",
		"username=carol%40example.com&password=carol%27s+old+password")
	if code != http.StatusBadRequest || !strings.Contains(body, "Inactive user") {
		t.Errorf("login as the inactive imported user = %d %s, want 400 Inactive user", code, body)
	}
	check("alice@example.com", accounts.RoleUser, true, "$argon2id$")

	code, body = call(t, "GET", s.url+"/notes", "", "", "Authorization", "Bearer "+token)
	if code != http.StatusOK {
		t.Fatalf("GET /notes = %d %s, want 200", code, body)
	}
	var list struct {
		Items []struct {
			Title   string `json:"title"`
			Body    string `json:"body"`
			OwnerID int64  `json:"owner_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("GET /notes body %s: %v", body, err)
	}
	alice, err := db.UserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range list.Items {
		got = append(got, n.Title+": "+n.Body)
		if n.OwnerID != alice.ID {
			t.Errorf("note %q has owner %d, want alice (%d)", n.Title, n.OwnerID, alice.ID)
		}
	}
	wantNotes := []string{"Alice's fourth: last one", "Alice's second: ", "Alice's first: shopping list"}
	if strings.Join(got, "|") != strings.Join(wantNotes, "|") {
		t.Errorf("GET /notes as alice = %q, want %q (newest first)", got, wantNotes)
	}

	// Root's note is root's, and root is an admin.
	rootToken := login(t, s, "root@example.com", "root's old password")
	if code, body := call(t, "GET", s.url+"/admin/users", "", "", "Authorization", "Bearer "+rootToken); code != http.StatusOK {
		t.Errorf("GET /admin/users as the imported admin = %d %s, want 200", code, body)
	}
	code, body = call(t, "GET", s.url+"/notes", "", "", "Authorization", "Bearer "+rootToken)
	if code != http.StatusOK || !strings.Contains(body, "Root's note") || strings.Contains(body, "Alice") {
		t.Errorf("GET /notes as root = %d %s, want root's note only", code, body)
	}
	checkLegacyTokens(t, s)
	s.shutdown(t)
}

// lessonSecretKey is the FastAPI app's SECRET_KEY in these tests.
const lessonSecretKey = "the lesson app's secret key"

// lessonToken is an access token of the lesson's app: python-jose's
// HS256 {"sub": str(user.id), "exp": …}, signed with secret.
func lessonToken(t *testing.T, secret string, sub any, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": exp.Unix()}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkLegacyTokens: with --legacy-token-secret, the imported app's
// tokens act as the user the import made of their "sub" (the app's user
// id), with their role's scopes, and nothing else passes: not a user the
// import skipped, not another secret, not an expired token; they cannot
// log out.
func checkLegacyTokens(t *testing.T, s *server) {
	t.Helper()
	soon := time.Now().Add(10 * time.Minute)
	alice := lessonToken(t, lessonSecretKey, "1", soon)
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
	tests := []struct {
		name, method, path, token string
		want                      int
		contains                  string
	}{
		{"alice's token", "GET", "/me", alice, 200, `"email":"alice@example.com"`},
		{"alice's notes", "GET", "/notes", alice, 200, "Alice's fourth"},
		{"alice writes", "POST", "/notes", alice, 201, "from the old app"},
		{"root is an admin", "GET", "/admin/users", lessonToken(t, lessonSecretKey, "2", soon), 200, "carol@example.com"},
		{"carol is inactive", "GET", "/me", lessonToken(t, lessonSecretKey, "3", soon), 401, "Could not validate credentials"},
		{"the skipped duplicate names no one", "GET", "/me", lessonToken(t, lessonSecretKey, "4", soon), 401, "Could not validate credentials"},
		{"an id never imported", "GET", "/me", lessonToken(t, lessonSecretKey, "99", soon), 401, "Could not validate credentials"},
		{"a non-canonical id", "GET", "/me", lessonToken(t, lessonSecretKey, "01", soon), 401, "Could not validate credentials"},
		{"a number, not a string", "GET", "/me", lessonToken(t, lessonSecretKey, 1, soon), 401, "Could not validate credentials"},
		{"another secret", "GET", "/me", lessonToken(t, "another secret", "1", soon), 401, "Could not validate credentials"},
		{"expired", "GET", "/me", lessonToken(t, lessonSecretKey, "1", time.Now().Add(-time.Minute)), 401, "Could not validate credentials"},
		{"no logout", "POST", "/auth/logout", alice, 401, "Could not validate credentials"},
		{"still valid after that", "GET", "/me", alice, 200, "alice@example.com"},
	}
	for _, tt := range tests {
		ctype, body := "", ""
		if tt.method == "POST" && tt.path == "/notes" {
			ctype, body = "application/json", `{"title":"from the old app","body":"x"}`
		}
		code, _, got := send(t, tt.method, s.url+tt.path, ctype, body, bearer(tt.token)...)
		if code != tt.want || !strings.Contains(got, tt.contains) {
			t.Errorf("%s: %s %s = %d %s, want %d with %q", tt.name, tt.method, tt.path, code, got, tt.want, tt.contains)
		}
	}
}

func TestImportFastAPIRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noUsers := filepath.Join(dir, "empty.db")
	db, err := sql.Open("sqlite", "file:"+noUsers)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE accounts (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, url, _ := tempDB(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no source", []string{"import"}, "missing source"},
		{"unknown source", []string{"import", "django"}, "unknown source"},
		{"no --from", []string{"import", "fastapi", f, url}, "--from sqlite:PATH is required"},
		{"postgres --from", []string{"import", "fastapi", "--from", "postgres://x", f, url}, "--from sqlite:PATH is required"},
		{"missing file", []string{"import", "fastapi", "--from", "sqlite:" + filepath.Join(dir, "nope.db"), f, url}, "no such file"},
		{"not the schema", []string{"import", "fastapi", "--from", "sqlite:" + noUsers, f, url}, "no table users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(t, envOf(), "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(missing source) after import = %v, want ErrNotExist: the source is never created", err)
	}
}
