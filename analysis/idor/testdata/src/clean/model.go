// Package clean holds the analyzer's test cases.
package clean

import (
	"context"
	"database/sql"
	"net/http"
)

// User is the authenticated user.
type User struct {
	ID       int64
	TenantID int64
	Role     string
	IsAdmin  bool
	Active   bool
}

// Claims is a token's claims.
type Claims struct {
	Subject  int64
	TenantID int64
}

type ctxKey int

const (
	userKey ctxKey = iota
	claimsKey
)

// currentUser returns the user a middleware put in the context.
func currentUser(r *http.Request) (*User, error) {
	u, ok := r.Context().Value(userKey).(*User)
	if !ok {
		return nil, http.ErrNoCookie
	}
	return u, nil
}

// Server holds the database.
type Server struct {
	db   *sql.DB
	repo *NoteRepo
	q    querier
}

// querier is what a handler needs of a database.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// NoteRepo reads notes.
type NoteRepo struct{ db *sql.DB }

func hasRole(u *User, role string) bool { return u.Role == role }

func notFound(w http.ResponseWriter) { http.Error(w, "Note not found", http.StatusNotFound) }
