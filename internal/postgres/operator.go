package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// The methods of this file are the operator's: the CLI acts for the user it
// names, with no request behind it, so no auth.Owner or auth.RoleGrant. They
// are not part of notes.Store, so request handlers, which get a
// notes.Store, cannot reach them. This store caches nothing, so what they
// revoke stops working on every replica at the next request.

// OperatorListUsers lists all users, newest first, one keyset page at a time.
func (db *DB) OperatorListUsers(ctx context.Context, p notes.Page) ([]notes.User, int64, error) {
	return db.listUsers(ctx, p)
}

// OperatorUpdateUser applies a change of role or activity like UpdateUser,
// last-admin rule (ErrLastAdmin) and revocation on deactivation included.
func (db *DB) OperatorUpdateUser(ctx context.Context, id int64, p notes.UserPatch) (notes.User, error) {
	return db.updateUser(ctx, id, p)
}

// SetPasswordHashFor replaces user userID's password hash and revokes all
// of the user's live sessions, in one transaction; ErrNotFound for an
// unknown user.
func (db *DB) SetPasswordHashFor(ctx context.Context, userID int64, hash string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return mapErr(err)
		}
		if err := oneRow(tag); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
UPDATE sessions SET revoked_at = $1
WHERE user_id = $2 AND revoked_at IS NULL`, toDB(now()), userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: set password hash: %w", err)
	}
	return nil
}

// RevokeAllSessionsFor revokes every live session (API and web) of user
// userID.
func (db *DB) RevokeAllSessionsFor(ctx context.Context, userID int64) error {
	return db.revokeUserSessions(ctx, userID, 0)
}

// APIKeysFor returns user userID's keys that are not revoked (expired ones
// included), newest first.
func (db *DB) APIKeysFor(ctx context.Context, userID int64) ([]notes.APIKey, error) {
	rows, err := db.pool.Query(ctx, `
SELECT `+apiKeyColumns+` FROM api_keys
WHERE user_id = $1 AND revoked_at IS NULL
ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: api keys for user: %w", err)
	}
	keys, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("postgres: api keys for user: %w", err)
	}
	return keys, nil
}

// OperatorRevokeAPIKey revokes key id of user userID; ErrNotFound when the
// user has no such key that is not revoked.
func (db *DB) OperatorRevokeAPIKey(ctx context.Context, userID, id int64) error {
	tag, err := db.pool.Exec(ctx, `
UPDATE api_keys SET revoked_at = $1
WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`, toDB(now()), id, userID)
	if err != nil {
		return fmt.Errorf("postgres: revoke api key: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("postgres: revoke api key: %w", err)
	}
	return nil
}

// PoolStats returns the statistics of the connection pool: for metrics.
func (db *DB) PoolStats() *pgxpool.Stat { return db.pool.Stat() }
