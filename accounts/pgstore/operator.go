package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// The methods of this file are an operator's: a CLI acts for the user it
// names, with no request behind it, so no auth.Owner or auth.RoleGrant. They
// are part of no accounts interface, so request handlers, which get those,
// cannot reach them. This store caches nothing, so what they revoke stops
// working on every replica at the next request.

// OperatorListUsers lists all users, newest first, one keyset page at a time.
func (st *Store) OperatorListUsers(ctx context.Context, p accounts.Page) ([]accounts.User, int64, error) {
	return st.listUsers(ctx, p)
}

// OperatorUpdateUser applies a change of role or activity like UpdateUser,
// last-admin rule (ErrLastAdmin) and revocation on deactivation included.
func (st *Store) OperatorUpdateUser(ctx context.Context, id int64, p accounts.UserPatch) (accounts.User, error) {
	return st.updateUser(ctx, id, p)
}

// SetPasswordHashFor replaces user userID's password hash and revokes all
// of the user's live sessions, in one transaction; ErrNotFound for an
// unknown user.
func (st *Store) SetPasswordHashFor(ctx context.Context, userID int64, hash string) error {
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return MapError(err)
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
		return fmt.Errorf("pgstore: set password hash: %w", err)
	}
	return nil
}

// RevokeAllSessionsFor revokes every live session (API and web) of user
// userID.
func (st *Store) RevokeAllSessionsFor(ctx context.Context, userID int64) error {
	return st.revokeUserSessions(ctx, userID, 0)
}

// APIKeysFor returns user userID's keys that are not revoked (expired ones
// included), newest first.
func (st *Store) APIKeysFor(ctx context.Context, userID int64) ([]accounts.APIKey, error) {
	rows, err := st.pool.Query(ctx, `
SELECT `+apiKeyColumns+` FROM api_keys
WHERE user_id = $1 AND revoked_at IS NULL
ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: api keys for user: %w", err)
	}
	keys, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("pgstore: api keys for user: %w", err)
	}
	return keys, nil
}

// OperatorRevokeAPIKey revokes key id of user userID; ErrNotFound when the
// user has no such key that is not revoked.
func (st *Store) OperatorRevokeAPIKey(ctx context.Context, userID, id int64) error {
	tag, err := st.pool.Exec(ctx, `
UPDATE api_keys SET revoked_at = $1
WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`, toDB(now()), id, userID)
	if err != nil {
		return fmt.Errorf("pgstore: revoke api key: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("pgstore: revoke api key: %w", err)
	}
	return nil
}

// PoolStats returns the statistics of the connection pool: for metrics.
func (st *Store) PoolStats() *pgxpool.Stat { return st.pool.Stat() }
