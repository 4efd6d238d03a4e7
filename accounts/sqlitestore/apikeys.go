package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// apiKeyColumns is the column list scanAPIKey reads; apiKeyColumnsK is the
// same for an api_keys table aliased k in a join.
const (
	apiKeyColumns  = `id, user_id, name, prefix, hash, scopes, created_at, expires_at, last_used_at`
	apiKeyColumnsK = `k.id, k.user_id, k.name, k.prefix, k.hash, k.scopes, k.created_at, k.expires_at, k.last_used_at`
)

// scanAPIKey reads the columns of apiKeyColumns.
func scanAPIKey(s scanner) (accounts.APIKey, error) {
	var (
		k                 accounts.APIKey
		scopes            string
		created           int64
		expires, lastUsed sql.NullInt64
	)
	if err := s.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &created, &expires, &lastUsed); err != nil {
		return accounts.APIKey{}, err
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
func (db *Store) APIKeyByPrefix(ctx context.Context, prefix string) (accounts.APIKey, accounts.User, error) {
	if !accounts.ValidText(prefix) { // stored prefixes are all valid text
		return accounts.APIKey{}, accounts.User{}, fmt.Errorf("sqlitestore: api key by prefix: %w", accounts.ErrNotFound)
	}
	if k, u, ok := db.CachedAPIKey(prefix); ok {
		return k, u, nil
	}
	epoch := db.cache.begin()
	row := db.ReadOne(ctx, `
SELECT `+apiKeyColumnsK+`, `+userColumnsU+`
FROM api_keys k JOIN users u ON u.id = k.user_id
WHERE k.prefix = ? AND k.revoked_at IS NULL`, prefix)
	var (
		k                 accounts.APIKey
		u                 accounts.User
		scopes, role      string
		created, uCreated int64
		active, verified  int64
		expires, lastUsed sql.NullInt64
	)
	err := row.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &created, &expires, &lastUsed,
		&u.ID, &u.Email, &u.Name, &role, &active, &u.PasswordHash, &uCreated, &verified)
	if err != nil {
		return accounts.APIKey{}, accounts.User{}, fmt.Errorf("sqlitestore: api key by prefix: %w", MapError(err))
	}
	k.Scopes = strings.Fields(scopes)
	k.CreatedAt = fromDB(created)
	k.ExpiresAt = nullTime(expires)
	k.LastUsedAt = nullTime(lastUsed)
	u.Role = accounts.Role(role)
	u.Active = active != 0
	u.Verified = verified != 0
	u.CreatedAt = fromDB(uCreated)
	db.cache.putKey(epoch, keyEntry{key: k, user: u})
	return k, u, nil
}

// CachedAPIKey is APIKeyByPrefix answered from the auth cache alone
// (accounts.CachedAPIKeys): ok is false when the database must be asked.
func (db *Store) CachedAPIKey(prefix string) (accounts.APIKey, accounts.User, bool) {
	e, ok := db.cache.key(prefix)
	if !ok {
		return accounts.APIKey{}, accounts.User{}, false
	}
	return e.key, e.user, true
}

// TouchAPIKey records that a key was used at t; ErrNotFound for an unknown
// key.
func (db *Store) TouchAPIKey(ctx context.Context, keyID int64, t time.Time) error {
	st, err := db.ws.get(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`)
	if err == nil {
		err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := txExec(ctx, tx, st, toDB(t), keyID)
			if err != nil {
				return err
			}
			return oneRow(res)
		})
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: touch api key: %w", err)
	}
	db.cache.touchKey(keyID, t)
	return nil
}

// APIKeys returns o's view of their API keys. The view of the zero Owner is
// empty and cannot create keys (ErrForbidden).
func (db *Store) APIKeys(o accounts.Owner) accounts.OwnAPIKeys { return apiKeyStore{db: db, o: o} }

// apiKeyStore is one owner's API keys.
type apiKeyStore struct {
	db *Store
	o  accounts.Owner
}

// Create stores a key for the owner. ErrConflict when the prefix is taken,
// ErrForbidden for the zero Owner, ErrAPIKeyLimit when the owner already
// has nk.MaxPerUser keys that are not revoked (one statement on the single
// writer connection: no burst passes the quota).
func (s apiKeyStore) Create(ctx context.Context, nk accounts.NewAPIKey) (accounts.APIKey, error) {
	if !s.o.Valid() {
		return accounts.APIKey{}, fmt.Errorf("sqlitestore: create api key: %w", accounts.ErrForbidden)
	}
	return s.db.CreateAPIKeyFor(ctx, s.o.ID(), nk)
}

// CreateAPIKeyFor creates an API key of the user userID: for the operator's
// CLI, which acts for the user it names. It is in none of the accounts
// interfaces, so code handed those (request handlers) cannot reach it.
func (db *Store) CreateAPIKeyFor(ctx context.Context, userID int64, nk accounts.NewAPIKey) (accounts.APIKey, error) {
	if err := nk.CheckText(); err != nil {
		return accounts.APIKey{}, fmt.Errorf("sqlitestore: create api key: %w", err)
	}
	hash := nk.Hash
	if hash == nil {
		hash = []byte{}
	}
	row := db.ws.QueryRowContext(ctx, `
INSERT INTO api_keys (user_id, name, prefix, hash, scopes, created_at, expires_at)
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
WHERE ?8 <= 0 OR (SELECT count(*) FROM (
	SELECT 1 FROM api_keys WHERE user_id = ?1 AND revoked_at IS NULL LIMIT ?8)) < ?8
RETURNING `+apiKeyColumns,
		userID, nk.Name, nk.Prefix, hash, strings.Join(nk.Scopes, " "), toDB(now()), nullableTime(nk.ExpiresAt), nk.MaxPerUser)
	k, err := scanAPIKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return accounts.APIKey{}, fmt.Errorf("sqlitestore: create api key: %w", accounts.ErrAPIKeyLimit)
	}
	if err != nil {
		return accounts.APIKey{}, fmt.Errorf("sqlitestore: create api key: %w", MapError(err))
	}
	return k, nil
}

// List returns the owner's keys that are not revoked (expired ones
// included), newest first.
func (s apiKeyStore) List(ctx context.Context) ([]accounts.APIKey, error) {
	if !s.o.Valid() {
		return []accounts.APIKey{}, nil
	}
	rows, err := s.db.rs.QueryContext(ctx, `
SELECT `+apiKeyColumns+` FROM api_keys
WHERE user_id = ? AND revoked_at IS NULL
ORDER BY id DESC`, s.o.ID())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list api keys: %w", err)
	}
	out, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list api keys: %w", err)
	}
	return out, nil
}

// Revoke revokes one of the owner's keys; ErrNotFound when it is not the
// owner's or already revoked.
func (s apiKeyStore) Revoke(ctx context.Context, id int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("sqlitestore: revoke api key: %w", accounts.ErrNotFound)
	}
	res, err := s.db.ws.ExecContext(ctx, `
UPDATE api_keys SET revoked_at = ?
WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, toDB(now()), id, s.o.ID())
	if err != nil {
		return fmt.Errorf("sqlitestore: revoke api key: %w", err)
	}
	if err := oneRow(res); err != nil {
		return fmt.Errorf("sqlitestore: revoke api key: %w", err)
	}
	s.db.cache.dropKey(id)
	return nil
}
