package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// ImportUser stores an imported user with their notes, in one
// transaction: for the operator's import only (it is not part of
// notes.Store, so no request handler reaches it). The password hash is
// stored as given. ErrConflict, and nothing stored, when the e-mail is
// taken.
func (db *DB) ImportUser(ctx context.Context, in notes.ImportedUser) (notes.User, error) {
	if err := in.CheckText(); err != nil {
		return notes.User{}, fmt.Errorf("postgres: import user: %w", err)
	}
	role := in.Role
	if role == "" {
		role = notes.RoleUser
	}
	if !role.Valid() {
		return notes.User{}, fmt.Errorf("postgres: import user: invalid role %q", role)
	}
	var u notes.User
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		t := toDB(now())
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `
INSERT INTO users (email, name, role, is_active, password_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING `+userColumns,
			in.Email, in.Name, string(role), in.Active, in.PasswordHash, t))
		if err != nil {
			return mapErr(err)
		}
		if len(in.Notes) == 0 {
			return nil
		}
		rows := make([][]any, len(in.Notes))
		for i, n := range in.Notes {
			rows[i] = []any{u.ID, n.Title, n.Body, t, t}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"notes"},
			[]string{"owner_id", "title", "body", "created_at", "updated_at"}, pgx.CopyFromRows(rows))
		return mapErr(err)
	})
	if err != nil {
		return notes.User{}, fmt.Errorf("postgres: import user: %w", err)
	}
	return u, nil
}
