package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// The methods of this file are the operator's: the CLI acts for the user it
// names, with no request behind it, so no auth.Owner or auth.RoleGrant. They
// are in none of the accounts interfaces, so code handed those (request
// handlers) cannot reach them. The CLI opens a database it changes this
// way with OpenLocked, so no server's cache can keep what they revoke.

// ErrInUse is returned by OpenLocked for a file another process serves.
var ErrInUse = errors.New("is being served by another process")

// OperatorListUsers lists all users, newest first, one keyset page at a time.
func (db *Store) OperatorListUsers(ctx context.Context, p accounts.Page) ([]accounts.User, int64, error) {
	return db.listUsers(ctx, p)
}

// OperatorUpdateUser applies a change of role or activity like UpdateUser,
// last-admin rule (ErrLastAdmin) and revocation on deactivation included.
func (db *Store) OperatorUpdateUser(ctx context.Context, id int64, p accounts.UserPatch) (accounts.User, error) {
	return db.updateUser(ctx, id, p)
}

// SetPasswordHashFor replaces user userID's password hash and revokes all
// of the user's live sessions, in one transaction; ErrNotFound for an
// unknown user.
func (db *Store) SetPasswordHashFor(ctx context.Context, userID int64, hash string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return MapError(err)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
UPDATE sessions SET revoked_at = ?
WHERE user_id = ? AND revoked_at IS NULL`, toDB(now()), userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlitestore: set password hash: %w", err)
	}
	db.cache.dropUser(userID)
	return nil
}

// RevokeAllSessionsFor revokes every live session (API and web) of user
// userID.
func (db *Store) RevokeAllSessionsFor(ctx context.Context, userID int64) error {
	return db.revokeUserSessions(ctx, userID, 0)
}

// APIKeysFor returns user userID's keys that are not revoked (expired ones
// included), newest first.
func (db *Store) APIKeysFor(ctx context.Context, userID int64) ([]accounts.APIKey, error) {
	rows, err := db.rs.QueryContext(ctx, `
SELECT `+apiKeyColumns+` FROM api_keys
WHERE user_id = ? AND revoked_at IS NULL
ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: api keys for user: %w", err)
	}
	keys, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: api keys for user: %w", err)
	}
	return keys, nil
}

// OperatorRevokeAPIKey revokes key id of user userID; ErrNotFound when the
// user has no such key that is not revoked.
func (db *Store) OperatorRevokeAPIKey(ctx context.Context, userID, id int64) error {
	res, err := db.ws.ExecContext(ctx, `
UPDATE api_keys SET revoked_at = ?
WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, toDB(now()), id, userID)
	if err != nil {
		return fmt.Errorf("sqlitestore: revoke api key: %w", err)
	}
	if err := oneRow(res); err != nil {
		return fmt.Errorf("sqlitestore: revoke api key: %w", err)
	}
	db.cache.dropKey(id)
	return nil
}
