package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// CreateAccountToken stores a live account token and, in the same write
// transaction, makes the user's earlier live tokens of that purpose expire
// at t.CreatedAt. ErrNotFound for an unknown user.
func (db *Store) CreateAccountToken(ctx context.Context, t accounts.NewAccountToken) error {
	if !t.Purpose.Valid() {
		return fmt.Errorf("sqlitestore: create account token: invalid purpose %q", t.Purpose)
	}
	created := toDB(t.CreatedAt)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
UPDATE account_tokens SET expires_at = ?1
WHERE user_id = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1`,
			created, t.UserID, string(t.Purpose)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
INSERT INTO account_tokens (user_id, purpose, hash, created_at, expires_at)
VALUES (?, ?, ?, ?, ?)`, t.UserID, string(t.Purpose), t.Hash, created, toDB(t.ExpiresAt))
		return MapError(err)
	})
	if err != nil {
		return fmt.Errorf("sqlitestore: create account token: %w", err)
	}
	return nil
}

// AccountTokenUser returns the user of the live token of purpose whose
// hash is hash at now, leaving the token live; ErrNotFound otherwise. A
// token of an inactive user is not live: a link mailed before the
// deactivation stops working.
func (db *Store) AccountTokenUser(ctx context.Context, purpose accounts.TokenPurpose, hash []byte, now time.Time) (accounts.User, error) {
	row := db.ReadOne(ctx, `
SELECT `+userColumnsU+` FROM account_tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = ? AND t.purpose = ? AND t.used_at IS NULL AND t.expires_at > ? AND u.is_active = 1`,
		hash, string(purpose), toDB(now))
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: account token user: %w", MapError(err))
	}
	return u, nil
}

// useToken marks the live token of purpose with hash used at now and
// returns its user's id; sql.ErrNoRows when there is none (a token of an
// inactive user is not live, as in AccountTokenUser). Writes are
// serialised on the one writer connection, so of concurrent uses of a
// token exactly one finds it live.
func useToken(ctx context.Context, tx *sql.Tx, purpose accounts.TokenPurpose, hash []byte, now int64) (int64, error) {
	var userID int64
	err := tx.QueryRowContext(ctx, `
UPDATE account_tokens SET used_at = ?1
WHERE hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1
	AND user_id IN (SELECT id FROM users WHERE is_active = 1)
RETURNING user_id`, now, hash, string(purpose)).Scan(&userID)
	return userID, err
}

// ResetPassword uses up a live reset token and, in the same transaction,
// sets the password hash, marks the user verified and revokes all their
// sessions; the auth cache forgets the user after the commit.
func (db *Store) ResetPassword(ctx context.Context, hash []byte, passwordHash string, now time.Time) (accounts.User, error) {
	t := toDB(now)
	var out accounts.User
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		userID, err := useToken(ctx, tx, accounts.PurposeReset, hash, t)
		if err != nil {
			return MapError(err)
		}
		out, err = scanUser(tx.QueryRowContext(ctx, `
UPDATE users SET password_hash = ?, is_verified = 1 WHERE id = ?
RETURNING `+userColumns, passwordHash, userID))
		if err != nil {
			return MapError(err)
		}
		_, err = tx.ExecContext(ctx, `
UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, t, userID)
		return err
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: reset password: %w", err)
	}
	db.cache.dropUser(out.ID)
	return out, nil
}

// VerifyEmail uses up a live verification token and marks its user
// verified in one transaction; the auth cache forgets the user after the
// commit (cached sessions carry the user).
func (db *Store) VerifyEmail(ctx context.Context, hash []byte, now time.Time) (accounts.User, error) {
	var out accounts.User
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		userID, err := useToken(ctx, tx, accounts.PurposeVerify, hash, toDB(now))
		if err != nil {
			return MapError(err)
		}
		out, err = scanUser(tx.QueryRowContext(ctx, `
UPDATE users SET is_verified = 1 WHERE id = ? RETURNING `+userColumns, userID))
		return MapError(err)
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: verify email: %w", err)
	}
	db.cache.dropUser(out.ID)
	return out, nil
}

// purgeAccountTokens deletes at most limit account tokens used or expired
// before before, in one statement.
func (db *Store) purgeAccountTokens(ctx context.Context, before int64, limit int) (int64, error) {
	res, err := db.ws.ExecContext(ctx, `
DELETE FROM account_tokens WHERE id IN (
	SELECT id FROM account_tokens WHERE expires_at < ?1 OR used_at < ?1 LIMIT ?2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: purge account tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: purge account tokens: %w", err)
	}
	return n, nil
}
