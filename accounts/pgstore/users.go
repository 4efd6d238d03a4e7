package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
)

// userColumns is the column list scanUser reads; userColumnsU is the same
// for a users table aliased u in a join.
const (
	userColumns  = `id, email, name, role, is_active, password_hash, created_at, is_verified`
	userColumnsU = `u.id, u.email, u.name, u.role, u.is_active, u.password_hash, u.created_at, u.is_verified`
)

// scanUser reads the columns of userColumns.
func scanUser(s scanner) (accounts.User, error) { return scanUserAnd(s) }

// scanUserAnd reads the columns of userColumns, then more into extra.
func scanUserAnd(s scanner, extra ...any) (accounts.User, error) {
	var (
		u       accounts.User
		role    string
		created int64
	)
	dest := append([]any{&u.ID, &u.Email, &u.Name, &role, &u.Active, &u.PasswordHash, &created, &u.Verified}, extra...)
	if err := s.Scan(dest...); err != nil {
		return accounts.User{}, err
	}
	u.Role = accounts.Role(role)
	u.CreatedAt = fromDB(created)
	return u, nil
}

// CreateUser stores a new, active user. An empty role is accounts.RoleUser.
// ErrConflict when the e-mail is taken.
func (st *Store) CreateUser(ctx context.Context, nu accounts.NewUser) (accounts.User, error) {
	return insertUser(ctx, st.pool, nu, true)
}

// insertUser is CreateUser and CreateUserTx on q.
func insertUser(ctx context.Context, q querier, nu accounts.NewUser, active bool) (accounts.User, error) {
	if err := nu.CheckText(); err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: create user: %w", err)
	}
	role := nu.Role
	if role == "" {
		role = accounts.RoleUser
	}
	if !role.Valid() {
		return accounts.User{}, fmt.Errorf("pgstore: create user: invalid role %q", role)
	}
	row := q.QueryRow(ctx, `
INSERT INTO users (email, name, role, is_active, password_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING `+userColumns,
		nu.Email, nu.Name, string(role), active, nu.PasswordHash, toDB(now()))
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: create user: %w", MapError(err))
	}
	return u, nil
}

// UserByEmail finds a user by e-mail (compared exactly: the caller
// normalises); ErrNotFound otherwise.
func (st *Store) UserByEmail(ctx context.Context, email string) (accounts.User, error) {
	if !accounts.ValidText(email) { // stored e-mails are all valid text
		return accounts.User{}, fmt.Errorf("pgstore: user by email: %w", accounts.ErrNotFound)
	}
	row := st.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email)
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: user by email: %w", MapError(err))
	}
	return u, nil
}

// UserByID finds a user by id; ErrNotFound otherwise.
func (st *Store) UserByID(ctx context.Context, id int64) (accounts.User, error) {
	row := st.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: user by id: %w", MapError(err))
	}
	return u, nil
}

// SetPasswordHash replaces the owner's password hash; ErrForbidden for
// the zero Owner, ErrNotFound for an unknown user.
func (st *Store) SetPasswordHash(ctx context.Context, o accounts.Owner, hash string) error {
	if !o.Valid() {
		return fmt.Errorf("pgstore: set password hash: %w", accounts.ErrForbidden)
	}
	tag, err := st.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, o.ID())
	if err != nil {
		return fmt.Errorf("pgstore: set password hash: %w", MapError(err))
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("pgstore: set password hash: %w", err)
	}
	return nil
}

// UpgradePasswordHash replaces user userID's password hash old with next
// (a re-hash after a login proved the password): only while the stored
// hash is still old, so it never undoes a password change that raced it.
// ErrNotFound when the hash is no longer old.
func (st *Store) UpgradePasswordHash(ctx context.Context, userID int64, old, next string) error {
	tag, err := st.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, next, userID, old)
	if err != nil {
		return fmt.Errorf("pgstore: upgrade password hash: %w", MapError(err))
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("pgstore: upgrade password hash: %w", err)
	}
	return nil
}

// SetName changes a user's display name and returns the user; ErrNotFound
// for an unknown user.
func (st *Store) SetName(ctx context.Context, o accounts.Owner, name string) (accounts.User, error) {
	if !o.Valid() {
		return accounts.User{}, fmt.Errorf("pgstore: set name: %w", accounts.ErrForbidden)
	}
	userID := o.ID()
	if err := accounts.CheckText(accounts.TextField{Name: "name", Value: name}); err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: set name: %w", err)
	}
	row := st.pool.QueryRow(ctx,
		`UPDATE users SET name = $1 WHERE id = $2 RETURNING `+userColumns, name, userID)
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: set name: %w", MapError(err))
	}
	return u, nil
}

// ListUsers lists all users, newest first, one keyset page at a time.
func (st *Store) ListUsers(ctx context.Context, g auth.RoleGrant, p accounts.Page) ([]accounts.User, int64, error) {
	if !g.Has(string(accounts.RoleAdmin)) {
		return nil, 0, fmt.Errorf("pgstore: list users: %w", accounts.ErrForbidden)
	}
	return st.listUsers(ctx, p)
}

// listUsers is ListUsers once the caller is known to be allowed.
func (st *Store) listUsers(ctx context.Context, p accounts.Page) ([]accounts.User, int64, error) {
	limit := p.Size()
	rows, err := st.pool.Query(ctx, `
SELECT `+userColumns+` FROM users
WHERE ($1::bigint = 0 OR id < $1)
ORDER BY id DESC
LIMIT $2`, p.After, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("pgstore: list users: %w", err)
	}
	users, err := collect(rows, scanUser)
	if err != nil {
		return nil, 0, fmt.Errorf("pgstore: list users: %w", err)
	}
	users, next := accounts.Keyset(users, p, func(u accounts.User) int64 { return u.ID })
	return users, next, nil
}

// UpdateUser applies an admin change in one transaction. Deactivation
// revokes all the user's live sessions in the same transaction.
// ErrLastAdmin when the change would leave no active admin; ErrNotFound for
// an unknown id.
//
// The last-admin rule is race-safe: a change that could take away an
// admin first locks every active admin's row (SELECT … FOR UPDATE, in id
// order so concurrent callers cannot deadlock), then the target row, and
// counts the others under those locks. A concurrent demotion waits, and
// READ COMMITTED then re-checks the locked rows against the WHERE, so it
// sees the admin the first one took away.
func (st *Store) UpdateUser(ctx context.Context, g auth.RoleGrant, id int64, p accounts.UserPatch) (accounts.User, error) {
	if !g.Has(string(accounts.RoleAdmin)) {
		return accounts.User{}, fmt.Errorf("pgstore: update user: %w", accounts.ErrForbidden)
	}
	return st.updateUser(ctx, id, p)
}

// updateUser is UpdateUser once the caller is known to be allowed.
func (st *Store) updateUser(ctx context.Context, id int64, p accounts.UserPatch) (accounts.User, error) {
	if p.Role != nil && !p.Role.Valid() {
		return accounts.User{}, fmt.Errorf("pgstore: update user: invalid role %q", *p.Role)
	}
	mayDemote := (p.Role != nil && *p.Role != accounts.RoleAdmin) || (p.Active != nil && !*p.Active)
	var out accounts.User
	err := st.inTx(ctx, func(tx pgx.Tx) error {
		var admins []int64
		if mayDemote {
			rows, err := tx.Query(ctx, `
SELECT id FROM users
WHERE role = 'admin' AND is_active
ORDER BY id
FOR UPDATE`)
			if err != nil {
				return err
			}
			admins, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return err
			}
		}
		cur, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return MapError(err)
		}
		next := cur
		if p.Role != nil {
			next.Role = *p.Role
		}
		if p.Active != nil {
			next.Active = *p.Active
		}
		wasAdmin := cur.Active && cur.Role == accounts.RoleAdmin
		isAdmin := next.Active && next.Role == accounts.RoleAdmin
		if wasAdmin && !isAdmin {
			others := 0
			for _, a := range admins {
				if a != id {
					others++
				}
			}
			if others == 0 {
				return accounts.ErrLastAdmin
			}
		}
		out, err = scanUser(tx.QueryRow(ctx, `
UPDATE users SET role = $1, is_active = $2
WHERE id = $3
RETURNING `+userColumns, string(next.Role), next.Active, id))
		if err != nil {
			return MapError(err)
		}
		if p.Active != nil && !*p.Active {
			if _, err := tx.Exec(ctx, `
UPDATE sessions SET revoked_at = $1
WHERE user_id = $2 AND revoked_at IS NULL`, toDB(now()), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("pgstore: update user: %w", err)
	}
	return out, nil
}
