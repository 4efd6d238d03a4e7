package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite", in pure Go
)

// schema is the lesson's models, User and Note, and two tables for auth:
// sessions, the server-side record that logout deletes, and api_keys,
// stored as SHA-256 hashes, never in clear.
const schema = `
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	hashed_password TEXT NOT NULL, is_active INTEGER NOT NULL DEFAULT 1, role TEXT NOT NULL DEFAULT 'user');
CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL,
	user_id INTEGER NOT NULL REFERENCES users(id));
CREATE INDEX IF NOT EXISTS notes_user_id ON notes(user_id);
CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
	expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
	prefix TEXT NOT NULL UNIQUE, hash BLOB NOT NULL);`

// openDB opens the SQLite file at path and creates the tables. WAL lets
// readers run beside the writer; busy_timeout makes writers queue.
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

// openTx is the lesson's get_db, a dependency with yield: a transaction per
// request, committed if the handler succeeds and rolled back if it fails.
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

// FindSession is the database half of get_current_user: the user of a
// verified token whose session is live, in one query, so that logout
// takes effect on the next request. None is 401 "Could not validate credentials".
func (a *app) FindSession(ctx context.Context, userID, sessionID string) (User, error) {
	u, err := scanUser(a.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id =
		(SELECT user_id FROM sessions WHERE id = ? AND user_id = ? AND expires_at > ?)`, sessionID, userID, time.Now().Unix()))
	return u, dbError(err, auth.ErrUnknown, "find session")
}

// FindAPIKey is verify_api_key's lookup: the key with this public prefix and
// its user; auth compares the hashes. None is 403 "Invalid API key".
func (a *app) FindAPIKey(ctx context.Context, prefix string) (k auth.StoredKey[User], err error) {
	err = a.db.QueryRowContext(ctx, `SELECT k.id, k.hash, u.id, u.email, u.is_active, u.role FROM api_keys k
		JOIN users u ON u.id = k.user_id WHERE k.prefix = ?`, prefix).Scan(&k.ID, &k.Hash, &k.User.ID, &k.User.Email, &k.User.Active, &k.User.Role)
	return k, dbError(err, auth.ErrUnknown, "find api key")
}

// APIKeyUsed implements auth.APIKeyStore; the lesson keeps no usage record.
func (a *app) APIKeyUsed(context.Context, auth.StoredKey[User], time.Time) {}

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

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// collect reads every row of a query with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, dbError(rows.Err(), nil, "query")
}
