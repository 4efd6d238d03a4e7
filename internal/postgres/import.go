package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/pgstore"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// ImportUser stores an imported user with their notes, in one
// transaction: for the operator's import only (it is not part of
// notes.Store, so no request handler reaches it). The password hash is
// stored as given. ErrConflict, and nothing stored, when the e-mail is
// taken.
func (db *DB) ImportUser(ctx context.Context, in notes.ImportedUser) (accounts.User, error) {
	if err := in.CheckText(); err != nil {
		return accounts.User{}, fmt.Errorf("postgres: import user: %w", err)
	}
	var u accounts.User
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = pgstore.CreateUserTx(ctx, tx, in.NewUser, in.Active)
		if err != nil {
			return err
		}
		if in.SourceID > 0 {
			if _, err := tx.Exec(ctx, `
INSERT INTO fastapi_users (old_id, user_id) VALUES ($1, $2) ON CONFLICT (old_id) DO NOTHING`, in.SourceID, u.ID); err != nil {
				return mapErr(err)
			}
		}
		if len(in.Notes) == 0 {
			return nil
		}
		t := toDB(u.CreatedAt)
		rows := make([][]any, len(in.Notes))
		for i, n := range in.Notes {
			rows[i] = []any{u.ID, n.Title, n.Body, t, t}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"notes"},
			[]string{"owner_id", "title", "body", "created_at", "updated_at"}, pgx.CopyFromRows(rows))
		return mapErr(err)
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("postgres: import user: %w", err)
	}
	return u, nil
}
