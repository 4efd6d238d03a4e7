package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// CreateAccountToken stores a live account token and, in the same
// transaction, makes the user's earlier live tokens of that purpose expire
// at t.CreatedAt. ErrNotFound for an unknown user.
func (st *Store) CreateAccountToken(ctx context.Context, t accounts.NewAccountToken) error {
	if !t.Purpose.Valid() {
		return fmt.Errorf("pgstore: create account token: invalid purpose %q", t.Purpose)
	}
	created := toDB(t.CreatedAt)
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
UPDATE account_tokens SET expires_at = $1
WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1`,
			created, t.UserID, string(t.Purpose)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
INSERT INTO account_tokens (user_id, purpose, hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)`, t.UserID, string(t.Purpose), t.Hash, created, toDB(t.ExpiresAt))
		return MapError(err)
	})
	if err != nil {
		return fmt.Errorf("pgstore: create account token: %w", err)
	}
	return nil
}

// AccountTokenUser returns the user of the live token of purpose whose
// hash is hash at now, leaving the token live; ErrNotFound otherwise. A
// token of an inactive user is not live: a link mailed before the
// deactivation stops working.
func (st *Store) AccountTokenUser(ctx context.Context, purpose accounts.TokenPurpose, hash []byte, now time.Time) (accounts.User, error) {
	row := st.pool.QueryRow(ctx, `
SELECT `+userColumnsU+` FROM account_tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > $3 AND u.is_active`,
		hash, string(purpose), toDB(now))
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: account token user: %w", MapError(err))
	}
	return u, nil
}

// useToken marks the live token of purpose with hash used at now and
// returns its user's id; pgx.ErrNoRows when there is none (a token of an
// inactive user is not live, as in AccountTokenUser). The UPDATE
// locks the row: a concurrent use waits for this transaction and then, in
// READ COMMITTED, sees used_at set and matches nothing, so of concurrent
// uses of a token exactly one finds it live.
func useToken(ctx context.Context, tx pgx.Tx, purpose accounts.TokenPurpose, hash []byte, now int64) (int64, error) {
	var userID int64
	err := tx.QueryRow(ctx, `
UPDATE account_tokens SET used_at = $1
WHERE hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
	AND user_id IN (SELECT id FROM users WHERE is_active)
RETURNING user_id`, now, hash, string(purpose)).Scan(&userID)
	return userID, err
}

// ResetPassword uses up a live reset token and, in the same transaction,
// sets the password hash, marks the user verified and revokes all their
// sessions.
func (st *Store) ResetPassword(ctx context.Context, hash []byte, passwordHash string, now time.Time) (accounts.User, error) {
	t := toDB(now)
	var out accounts.User
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		userID, err := useToken(ctx, tx, accounts.PurposeReset, hash, t)
		if err != nil {
			return MapError(err)
		}
		out, err = scanUser(tx.QueryRow(ctx, `
UPDATE users SET password_hash = $1, is_verified = TRUE WHERE id = $2
RETURNING `+userColumns, passwordHash, userID))
		if err != nil {
			return MapError(err)
		}
		_, err = tx.Exec(ctx, `
UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, t, userID)
		return err
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: reset password: %w", err)
	}
	return out, nil
}

// VerifyEmail uses up a live verification token and marks its user
// verified in one transaction.
func (st *Store) VerifyEmail(ctx context.Context, hash []byte, now time.Time) (accounts.User, error) {
	var out accounts.User
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		userID, err := useToken(ctx, tx, accounts.PurposeVerify, hash, toDB(now))
		if err != nil {
			return MapError(err)
		}
		out, err = scanUser(tx.QueryRow(ctx, `
UPDATE users SET is_verified = TRUE WHERE id = $1 RETURNING `+userColumns, userID))
		return MapError(err)
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: verify email: %w", err)
	}
	return out, nil
}

// purgeAccountTokens deletes at most limit account tokens used or expired
// before before, in one statement.
func (st *Store) purgeAccountTokens(ctx context.Context, before int64, limit int) (int64, error) {
	tag, err := st.pool.Exec(ctx, `
DELETE FROM account_tokens WHERE id IN (
	SELECT id FROM account_tokens WHERE expires_at < $1 OR used_at < $1 LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("pgstore: purge account tokens: %w", err)
	}
	return tag.RowsAffected(), nil
}
