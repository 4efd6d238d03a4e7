package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

const importFastAPIHeader = `Usage: notesd import fastapi --from sqlite:PATH [--database-url URL]

Imports the users and notes of a FastAPI app built on the lesson's
SQLAlchemy schema (users: id, email, hashed_password, is_active, role, and
name if present; notes: id, title, content, user_id) from its SQLite file,
opened read-only, into notesd's database.

Users keep their passlib bcrypt hashes ($2b$…), so their passwords keep
working; each is re-hashed to argon2id at that user's next login. E-mails
are normalised (trimmed, lower-cased). is_active is true only for a true
value (NULL is inactive, as in the app's "if not user.is_active"), role
"admin" is admin and every other role a plain user.

Each user is imported with all their notes in one transaction. A user whose
e-mail notesd already has is skipped with their notes: so a second run
imports nothing, and notes never go to an account someone else registered
with that e-mail. Notes added to the old app after a user's import are not
brought over. Invalid rows (a bad e-mail, a hash that is not bcrypt, text
that is not valid UTF-8 or holds a NUL, a title outside 1–200 characters, a
body over 100,000 bytes) are reported on stderr by their source id and
skipped. The counts go to stdout. The old app's tokens are not accepted:
users log in again.
`

// maxImportBcryptCost is the highest bcrypt cost auth.Hasher verifies.
const maxImportBcryptCost = 18

// importer is a store that takes imported users: *sqlite.DB and
// *postgres.DB, through an operator method outside notes.Store.
type importer interface {
	store
	ImportUser(ctx context.Context, in notes.ImportedUser) (accounts.User, error)
}

var (
	_ importer = (*sqlite.DB)(nil)
	_ importer = (*postgres.DB)(nil)
)

// runImport runs "notesd import SOURCE …"; fastapi is the one source.
func runImport(ctx context.Context, args []string, c cli) error {
	switch {
	case len(args) == 0:
		fmt.Fprint(c.stderr, importFastAPIHeader)
		return errors.New(`import: missing source (want "import fastapi")`)
	case isHelp(args[0]):
		fmt.Fprint(c.stderr, importFastAPIHeader)
		return nil
	case args[0] == "fastapi":
		return runImportFastAPI(ctx, args[1:], c)
	}
	fmt.Fprint(c.stderr, importFastAPIHeader)
	return fmt.Errorf("import: unknown source %q (want fastapi)", args[0])
}

// importCounts is what an import did.
type importCounts struct {
	users, usersPresent, usersInvalid   int
	notes, notesOfSkipped, notesInvalid int
	notesOrphaned                       int // user_id of no source user
}

// runImportFastAPI runs "notesd import fastapi".
func runImportFastAPI(ctx context.Context, args []string, c cli) (err error) {
	cfg := defaultConfig()
	var from string
	fs := newFlagSet("import fastapi", importFastAPIHeader, c.stderr)
	fs.StringVar(&from, "from", "", "the FastAPI app's database, sqlite:PATH (required)")
	cfg.addDatabaseFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	path, ok := strings.CutPrefix(from, "sqlite:")
	if !ok || path == "" {
		return errors.New("import fastapi: --from sqlite:PATH is required")
	}
	src, err := readFastAPI(ctx, path)
	if err != nil {
		return fmt.Errorf("import fastapi: %w", err)
	}

	dst, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, dst.Close()) }()
	db, ok := dst.(importer)
	if !ok {
		return errors.New("import fastapi: this database cannot import users")
	}
	counts, err := importFastAPI(ctx, db, src, c.stderr)
	if err != nil {
		return fmt.Errorf("import fastapi: %w", err)
	}
	fmt.Fprintf(c.stdout, "users: %d imported, %d skipped (%d already present, %d invalid)\n",
		counts.users, counts.usersPresent+counts.usersInvalid, counts.usersPresent, counts.usersInvalid)
	fmt.Fprintf(c.stdout, "notes: %d imported, %d skipped (%d of skipped users, %d invalid, %d without a user)\n",
		counts.notes, counts.notesOfSkipped+counts.notesInvalid+counts.notesOrphaned,
		counts.notesOfSkipped, counts.notesInvalid, counts.notesOrphaned)
	return nil
}

// fastapiUser is one row of the source's users table.
type fastapiUser struct {
	id                int64
	email, hash, name any
	active, role      any
}

// fastapiNote is one row of the source's notes table.
type fastapiNote struct {
	id             int64
	title, content any
	userID         sql.NullInt64
}

// fastapiSource is what was read of the source database.
type fastapiSource struct {
	users []fastapiUser
	notes []fastapiNote // by id
}

// readFastAPI reads the users and notes of the SQLite database at path,
// opened read-only (it is never created or changed).
func readFastAPI(ctx context.Context, path string) (fastapiSource, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fastapiSource{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return fastapiSource{}, fmt.Errorf("source: %w", err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "busy_timeout(5000)")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fastapiSource{}, fmt.Errorf("source: %w", err)
	}
	defer db.Close()

	userCols, err := columns(ctx, db, "users")
	if err != nil {
		return fastapiSource{}, err
	}
	for _, c := range []string{"id", "email", "hashed_password"} {
		if !userCols[c] {
			return fastapiSource{}, fmt.Errorf("source: table users has no column %s (is it the lesson's schema?)", c)
		}
	}
	opt := func(c string) string {
		if userCols[c] {
			return c
		}
		return "NULL"
	}
	rows, err := db.QueryContext(ctx, `SELECT id, email, hashed_password, `+opt("is_active")+`, `+opt("role")+`, `+opt("name")+
		` FROM users ORDER BY id`)
	if err != nil {
		return fastapiSource{}, fmt.Errorf("source: users: %w", err)
	}
	var src fastapiSource
	for rows.Next() {
		var u fastapiUser
		if err := rows.Scan(&u.id, &u.email, &u.hash, &u.active, &u.role, &u.name); err != nil {
			rows.Close()
			return fastapiSource{}, fmt.Errorf("source: users: %w", err)
		}
		src.users = append(src.users, u)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fastapiSource{}, fmt.Errorf("source: users: %w", err)
	}

	noteCols, err := columns(ctx, db, "notes")
	if err != nil {
		return fastapiSource{}, err
	}
	if len(noteCols) == 0 {
		return src, nil // an app without notes
	}
	for _, c := range []string{"id", "title", "content", "user_id"} {
		if !noteCols[c] {
			return fastapiSource{}, fmt.Errorf("source: table notes has no column %s (is it the lesson's schema?)", c)
		}
	}
	rows, err = db.QueryContext(ctx, `SELECT id, title, content, user_id FROM notes ORDER BY id`)
	if err != nil {
		return fastapiSource{}, fmt.Errorf("source: notes: %w", err)
	}
	for rows.Next() {
		var n fastapiNote
		if err := rows.Scan(&n.id, &n.title, &n.content, &n.userID); err != nil {
			rows.Close()
			return fastapiSource{}, fmt.Errorf("source: notes: %w", err)
		}
		src.notes = append(src.notes, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fastapiSource{}, fmt.Errorf("source: notes: %w", err)
	}
	return src, nil
}

// columns returns the column names of table (none when it is missing).
func columns(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", table, err)
	}
	defer rows.Close()
	cols := make(map[string]bool)
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("source: %s: %w", table, err)
		}
		cols[strings.ToLower(name)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("source: %s: %w", table, err)
	}
	if table == "users" && len(cols) == 0 {
		return nil, errors.New("source: no table users (is it the lesson's schema?)")
	}
	return cols, nil
}

// importFastAPI imports src into db, reporting each skipped row on
// report. An error of the destination ends it; what was imported stays.
func importFastAPI(ctx context.Context, db importer, src fastapiSource, report io.Writer) (importCounts, error) {
	var n importCounts
	byUser := make(map[int64][]fastapiNote)
	for _, note := range src.notes {
		byUser[note.userID.Int64] = append(byUser[note.userID.Int64], note)
	}
	for _, su := range src.users {
		ns := byUser[su.id]
		delete(byUser, su.id)
		in, why := convertUser(su)
		if why != "" {
			fmt.Fprintf(report, "skipped user id %d: %s (notes skipped with it: %d)\n", su.id, why, len(ns))
			n.usersInvalid++
			n.notesOfSkipped += len(ns)
			continue
		}
		if _, err := db.UserByEmail(ctx, in.Email); err == nil {
			fmt.Fprintf(report, "skipped user id %d: %s is already in notesd (notes skipped with it: %d)\n", su.id, in.Email, len(ns))
			n.usersPresent++
			n.notesOfSkipped += len(ns)
			continue
		} else if !errors.Is(err, notes.ErrNotFound) {
			return n, err
		}
		for _, note := range ns {
			ni, why := convertNote(note)
			if why != "" {
				fmt.Fprintf(report, "skipped note id %d: %s\n", note.id, why)
				n.notesInvalid++
				continue
			}
			in.Notes = append(in.Notes, ni)
		}
		if _, err := db.ImportUser(ctx, in); errors.Is(err, accounts.ErrConflict) {
			// Registered between the lookup and the import.
			fmt.Fprintf(report, "skipped user id %d: %s is already in notesd (notes skipped with it: %d)\n", su.id, in.Email, len(ns))
			n.usersPresent++
			n.notesOfSkipped += len(in.Notes)
			continue
		} else if err != nil {
			return n, err
		}
		n.users++
		n.notes += len(in.Notes)
	}
	for _, ns := range byUser {
		for _, note := range ns {
			fmt.Fprintf(report, "skipped note id %d: its user_id names no user\n", note.id)
			n.notesOrphaned++
		}
	}
	return n, nil
}

// convertUser turns a source row into an imported user, or says why not.
func convertUser(su fastapiUser) (notes.ImportedUser, string) {
	raw, why := text("email", su.email)
	if why != "" {
		return notes.ImportedUser{}, why
	}
	email, ok := accounts.NormalizeEmail(raw)
	if !ok {
		return notes.ImportedUser{}, "email is not a valid e-mail address"
	}
	hash, why := text("hashed_password", su.hash)
	if why != "" || !isBcryptHash(hash) {
		return notes.ImportedUser{}, "hashed_password is not a bcrypt hash"
	}
	name := ""
	if su.name != nil {
		name, why = text("name", su.name)
		if why != "" || accounts.ValidateName(strings.TrimSpace(name)) != nil {
			return notes.ImportedUser{}, "name is not 1 to 200 characters of text"
		}
		name = strings.TrimSpace(name)
	}
	active, ok := truth(su.active)
	if !ok {
		return notes.ImportedUser{}, "is_active is not a boolean"
	}
	role := accounts.RoleUser
	if r, _ := text("role", su.role); r == string(accounts.RoleAdmin) {
		role = accounts.RoleAdmin
	}
	return notes.ImportedUser{
		NewUser:  accounts.NewUser{Email: email, Name: name, Role: role, PasswordHash: hash},
		Active:   active,
		SourceID: su.id, // the app's tokens name the user by it (--legacy-token-secret)
	}, ""
}

// convertNote turns a source row into a note, or says why not.
func convertNote(n fastapiNote) (notes.NoteInput, string) {
	title, why := text("title", n.title)
	if why != "" {
		return notes.NoteInput{}, why
	}
	body := ""
	if n.content != nil {
		if body, why = text("content", n.content); why != "" {
			return notes.NoteInput{}, why
		}
	}
	in := notes.NoteInput{Title: title, Body: body}
	if err := in.Validate(); err != nil {
		return notes.NoteInput{}, err.Error()
	}
	return in, ""
}

// text returns a TEXT (or BLOB) column's value as a string that every
// engine can store, or why it is not one.
func text(column string, v any) (string, string) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return "", column + " is not text"
	}
	if !accounts.ValidText(s) {
		return "", column + " is not valid UTF-8 without NUL"
	}
	return s, ""
}

// truth reads an SQLAlchemy Boolean as SQLite stores it (0/1; NULL is
// false, as Python's "not None" is).
func truth(v any) (bool, bool) {
	switch v := v.(type) {
	case nil:
		return false, true
	case int64:
		return v != 0, v == 0 || v == 1
	case bool:
		return v, true
	case string, []byte:
		s, _ := text("is_active", v)
		switch strings.ToLower(s) {
		case "1", "true":
			return true, true
		case "0", "false":
			return false, true
		}
		if b, err := strconv.ParseBool(s); err == nil {
			return b, true
		}
	}
	return false, false
}

// isBcryptHash reports whether s is a bcrypt hash, as passlib writes
// ($2a$, $2b$ or $2y$), of a cost auth.Hasher verifies.
func isBcryptHash(s string) bool {
	if len(s) != 60 {
		return false
	}
	switch s[:4] {
	case "$2a$", "$2b$", "$2y$":
	default:
		return false
	}
	cost, err := bcrypt.Cost([]byte(s))
	return err == nil && cost <= maxImportBcryptCost
}
