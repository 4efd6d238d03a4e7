package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// ImportUser stores an imported user with their notes, in one
// transaction: for the operator's import only (it is not part of
// notes.Store, so no request handler reaches it). The password hash is
// stored as given. ErrConflict, and nothing stored, when the e-mail is
// taken.
func (db *DB) ImportUser(ctx context.Context, in notes.ImportedUser) (notes.User, error) {
	if err := in.CheckText(); err != nil {
		return notes.User{}, fmt.Errorf("sqlite: import user: %w", err)
	}
	role := in.Role
	if role == "" {
		role = notes.RoleUser
	}
	if !role.Valid() {
		return notes.User{}, fmt.Errorf("sqlite: import user: invalid role %q", role)
	}
	active := 0
	if in.Active {
		active = 1
	}
	var u notes.User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		t := toDB(now())
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `
INSERT INTO users (email, name, role, is_active, password_hash, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING `+userColumns,
			in.Email, in.Name, string(role), active, in.PasswordHash, t))
		if err != nil {
			return mapErr(err)
		}
		for _, n := range in.Notes {
			if _, err := tx.ExecContext(ctx, `
INSERT INTO notes (owner_id, title, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				u.ID, n.Title, n.Body, t, t); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	if err != nil {
		return notes.User{}, fmt.Errorf("sqlite: import user: %w", err)
	}
	return u, nil
}
