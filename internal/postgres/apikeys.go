package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// apiKeyColumns is the column list scanAPIKey reads; apiKeyColumnsK is the
// same for an api_keys table aliased k in a join.
const (
	apiKeyColumns  = `id, user_id, name, prefix, hash, scopes, created_at, expires_at, last_used_at`
	apiKeyColumnsK = `k.id, k.user_id, k.name, k.prefix, k.hash, k.scopes, k.created_at, k.expires_at, k.last_used_at`
)

// scanAPIKey reads the columns of apiKeyColumns.
func scanAPIKey(s scanner) (notes.APIKey, error) { return scanAPIKeyAnd(s) }

// scanAPIKeyAnd reads the columns of apiKeyColumns, then more into extra.
func scanAPIKeyAnd(s scanner, extra ...any) (notes.APIKey, error) {
	var (
		k                 notes.APIKey
		scopes            string
		created           int64
		expires, lastUsed *int64
	)
	dest := append([]any{&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &created, &expires, &lastUsed}, extra...)
	if err := s.Scan(dest...); err != nil {
		return notes.APIKey{}, err
	}
	k.Scopes = strings.Fields(scopes)
	k.CreatedAt = fromDB(created)
	k.ExpiresAt = nullTime(expires)
	k.LastUsedAt = nullTime(lastUsed)
	return k, nil
}

// APIKeyByPrefix returns the live (not revoked) key with that prefix and its
// user, whether or not the key has expired or the user is active: the
// caller checks the hash, the expiry and the user. ErrNotFound otherwise.
// It always asks PostgreSQL (no cache), so a revocation by any replica is
// seen at once.
func (db *DB) APIKeyByPrefix(ctx context.Context, prefix string) (notes.APIKey, notes.User, error) {
	if !notes.ValidText(prefix) { // stored prefixes are all valid text
		return notes.APIKey{}, notes.User{}, fmt.Errorf("postgres: api key by prefix: %w", notes.ErrNotFound)
	}
	row := db.pool.QueryRow(ctx, `
SELECT `+apiKeyColumnsK+`, `+userColumnsU+`
FROM api_keys k JOIN users u ON u.id = k.user_id
WHERE k.prefix = $1 AND k.revoked_at IS NULL`, prefix)
	var (
		u        notes.User
		role     string
		uCreated int64
	)
	k, err := scanAPIKeyAnd(row, &u.ID, &u.Email, &u.Name, &role, &u.Active, &u.PasswordHash, &uCreated, &u.Verified)
	if err != nil {
		return notes.APIKey{}, notes.User{}, fmt.Errorf("postgres: api key by prefix: %w", mapErr(err))
	}
	u.Role = notes.Role(role)
	u.CreatedAt = fromDB(uCreated)
	return k, u, nil
}

// TouchAPIKey records that a key was used at t; ErrNotFound for an unknown
// key.
func (db *DB) TouchAPIKey(ctx context.Context, keyID int64, t time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, toDB(t), keyID)
	if err != nil {
		return fmt.Errorf("postgres: touch api key: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("postgres: touch api key: %w", err)
	}
	return nil
}

// APIKeys returns o's view of their API keys. The view of the zero Owner is
// empty and cannot create keys (ErrForbidden).
func (db *DB) APIKeys(o notes.Owner) notes.APIKeyStore { return apiKeyStore{db: db, o: o} }

// apiKeyStore is one owner's API keys. Every query has user_id in its WHERE.
type apiKeyStore struct {
	db *DB
	o  notes.Owner
}

// Create stores a key for the owner. ErrConflict when the prefix is taken,
// ErrForbidden for the zero Owner, ErrAPIKeyLimit when the owner already
// has nk.MaxPerUser keys that are not revoked (counted and inserted in one
// transaction holding the owner's users row, as notes are).
func (s apiKeyStore) Create(ctx context.Context, nk notes.NewAPIKey) (notes.APIKey, error) {
	if !s.o.Valid() {
		return notes.APIKey{}, fmt.Errorf("postgres: create api key: %w", notes.ErrForbidden)
	}
	return s.db.CreateAPIKeyFor(ctx, s.o.ID(), nk)
}

// CreateAPIKeyFor creates an API key of the user userID: for the operator's
// CLI, which acts for the user it names. It is not part of notes.Store, so
// request handlers, which get a notes.Store, cannot reach it.
func (db *DB) CreateAPIKeyFor(ctx context.Context, userID int64, nk notes.NewAPIKey) (notes.APIKey, error) {
	if err := nk.CheckText(); err != nil {
		return notes.APIKey{}, fmt.Errorf("postgres: create api key: %w", err)
	}
	hash := nk.Hash
	if hash == nil {
		hash = []byte{}
	}
	var k notes.APIKey
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if nk.MaxPerUser > 0 {
			err := underQuota(ctx, tx, userID, nk.MaxPerUser, notes.ErrAPIKeyLimit,
				`SELECT count(*) FROM (SELECT 1 FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL LIMIT $2) q`)
			if err != nil {
				return err
			}
		}
		var err error
		k, err = scanAPIKey(tx.QueryRow(ctx, `
INSERT INTO api_keys (user_id, name, prefix, hash, scopes, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING `+apiKeyColumns,
			userID, nk.Name, nk.Prefix, hash, strings.Join(nk.Scopes, " "), toDB(now()), nullableTime(nk.ExpiresAt)))
		return err
	})
	if err != nil {
		return notes.APIKey{}, fmt.Errorf("postgres: create api key: %w", mapErr(err))
	}
	return k, nil
}

// List returns the owner's keys that are not revoked (expired ones
// included), newest first.
func (s apiKeyStore) List(ctx context.Context) ([]notes.APIKey, error) {
	if !s.o.Valid() {
		return []notes.APIKey{}, nil
	}
	rows, err := s.db.pool.Query(ctx, `
SELECT `+apiKeyColumns+` FROM api_keys
WHERE user_id = $1 AND revoked_at IS NULL
ORDER BY id DESC`, s.o.ID())
	if err != nil {
		return nil, fmt.Errorf("postgres: list api keys: %w", err)
	}
	out, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("postgres: list api keys: %w", err)
	}
	return out, nil
}

// Revoke revokes one of the owner's keys; ErrNotFound when it is not the
// owner's or already revoked.
func (s apiKeyStore) Revoke(ctx context.Context, id int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("postgres: revoke api key: %w", notes.ErrNotFound)
	}
	tag, err := s.db.pool.Exec(ctx, `
UPDATE api_keys SET revoked_at = $1
WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`, toDB(now()), id, s.o.ID())
	if err != nil {
		return fmt.Errorf("postgres: revoke api key: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("postgres: revoke api key: %w", err)
	}
	return nil
}
