package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

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
// user's oldest live sessions beyond it (this one counted) are revoked in
// the same transaction and dropped from the auth cache.
func (db *Store) CreateSession(ctx context.Context, ns accounts.NewSession) (accounts.Session, error) {
	ns = ns.Clean() // user agent and IP come from the request
	t := toDB(now())
	var refresh, web []byte // nil: NULL
	if len(ns.RefreshHash) > 0 {
		refresh = ns.RefreshHash
	}
	if len(ns.WebHash) > 0 {
		web = ns.WebHash
	}
	var (
		s       accounts.Session
		evicted []int64
	)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `
INSERT INTO sessions (user_id, user_agent, ip, scopes, created_at, last_seen_at, expires_at, refresh_hash, web_hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING `+sessionColumns,
			ns.UserID, ns.UserAgent, ns.IP, strings.Join(ns.Scopes, " "), t, t, toDB(ns.ExpiresAt), refresh, web)
		var err error
		if s, err = scanSession(row); err != nil || ns.MaxPerUser <= 0 {
			return err
		}
		rows, err := tx.QueryContext(ctx, `
UPDATE sessions SET revoked_at = ?1
WHERE id IN (
	SELECT id FROM sessions
	WHERE user_id = ?2 AND revoked_at IS NULL AND expires_at > ?1
	ORDER BY id DESC LIMIT -1 OFFSET ?3)
RETURNING id`, t, ns.UserID, ns.MaxPerUser)
		if err != nil {
			return err
		}
		evicted, err = collect(rows, func(r scanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		return err
	})
	if err != nil {
		return accounts.Session{}, fmt.Errorf("sqlitestore: create session: %w", MapError(err))
	}
	for _, id := range evicted {
		db.cache.dropSession(id)
	}
	return s, nil
}

// SessionUser returns the user behind a live session in one indexed lookup
// (the sessions primary key, joined to users by primary key): the session
// must exist, belong to userID, not be revoked and not be expired at now.
// The user is returned even when inactive. ErrNotFound otherwise.
func (db *Store) SessionUser(ctx context.Context, userID, sessionID int64, now time.Time) (accounts.User, accounts.Session, error) {
	if u, ss, ok := db.CachedSessionUser(userID, sessionID, now); ok {
		return u, ss, nil
	}
	epoch := db.cache.begin()
	row := db.ReadOne(ctx, `
SELECT `+userColumnsU+`, s.created_at, s.last_seen_at, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?`,
		sessionID, userID, toDB(now))
	var created, seen, expires int64
	u, err := scanUserAnd(row, &created, &seen, &expires)
	if err != nil {
		return accounts.User{}, accounts.Session{}, fmt.Errorf("sqlitestore: session user: %w", MapError(err))
	}
	ss := accounts.Session{ID: sessionID, UserID: u.ID, CreatedAt: fromDB(created), LastSeenAt: fromDB(seen), ExpiresAt: fromDB(expires)}
	db.cache.putSession(epoch, sessionEntry{user: u, sess: ss})
	return u, ss, nil
}

// CachedSessionUser is SessionUser answered from the auth cache alone
// (accounts.CachedSessions): ok is false when the database must be asked.
func (db *Store) CachedSessionUser(userID, sessionID int64, now time.Time) (accounts.User, accounts.Session, bool) {
	e, ok := db.cache.session(sessionID)
	if !ok || e.sess.UserID != userID || !now.Before(e.sess.ExpiresAt) {
		return accounts.User{}, accounts.Session{}, false
	}
	return e.user, e.sess, true
}

// WebSessionUser returns the user behind a live web session by the hash of
// its cookie value, in one lookup of the sessions_web_hash index joined to
// users by primary key: not revoked, not expired at now, seen less than
// idle ago. It is not cached: web traffic is light, and revocation must
// never wait for a cache.
func (db *Store) WebSessionUser(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (accounts.User, accounts.Session, error) {
	if len(hash) == 0 {
		return accounts.User{}, accounts.Session{}, fmt.Errorf("sqlitestore: web session user: %w", accounts.ErrNotFound)
	}
	row := db.ReadOne(ctx, `
SELECT `+userColumnsU+`, s.id, s.user_agent, s.ip, s.scopes, s.created_at, s.last_seen_at, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.web_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND s.last_seen_at > ?`,
		hash, toDB(now), toDB(now.Add(-idle)))
	var (
		ss                     accounts.Session
		scopes                 string
		created, seen, expires int64
	)
	u, err := scanUserAnd(row, &ss.ID, &ss.UserAgent, &ss.IP, &scopes, &created, &seen, &expires)
	if err != nil {
		return accounts.User{}, accounts.Session{}, fmt.Errorf("sqlitestore: web session user: %w", MapError(err))
	}
	ss.UserID, ss.Scopes = u.ID, strings.Fields(scopes)
	ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = fromDB(created), fromDB(seen), fromDB(expires)
	return u, ss, nil
}

// TouchSession records that a session was seen at t.
func (db *Store) TouchSession(ctx context.Context, sessionID int64, t time.Time) error {
	st, err := db.ws.get(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`)
	if err == nil {
		err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := txExec(ctx, tx, st, toDB(t), sessionID)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: touch session: %w", err)
	}
	db.cache.touchSession(sessionID, t)
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
// Every step runs in one transaction on the one writer connection, so two
// presentations of a hash are serialised: the second sees the first's
// rotation, and, within the interval, rotates once more.
func (db *Store) RotateRefresh(ctx context.Context, oldHash, newHash []byte, now time.Time, reuse time.Duration) (accounts.Session, accounts.User, error) {
	var (
		ss     accounts.Session
		u      accounts.User
		reused bool
	)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var sid int64
		err := tx.QueryRowContext(ctx, `
UPDATE sessions SET refresh_hash = ?, last_seen_at = ?
WHERE refresh_hash = ? AND revoked_at IS NULL AND expires_at > ?
RETURNING id`, newHash, toDB(now), oldHash, toDB(now)).Scan(&sid)
		usedAt := toDB(now)
		if errors.Is(err, sql.ErrNoRows) {
			var retry bool
			sid, usedAt, retry, err = retryOf(ctx, tx, oldHash, now, reuse)
			if err != nil {
				return err
			}
			if !retry {
				reused = true
				ss.ID = sid
				if err := tx.QueryRowContext(ctx, `SELECT user_id FROM sessions WHERE id = ?`, sid).Scan(&ss.UserID); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, toDB(now), sid)
				return err
			}
			// The retry: the session's current hash is used from the
			// previous rotation's time, and newHash replaces it.
			if _, err := tx.ExecContext(ctx, `
INSERT INTO used_refresh_tokens (hash, session_id, used_at)
SELECT refresh_hash, id, ? FROM sessions WHERE id = ?`, usedAt, sid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET refresh_hash = ?, last_seen_at = ? WHERE id = ?`, newHash, toDB(now), sid); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO used_refresh_tokens (hash, session_id, used_at) VALUES (?, ?, ?)`, oldHash, sid, usedAt); err != nil {
			return err
		}
		row := tx.QueryRowContext(ctx, `
SELECT `+userColumnsU+`, s.user_agent, s.ip, s.scopes, s.created_at, s.last_seen_at, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, sid)
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
		return accounts.Session{}, accounts.User{}, fmt.Errorf("sqlitestore: rotate refresh: %w", MapError(err))
	}
	if reused {
		db.cache.dropSession(ss.ID)
		return ss, accounts.User{}, fmt.Errorf("sqlitestore: rotate refresh: %w", accounts.ErrRefreshReused)
	}
	return ss, u, nil
}

// retryOf looks up a hash that is no live session's current one. An
// unknown hash is sql.ErrNoRows. A used one returns its session, the time
// it was rotated away, and whether presenting it is a retry: the session
// is live, the hash is its previous one (no hash of the session was
// rotated away later) and at most reuse has passed since.
func retryOf(ctx context.Context, tx *sql.Tx, hash []byte, now time.Time, reuse time.Duration) (sid, usedAt int64, retry bool, err error) {
	if err := tx.QueryRowContext(ctx, `SELECT session_id, used_at FROM used_refresh_tokens WHERE hash = ?`, hash).Scan(&sid, &usedAt); err != nil {
		return 0, 0, false, err
	}
	if reuse <= 0 || toDB(now)-usedAt > reuse.Microseconds() {
		return sid, usedAt, false, nil
	}
	err = tx.QueryRowContext(ctx, `
SELECT count(*) = 1 FROM sessions s
WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND s.refresh_hash IS NOT NULL
AND NOT EXISTS (SELECT 1 FROM used_refresh_tokens t WHERE t.session_id = s.id AND t.used_at > ?)`,
		sid, toDB(now), usedAt).Scan(&retry)
	return sid, usedAt, retry, err
}

// RevokeUserSessions revokes every live session of user userID (an
// admin's "log out everywhere"); g must grant the admin role.
func (db *Store) RevokeUserSessions(ctx context.Context, g auth.RoleGrant, userID int64) error {
	if !g.Has(string(accounts.RoleAdmin)) {
		return fmt.Errorf("sqlitestore: revoke user sessions: %w", accounts.ErrForbidden)
	}
	return db.revokeUserSessions(ctx, userID, 0)
}

// revokeUserSessions revokes every live session of a user except keep
// (0: none kept).
func (db *Store) revokeUserSessions(ctx context.Context, userID, keep int64) error {
	_, err := db.ws.ExecContext(ctx, `
UPDATE sessions SET revoked_at = ?
WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`, toDB(now()), userID, keep)
	if err != nil {
		return fmt.Errorf("sqlitestore: revoke user sessions: %w", err)
	}
	db.cache.dropUser(userID)
	return nil
}

// RevokeOthers ends every live session of the owner but keep (0: all of
// them): a password change logs out everywhere else.
func (s sessionStore) RevokeOthers(ctx context.Context, keep int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("sqlitestore: revoke other sessions: %w", accounts.ErrForbidden)
	}
	return s.db.revokeUserSessions(ctx, s.o.ID(), keep)
}

// Sessions returns o's view of their login sessions. The view of the zero
// Owner is empty.
func (db *Store) Sessions(o accounts.Owner) accounts.OwnSessions { return sessionStore{db: db, o: o} }

// sessionStore is one owner's sessions.
type sessionStore struct {
	db *Store
	o  accounts.Owner
}

// List returns one keyset page of the owner's live sessions (not revoked,
// not expired at now), newest first, and the cursor of the next page.
func (s sessionStore) List(ctx context.Context, now time.Time, p accounts.Page) ([]accounts.Session, int64, error) {
	if !s.o.Valid() {
		return []accounts.Session{}, 0, nil
	}
	limit := p.Size()
	rows, err := s.db.rs.QueryContext(ctx, `
SELECT `+sessionColumns+` FROM sessions
WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 AND (?3 = 0 OR id < ?3)
ORDER BY id DESC
LIMIT ?4`, s.o.ID(), toDB(now), p.After, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlitestore: list sessions: %w", err)
	}
	out, err := collect(rows, scanSession)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlitestore: list sessions: %w", err)
	}
	out, next := accounts.Keyset(out, p, func(ss accounts.Session) int64 { return ss.ID })
	return out, next, nil
}

// Revoke ends one of the owner's live sessions; ErrNotFound when it is not
// the owner's, already revoked or expired.
func (s sessionStore) Revoke(ctx context.Context, id int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("sqlitestore: revoke session: %w", accounts.ErrNotFound)
	}
	t := toDB(now())
	res, err := s.db.ws.ExecContext(ctx, `
UPDATE sessions SET revoked_at = ?1
WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL AND expires_at > ?1`, t, id, s.o.ID())
	if err != nil {
		return fmt.Errorf("sqlitestore: revoke session: %w", err)
	}
	if err := oneRow(res); err != nil {
		return fmt.Errorf("sqlitestore: revoke session: %w", err)
	}
	s.db.cache.dropSession(id)
	return nil
}

// RevokeWebSession ends the live web session whose cookie value hashes to
// hash, if there is one: knowing the cookie is the capability, so a login
// through the form can end the session of the cookie it carried.
func (db *Store) RevokeWebSession(ctx context.Context, hash []byte) error {
	rows, err := db.ws.QueryContext(ctx, `
UPDATE sessions SET revoked_at = ?1
WHERE web_hash = ?2 AND revoked_at IS NULL
RETURNING id`, toDB(now()), hash)
	if err != nil {
		return fmt.Errorf("sqlitestore: revoke web session: %w", err)
	}
	ids, err := collect(rows, func(s scanner) (id int64, err error) { return id, s.Scan(&id) })
	if err != nil {
		return fmt.Errorf("sqlitestore: revoke web session: %w", err)
	}
	for _, id := range ids {
		db.cache.dropSession(id)
	}
	return nil
}

// Purge deletes one batch of dead rows: used refresh tokens rotated away
// before p.Before, then sessions revoked or expired before it that have no
// used token left (so the cascade to used_refresh_tokens deletes nothing
// and each statement stays bounded by p.Limit), then account tokens used
// or expired before it. Dead sessions are never in
// the auth cache, so it needs no drop.
func (db *Store) Purge(ctx context.Context, p accounts.Purge) (accounts.Purged, error) {
	if p.Limit <= 0 {
		return accounts.Purged{}, errors.New("sqlitestore: purge: limit must be positive")
	}
	before := toDB(p.Before)
	var out accounts.Purged
	res, err := db.ws.ExecContext(ctx, `
DELETE FROM used_refresh_tokens WHERE rowid IN (
	SELECT rowid FROM used_refresh_tokens WHERE used_at < ?1 LIMIT ?2)`, before, p.Limit)
	if err != nil {
		return out, fmt.Errorf("sqlitestore: purge used refresh tokens: %w", err)
	}
	if out.RefreshTokens, err = res.RowsAffected(); err != nil {
		return out, fmt.Errorf("sqlitestore: purge used refresh tokens: %w", err)
	}
	res, err = db.ws.ExecContext(ctx, `
DELETE FROM sessions WHERE id IN (
	SELECT s.id FROM sessions s
	WHERE (s.revoked_at < ?1 OR s.expires_at < ?1)
	AND NOT EXISTS (SELECT 1 FROM used_refresh_tokens u WHERE u.session_id = s.id)
	LIMIT ?2)`, before, p.Limit)
	if err != nil {
		return out, fmt.Errorf("sqlitestore: purge sessions: %w", err)
	}
	if out.Sessions, err = res.RowsAffected(); err != nil {
		return out, fmt.Errorf("sqlitestore: purge sessions: %w", err)
	}
	if out.AccountTokens, err = db.purgeAccountTokens(ctx, before, p.Limit); err != nil {
		return out, err
	}
	return out, nil
}
