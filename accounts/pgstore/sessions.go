package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
)

// sessionColumns is the column list scanSession reads.
const sessionColumns = `id, user_id, user_agent, ip, scopes, created_at, last_seen_at, expires_at`

// scanSession reads the columns of sessionColumns.
func scanSession(s scanner) (accounts.Session, error) {
	var (
		ss                       accounts.Session
		scopes                   string
		created, seen, expiresAt int64
	)
	if err := s.Scan(&ss.ID, &ss.UserID, &ss.UserAgent, &ss.IP, &scopes, &created, &seen, &expiresAt); err != nil {
		return accounts.Session{}, err
	}
	ss.Scopes = strings.Fields(scopes)
	ss.CreatedAt = fromDB(created)
	ss.LastSeenAt = fromDB(seen)
	ss.ExpiresAt = fromDB(expiresAt)
	return ss, nil
}

// CreateSession stores a login session, created and last seen now.
// ErrNotFound when the user does not exist. With ns.MaxPerUser set, the
// transaction first locks the user's row (so concurrent logins of one user
// queue), then revokes the user's oldest live sessions beyond MaxPerUser,
// this one counted.
func (st *Store) CreateSession(ctx context.Context, ns accounts.NewSession) (accounts.Session, error) {
	ns = ns.Clean() // user agent and IP come from the request
	t := toDB(now())
	var refresh, web []byte // nil: NULL
	if len(ns.RefreshHash) > 0 {
		refresh = ns.RefreshHash
	}
	if len(ns.WebHash) > 0 {
		web = ns.WebHash
	}
	var s accounts.Session
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		if ns.MaxPerUser > 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, ns.UserID).Scan(&one); err != nil {
				return err
			}
		}
		var err error
		s, err = scanSession(tx.QueryRow(ctx, `
INSERT INTO sessions (user_id, user_agent, ip, scopes, created_at, last_seen_at, expires_at, refresh_hash, web_hash)
VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)
RETURNING `+sessionColumns,
			ns.UserID, ns.UserAgent, ns.IP, strings.Join(ns.Scopes, " "), t, toDB(ns.ExpiresAt), refresh, web))
		if err != nil || ns.MaxPerUser <= 0 {
			return err
		}
		_, err = tx.Exec(ctx, `
UPDATE sessions SET revoked_at = $1
WHERE id IN (
	SELECT id FROM sessions
	WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1
	ORDER BY id DESC OFFSET $3)`, t, ns.UserID, ns.MaxPerUser)
		return err
	})
	if err != nil {
		return accounts.Session{}, fmt.Errorf("pgstore: create session: %w", MapError(err))
	}
	return s, nil
}

// SessionUser returns the user behind a live session in one indexed lookup
// (the sessions primary key, joined to users by primary key): the session
// must exist, belong to userID, not be revoked and not be expired at now.
// The user is returned even when inactive. ErrNotFound otherwise. It always
// asks PostgreSQL (no cache), so a revocation by any replica is seen at once.
func (st *Store) SessionUser(ctx context.Context, userID, sessionID int64, now time.Time) (accounts.User, accounts.Session, error) {
	row := st.pool.QueryRow(ctx, `
SELECT `+userColumnsU+`, s.user_agent, s.ip, s.scopes, s.created_at, s.last_seen_at, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3`,
		sessionID, userID, toDB(now))
	var (
		ss                     = accounts.Session{ID: sessionID}
		scopes                 string
		created, seen, expires int64
	)
	u, err := scanUserAnd(row, &ss.UserAgent, &ss.IP, &scopes, &created, &seen, &expires)
	if err != nil {
		return accounts.User{}, accounts.Session{}, fmt.Errorf("pgstore: session user: %w", MapError(err))
	}
	ss.UserID, ss.Scopes = u.ID, strings.Fields(scopes)
	ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = fromDB(created), fromDB(seen), fromDB(expires)
	return u, ss, nil
}

// WebSessionUser returns the user behind a live web session by the hash of
// its cookie value, in one lookup of the sessions_web_hash index joined to
// users by primary key: not revoked, not expired at now, seen less than
// idle ago.
func (st *Store) WebSessionUser(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (accounts.User, accounts.Session, error) {
	if len(hash) == 0 {
		return accounts.User{}, accounts.Session{}, fmt.Errorf("pgstore: web session user: %w", accounts.ErrNotFound)
	}
	row := st.pool.QueryRow(ctx, `
SELECT `+userColumnsU+`, s.id, s.user_agent, s.ip, s.scopes, s.created_at, s.last_seen_at, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.web_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3`,
		hash, toDB(now), toDB(now.Add(-idle)))
	var (
		ss                     accounts.Session
		scopes                 string
		created, seen, expires int64
	)
	u, err := scanUserAnd(row, &ss.ID, &ss.UserAgent, &ss.IP, &scopes, &created, &seen, &expires)
	if err != nil {
		return accounts.User{}, accounts.Session{}, fmt.Errorf("pgstore: web session user: %w", MapError(err))
	}
	ss.UserID, ss.Scopes = u.ID, strings.Fields(scopes)
	ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = fromDB(created), fromDB(seen), fromDB(expires)
	return u, ss, nil
}

// TouchSession records that a session was seen at t.
func (st *Store) TouchSession(ctx context.Context, sessionID int64, t time.Time) error {
	if _, err := st.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, toDB(t), sessionID); err != nil {
		return fmt.Errorf("pgstore: touch session: %w", err)
	}
	return nil
}

// RotateRefresh swaps a live session's refresh hash for newHash, keeping
// the old one as used. A used hash presented again is reuse and revokes
// its session, unless it is the session's previous one (the last rotated
// away) and was rotated away at most reuse before now: then the client's
// answer was lost, and the session is rotated again, to newHash, from the
// hash it holds now (which counts as used from the same rotation, so the
// interval is not extended).
//
// Two concurrent presentations cannot both rotate from one state: a
// rotation holds the session's row lock (the UPDATE, or SELECT … FOR
// UPDATE on the retry path) until it commits, and every check after the
// lock is taken reads the committed rotation of the other.
func (st *Store) RotateRefresh(ctx context.Context, oldHash, newHash []byte, now time.Time, reuse time.Duration) (accounts.Session, accounts.User, error) {
	var (
		ss     accounts.Session
		u      accounts.User
		reused bool
	)
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		var sid int64
		err := tx.QueryRow(ctx, `
UPDATE sessions SET refresh_hash = $1, last_seen_at = $2
WHERE refresh_hash = $3 AND revoked_at IS NULL AND expires_at > $2
RETURNING id`, newHash, toDB(now), oldHash).Scan(&sid)
		usedAt := toDB(now)
		if errors.Is(err, pgx.ErrNoRows) {
			var retry bool
			sid, usedAt, retry, err = retryOf(ctx, tx, oldHash, now, reuse)
			if err != nil {
				return err
			}
			if !retry {
				reused = true
				ss.ID = sid
				return tx.QueryRow(ctx, `
UPDATE sessions SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING user_id`, toDB(now), sid).Scan(&ss.UserID)
			}
			// The retry: the session's current hash is used from the
			// previous rotation's time, and newHash replaces it.
			if _, err := tx.Exec(ctx, `
INSERT INTO used_refresh_tokens (hash, session_id, used_at)
SELECT refresh_hash, id, $1 FROM sessions WHERE id = $2`, usedAt, sid); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE sessions SET refresh_hash = $1, last_seen_at = $2 WHERE id = $3`, newHash, toDB(now), sid); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if _, err := tx.Exec(ctx, `INSERT INTO used_refresh_tokens (hash, session_id, used_at) VALUES ($1, $2, $3)`, oldHash, sid, usedAt); err != nil {
			return err
		}
		row := tx.QueryRow(ctx, `
SELECT `+userColumnsU+`, s.user_agent, s.ip, s.scopes, s.created_at, s.last_seen_at, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`, sid)
		var (
			scopes                 string
			created, seen, expires int64
		)
		u, err = scanUserAnd(row, &ss.UserAgent, &ss.IP, &scopes, &created, &seen, &expires)
		ss.ID, ss.UserID, ss.Scopes = sid, u.ID, strings.Fields(scopes)
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = fromDB(created), fromDB(seen), fromDB(expires)
		return err
	})
	if err != nil {
		return accounts.Session{}, accounts.User{}, fmt.Errorf("pgstore: rotate refresh: %w", MapError(err))
	}
	if reused {
		return ss, accounts.User{}, fmt.Errorf("pgstore: rotate refresh: %w", accounts.ErrRefreshReused)
	}
	return ss, u, nil
}

// retryOf looks up a hash that is no live session's current one. An
// unknown hash is pgx.ErrNoRows. A used one returns its session, the time
// it was rotated away, and whether presenting it is a retry: the session
// is live, the hash is its previous one (no hash of the session was
// rotated away later) and at most reuse has passed since. The session's
// row is locked first, so a concurrent rotation has committed, and is
// seen, before the checks run.
func retryOf(ctx context.Context, tx pgx.Tx, hash []byte, now time.Time, reuse time.Duration) (sid, usedAt int64, retry bool, err error) {
	if err := tx.QueryRow(ctx, `SELECT session_id FROM used_refresh_tokens WHERE hash = $1`, hash).Scan(&sid); err != nil {
		return 0, 0, false, err
	}
	var live bool
	if err := tx.QueryRow(ctx, `
SELECT revoked_at IS NULL AND expires_at > $2 AND refresh_hash IS NOT NULL FROM sessions WHERE id = $1 FOR UPDATE`,
		sid, toDB(now)).Scan(&live); err != nil {
		return 0, 0, false, err
	}
	if err := tx.QueryRow(ctx, `SELECT used_at FROM used_refresh_tokens WHERE hash = $1`, hash).Scan(&usedAt); err != nil {
		return 0, 0, false, err
	}
	if !live || reuse <= 0 || toDB(now)-usedAt > reuse.Microseconds() {
		return sid, usedAt, false, nil
	}
	err = tx.QueryRow(ctx, `
SELECT NOT EXISTS (SELECT 1 FROM used_refresh_tokens WHERE session_id = $1 AND used_at > $2)`, sid, usedAt).Scan(&retry)
	return sid, usedAt, retry, err
}

// RevokeUserSessions revokes every live session of user userID (an
// admin's "log out everywhere"); g must grant the admin role.
func (st *Store) RevokeUserSessions(ctx context.Context, g auth.RoleGrant, userID int64) error {
	if !g.Has(string(accounts.RoleAdmin)) {
		return fmt.Errorf("pgstore: revoke user sessions: %w", accounts.ErrForbidden)
	}
	return st.revokeUserSessions(ctx, userID, 0)
}

// revokeUserSessions revokes every live session of a user except keep
// (0: none kept).
func (st *Store) revokeUserSessions(ctx context.Context, userID, keep int64) error {
	_, err := st.pool.Exec(ctx, `
UPDATE sessions SET revoked_at = $1
WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL`, toDB(now()), userID, keep)
	if err != nil {
		return fmt.Errorf("pgstore: revoke user sessions: %w", err)
	}
	return nil
}

// RevokeOthers ends every live session of the owner but keep (0: all of
// them): a password change logs out everywhere else.
func (s sessionStore) RevokeOthers(ctx context.Context, keep int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("pgstore: revoke other sessions: %w", accounts.ErrForbidden)
	}
	return s.st.revokeUserSessions(ctx, s.o.ID(), keep)
}

// Sessions returns o's view of their login sessions. The view of the zero
// Owner is empty.
func (st *Store) Sessions(o accounts.Owner) accounts.OwnSessions { return sessionStore{st: st, o: o} }

// sessionStore is one owner's sessions. Every query has user_id in its WHERE.
type sessionStore struct {
	st *Store
	o  accounts.Owner
}

// List returns one keyset page of the owner's live sessions (not revoked,
// not expired at now), newest first, and the cursor of the next page.
func (s sessionStore) List(ctx context.Context, now time.Time, p accounts.Page) ([]accounts.Session, int64, error) {
	if !s.o.Valid() {
		return []accounts.Session{}, 0, nil
	}
	limit := p.Size()
	rows, err := s.st.pool.Query(ctx, `
SELECT `+sessionColumns+` FROM sessions
WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND ($3::bigint = 0 OR id < $3)
ORDER BY id DESC
LIMIT $4`, s.o.ID(), toDB(now), p.After, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("pgstore: list sessions: %w", err)
	}
	out, err := collect(rows, scanSession)
	if err != nil {
		return nil, 0, fmt.Errorf("pgstore: list sessions: %w", err)
	}
	out, next := accounts.Keyset(out, p, func(ss accounts.Session) int64 { return ss.ID })
	return out, next, nil
}

// Revoke ends one of the owner's live sessions; ErrNotFound when it is not
// the owner's, already revoked or expired.
func (s sessionStore) Revoke(ctx context.Context, id int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("pgstore: revoke session: %w", accounts.ErrNotFound)
	}
	tag, err := s.st.pool.Exec(ctx, `
UPDATE sessions SET revoked_at = $1
WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL AND expires_at > $1`, toDB(now()), id, s.o.ID())
	if err != nil {
		return fmt.Errorf("pgstore: revoke session: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("pgstore: revoke session: %w", err)
	}
	return nil
}

// RevokeWebSession ends the live web session whose cookie value hashes to
// hash, if there is one: knowing the cookie is the capability, so a login
// through the form can end the session of the cookie it carried.
func (st *Store) RevokeWebSession(ctx context.Context, hash []byte) error {
	_, err := st.pool.Exec(ctx, `
UPDATE sessions SET revoked_at = $1
WHERE web_hash = $2 AND revoked_at IS NULL`, toDB(now()), hash)
	if err != nil {
		return fmt.Errorf("pgstore: revoke web session: %w", err)
	}
	return nil
}

// Purge deletes one batch of dead rows: used refresh tokens rotated away
// before p.Before, then sessions revoked or expired before it that have no
// used token left (so the cascade to used_refresh_tokens deletes nothing
// and each statement stays bounded by p.Limit), then account tokens used
// or expired before it.
func (st *Store) Purge(ctx context.Context, p accounts.Purge) (accounts.Purged, error) {
	if p.Limit <= 0 {
		return accounts.Purged{}, errors.New("pgstore: purge: limit must be positive")
	}
	before := toDB(p.Before)
	var out accounts.Purged
	tag, err := st.pool.Exec(ctx, `
DELETE FROM used_refresh_tokens WHERE hash IN (
	SELECT hash FROM used_refresh_tokens WHERE used_at < $1 LIMIT $2)`, before, p.Limit)
	if err != nil {
		return out, fmt.Errorf("pgstore: purge used refresh tokens: %w", err)
	}
	out.RefreshTokens = tag.RowsAffected()
	tag, err = st.pool.Exec(ctx, `
DELETE FROM sessions WHERE id IN (
	SELECT s.id FROM sessions s
	WHERE (s.revoked_at < $1 OR s.expires_at < $1)
	AND NOT EXISTS (SELECT 1 FROM used_refresh_tokens u WHERE u.session_id = s.id)
	LIMIT $2)`, before, p.Limit)
	if err != nil {
		return out, fmt.Errorf("pgstore: purge sessions: %w", err)
	}
	out.Sessions = tag.RowsAffected()
	if out.AccountTokens, err = st.purgeAccountTokens(ctx, before, p.Limit); err != nil {
		return out, err
	}
	return out, nil
}
