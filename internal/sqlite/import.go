package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// ImportUser stores an imported user with their notes, in one
// transaction (sqlitestore.Store.Import, through the group commit writer):
// for the operator's import only (it is not part of notes.Store, so no
// request handler reaches it). The password hash is stored as given.
// ErrConflict, and nothing stored, when the e-mail is taken.
func (db *DB) ImportUser(ctx context.Context, in notes.ImportedUser) (accounts.User, error) {
	if err := in.CheckText(); err != nil {
		return accounts.User{}, fmt.Errorf("sqlite: import user: %w", err)
	}
	u, err := db.Import(ctx, in.NewUser, in.Active, func(ctx context.Context, tx *sql.Tx, u accounts.User) error {
		if in.SourceID > 0 {
			if _, err := tx.ExecContext(ctx, `
INSERT INTO fastapi_users (old_id, user_id) VALUES (?, ?) ON CONFLICT (old_id) DO NOTHING`, in.SourceID, u.ID); err != nil {
				return sqlitestore.MapError(err)
			}
		}
		t := toDB(now())
		for _, n := range in.Notes {
			if _, err := tx.ExecContext(ctx, `
INSERT INTO notes (owner_id, title, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				u.ID, n.Title, n.Body, t, t); err != nil {
				return sqlitestore.MapError(err)
			}
		}
		return nil
	})
	return u, err // err has the prefix of Import
}
