package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// apiKeyColumns is the column list scanAPIKey reads; apiKeyColumnsK is the
// same for an api_keys table aliased k in a join.
const (
	apiKeyColumns  = `id, user_id, name, prefix, hash, scopes, created_at, expires_at, last_used_at`
	apiKeyColumnsK = `k.id, k.user_id, k.name, k.prefix, k.hash, k.scopes, k.created_at, k.expires_at, k.last_used_at`
)

// scanAPIKey reads the columns of apiKeyColumns.
func scanAPIKey(s scanner) (accounts.APIKey, error) { return scanAPIKeyAnd(s) }

// scanAPIKeyAnd reads the columns of apiKeyColumns, then more into extra.
func scanAPIKeyAnd(s scanner, extra ...any) (accounts.APIKey, error) {
	var (
		k                 accounts.APIKey
		scopes            string
		created           int64
		expires, lastUsed *int64
	)
	dest := append([]any{&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &created, &expires, &lastUsed}, extra...)
	if err := s.Scan(dest...); err != nil {
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
// It always asks PostgreSQL (no cache), so a revocation by any replica is
// seen at once.
func (st *Store) APIKeyByPrefix(ctx context.Context, prefix string) (accounts.APIKey, accounts.User, error) {
	if !accounts.ValidText(prefix) { // stored prefixes are all valid text
		return accounts.APIKey{}, accounts.User{}, fmt.Errorf("pgstore: api key by prefix: %w", accounts.ErrNotFound)
	}
	row := st.pool.QueryRow(ctx, `
SELECT `+apiKeyColumnsK+`, `+userColumnsU+`
FROM api_keys k JOIN users u ON u.id = k.user_id
WHERE k.prefix = $1 AND k.revoked_at IS NULL`, prefix)
	var (
		u        accounts.User
		role     string
		uCreated int64
	)
	k, err := scanAPIKeyAnd(row, &u.ID, &u.Email, &u.Name, &role, &u.Active, &u.PasswordHash, &uCreated, &u.Verified)
	if err != nil {
		return accounts.APIKey{}, accounts.User{}, fmt.Errorf("pgstore: api key by prefix: %w", MapError(err))
	}
	u.Role = accounts.Role(role)
	u.CreatedAt = fromDB(uCreated)
	return k, u, nil
}

// TouchAPIKey records that a key was used at t; ErrNotFound for an unknown
// key.
func (st *Store) TouchAPIKey(ctx context.Context, keyID int64, t time.Time) error {
	tag, err := st.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, toDB(t), keyID)
	if err != nil {
		return fmt.Errorf("pgstore: touch api key: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("pgstore: touch api key: %w", err)
	}
	return nil
}

// APIKeys returns o's view of their API keys. The view of the zero Owner is
// empty and cannot create keys (ErrForbidden).
func (st *Store) APIKeys(o accounts.Owner) accounts.OwnAPIKeys { return apiKeyStore{st: st, o: o} }

// apiKeyStore is one owner's API keys. Every query has user_id in its WHERE.
type apiKeyStore struct {
	st *Store
	o  accounts.Owner
}

// Create stores a key for the owner. ErrConflict when the prefix is taken,
// ErrForbidden for the zero Owner, ErrAPIKeyLimit when the owner already
// has nk.MaxPerUser keys that are not revoked (counted and inserted in one
// transaction holding the owner's users row).
func (s apiKeyStore) Create(ctx context.Context, nk accounts.NewAPIKey) (accounts.APIKey, error) {
	if !s.o.Valid() {
		return accounts.APIKey{}, fmt.Errorf("pgstore: create api key: %w", accounts.ErrForbidden)
	}
	return s.st.CreateAPIKeyFor(ctx, s.o.ID(), nk)
}

// CreateAPIKeyFor creates an API key of the user userID: for an operator's
// tool, which acts for the user it names. It is part of no accounts
// interface, so request handlers, which get those, cannot reach it.
func (st *Store) CreateAPIKeyFor(ctx context.Context, userID int64, nk accounts.NewAPIKey) (accounts.APIKey, error) {
	if err := nk.CheckText(); err != nil {
		return accounts.APIKey{}, fmt.Errorf("pgstore: create api key: %w", err)
	}
	hash := nk.Hash
	if hash == nil {
		hash = []byte{}
	}
	var k accounts.APIKey
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		if nk.MaxPerUser > 0 {
			err := underQuota(ctx, tx, userID, nk.MaxPerUser, accounts.ErrAPIKeyLimit,
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
		return accounts.APIKey{}, fmt.Errorf("pgstore: create api key: %w", MapError(err))
	}
	return k, nil
}

// List returns the owner's keys that are not revoked (expired ones
// included), newest first.
func (s apiKeyStore) List(ctx context.Context) ([]accounts.APIKey, error) {
	if !s.o.Valid() {
		return []accounts.APIKey{}, nil
	}
	rows, err := s.st.pool.Query(ctx, `
SELECT `+apiKeyColumns+` FROM api_keys
WHERE user_id = $1 AND revoked_at IS NULL
ORDER BY id DESC`, s.o.ID())
	if err != nil {
		return nil, fmt.Errorf("pgstore: list api keys: %w", err)
	}
	out, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list api keys: %w", err)
	}
	return out, nil
}

// Revoke revokes one of the owner's keys; ErrNotFound when it is not the
// owner's or already revoked.
func (s apiKeyStore) Revoke(ctx context.Context, id int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("pgstore: revoke api key: %w", accounts.ErrNotFound)
	}
	tag, err := s.st.pool.Exec(ctx, `
UPDATE api_keys SET revoked_at = $1
WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`, toDB(now()), id, s.o.ID())
	if err != nil {
		return fmt.Errorf("pgstore: revoke api key: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("pgstore: revoke api key: %w", err)
	}
	return nil
}

// underQuota locks user userID's row for the rest of tx (ErrNotFound when
// there is none), then counts their rows with count (parameters: the user
// id and max) and returns full when there are max or more.
func underQuota(ctx context.Context, tx pgx.Tx, userID int64, max int, full error, count string) error {
	var one int
	if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, userID).Scan(&one); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, count, userID, max).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return full
	}
	return nil
}
