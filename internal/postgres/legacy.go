package postgres

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

var _ accounts.LegacyUsers = (*DB)(nil)

// LegacyUser is the user an imported application's id names, as the
// import recorded it (accounts.LegacyUsers, for --legacy-token-secret):
// ErrNotFound for an id not recorded.
func (db *DB) LegacyUser(ctx context.Context, oldID int64) (accounts.User, error) {
	var uid int64
	if err := db.Pool().QueryRow(ctx, `SELECT user_id FROM fastapi_users WHERE old_id = $1`, oldID).Scan(&uid); err != nil {
		return accounts.User{}, fmt.Errorf("postgres: legacy user: %w", mapErr(err))
	}
	return db.UserByID(ctx, uid)
}
