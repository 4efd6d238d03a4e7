package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
)

// userColumns is the column list scanUser reads; userColumnsU is the same
// for a users table aliased u in a join.
const (
	userColumns  = `id, email, name, role, is_active, password_hash, created_at, is_verified`
	userColumnsU = `u.id, u.email, u.name, u.role, u.is_active, u.password_hash, u.created_at, u.is_verified`
)

// scanner is a Row, *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanUser reads the columns of userColumns.
func scanUser(s scanner) (accounts.User, error) { return scanUserAnd(s) }

// scanUserAnd reads the columns of userColumns, then more into extra.
func scanUserAnd(s scanner, extra ...any) (accounts.User, error) {
	var (
		u       accounts.User
		role    string
		active  int64
		created int64
		checked int64
	)
	dest := append([]any{&u.ID, &u.Email, &u.Name, &role, &active, &u.PasswordHash, &created, &checked}, extra...)
	if err := s.Scan(dest...); err != nil {
		return accounts.User{}, err
	}
	u.Role = accounts.Role(role)
	u.Active = active != 0
	u.Verified = checked != 0
	u.CreatedAt = fromDB(created)
	return u, nil
}

// CreateUser stores a new, active user. An empty role is accounts.RoleUser.
// ErrConflict when the e-mail is taken.
func (db *Store) CreateUser(ctx context.Context, nu accounts.NewUser) (accounts.User, error) {
	if err := nu.CheckText(); err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: create user: %w", err)
	}
	role := nu.Role
	if role == "" {
		role = accounts.RoleUser
	}
	if !role.Valid() {
		return accounts.User{}, fmt.Errorf("sqlitestore: create user: invalid role %q", role)
	}
	row := db.ws.QueryRowContext(ctx, `
INSERT INTO users (email, name, role, is_active, password_hash, created_at)
VALUES (?, ?, ?, 1, ?, ?)
RETURNING `+userColumns,
		nu.Email, nu.Name, string(role), nu.PasswordHash, toDB(now()))
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: create user: %w", MapError(err))
	}
	return u, nil
}

// UserByEmail finds a user by e-mail (compared exactly: the caller
// normalises); ErrNotFound otherwise.
func (db *Store) UserByEmail(ctx context.Context, email string) (accounts.User, error) {
	if !accounts.ValidText(email) { // stored e-mails are all valid text
		return accounts.User{}, fmt.Errorf("sqlitestore: user by email: %w", accounts.ErrNotFound)
	}
	row := db.ReadOne(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email)
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: user by email: %w", MapError(err))
	}
	return u, nil
}

// UserByID finds a user by id; ErrNotFound otherwise.
func (db *Store) UserByID(ctx context.Context, id int64) (accounts.User, error) {
	row := db.ReadOne(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: user by id: %w", MapError(err))
	}
	return u, nil
}

// SetPasswordHash replaces the owner's password hash; ErrForbidden for
// the zero Owner, ErrNotFound for an unknown user.
func (db *Store) SetPasswordHash(ctx context.Context, o accounts.Owner, hash string) error {
	if !o.Valid() {
		return fmt.Errorf("sqlitestore: set password hash: %w", accounts.ErrForbidden)
	}
	res, err := db.ws.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, o.ID())
	if err != nil {
		return fmt.Errorf("sqlitestore: set password hash: %w", MapError(err))
	}
	if err := oneRow(res); err != nil {
		return fmt.Errorf("sqlitestore: set password hash: %w", err)
	}
	db.cache.dropUser(o.ID())
	return nil
}

// UpgradePasswordHash replaces user userID's password hash old with next
// (a re-hash after a login proved the password): only while the stored
// hash is still old, so it never undoes a password change that raced it.
// ErrNotFound when the hash is no longer old.
func (db *Store) UpgradePasswordHash(ctx context.Context, userID int64, old, next string) error {
	res, err := db.ws.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, next, userID, old)
	if err != nil {
		return fmt.Errorf("sqlitestore: upgrade password hash: %w", MapError(err))
	}
	if err := oneRow(res); err != nil {
		return fmt.Errorf("sqlitestore: upgrade password hash: %w", err)
	}
	db.cache.dropUser(userID)
	return nil
}

// SetName changes a user's display name and returns the user; ErrNotFound
// for an unknown user.
func (db *Store) SetName(ctx context.Context, o accounts.Owner, name string) (accounts.User, error) {
	if !o.Valid() {
		return accounts.User{}, fmt.Errorf("sqlitestore: set name: %w", accounts.ErrForbidden)
	}
	userID := o.ID()
	if err := accounts.CheckText(accounts.TextField{Name: "name", Value: name}); err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: set name: %w", err)
	}
	row := db.ws.QueryRowContext(ctx,
		`UPDATE users SET name = ? WHERE id = ? RETURNING `+userColumns, name, userID)
	u, err := scanUser(row)
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: set name: %w", MapError(err))
	}
	db.cache.dropUser(userID)
	return u, nil
}

// ListUsers lists all users, newest first, one keyset page at a time.
func (db *Store) ListUsers(ctx context.Context, g auth.RoleGrant, p accounts.Page) ([]accounts.User, int64, error) {
	if !g.Has(string(accounts.RoleAdmin)) {
		return nil, 0, fmt.Errorf("sqlitestore: list users: %w", accounts.ErrForbidden)
	}
	return db.listUsers(ctx, p)
}

// listUsers is ListUsers once the caller is known to be allowed.
func (db *Store) listUsers(ctx context.Context, p accounts.Page) ([]accounts.User, int64, error) {
	limit := p.Size()
	rows, err := db.rs.QueryContext(ctx, `
SELECT `+userColumns+` FROM users
WHERE (?1 = 0 OR id < ?1)
ORDER BY id DESC
LIMIT ?2`, p.After, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlitestore: list users: %w", err)
	}
	users, err := collect(rows, scanUser)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlitestore: list users: %w", err)
	}
	users, next := accounts.Keyset(users, p, func(u accounts.User) int64 { return u.ID })
	return users, next, nil
}

// UpdateUser applies an admin change in one write transaction. Deactivation
// revokes all the user's live sessions in the same transaction.
// ErrLastAdmin when the change would leave no active admin; ErrNotFound for
// an unknown id.
func (db *Store) UpdateUser(ctx context.Context, g auth.RoleGrant, id int64, p accounts.UserPatch) (accounts.User, error) {
	if !g.Has(string(accounts.RoleAdmin)) {
		return accounts.User{}, fmt.Errorf("sqlitestore: update user: %w", accounts.ErrForbidden)
	}
	return db.updateUser(ctx, id, p)
}

// updateUser is UpdateUser once the caller is known to be allowed.
func (db *Store) updateUser(ctx context.Context, id int64, p accounts.UserPatch) (accounts.User, error) {
	if p.Role != nil && !p.Role.Valid() {
		return accounts.User{}, fmt.Errorf("sqlitestore: update user: invalid role %q", *p.Role)
	}
	var out accounts.User
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		cur, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
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
			var others int
			if err := tx.QueryRowContext(ctx, `
SELECT count(*) FROM users
WHERE role = 'admin' AND is_active = 1 AND id <> ?`, id).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return accounts.ErrLastAdmin
			}
		}
		t := now()
		out, err = scanUser(tx.QueryRowContext(ctx, `
UPDATE users SET role = ?, is_active = ?
WHERE id = ?
RETURNING `+userColumns, string(next.Role), boolInt(next.Active), id))
		if err != nil {
			return MapError(err)
		}
		if p.Active != nil && !*p.Active {
			if _, err := tx.ExecContext(ctx, `
UPDATE sessions SET revoked_at = ?
WHERE user_id = ? AND revoked_at IS NULL`, toDB(t), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: update user: %w", err)
	}
	db.cache.dropUser(id)
	return out, nil
}

// boolInt is the stored form of a boolean.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// oneRow returns accounts.ErrNotFound unless res changed at least one row.
func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

// collect scans every row of rows with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
