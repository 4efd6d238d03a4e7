package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
)

var _ accounts.LegacyUsers = (*DB)(nil)

// LegacyUser is the user an imported application's id names, as the
// import recorded it (accounts.LegacyUsers, for --legacy-token-secret):
// ErrNotFound for an id not recorded.
func (db *DB) LegacyUser(ctx context.Context, oldID int64) (accounts.User, error) {
	var uid int64
	if err := db.ReadOne(ctx, `SELECT user_id FROM fastapi_users WHERE old_id = ?`, oldID).Scan(&uid); err != nil {
		return accounts.User{}, fmt.Errorf("sqlite: legacy user: %w", sqlitestore.MapError(err))
	}
	return db.UserByID(ctx, uid)
}
