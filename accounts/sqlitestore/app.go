package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// This file is what an app builds on to keep its own tables in the
// store's database (see the package doc): writes through the group commit
// writer, prepared reads on the query-only readers.

// Write runs fn in a write transaction on the writer and returns once that
// transaction committed (or failed). With group commit (the default), fn
// runs on the writer goroutine in a SAVEPOINT of a batch of concurrent
// writes, which commits once: an error of fn (or a panic, which is
// re-raised in the caller) rolls back only fn's work and is returned to
// the caller alone. fn must touch the database only through tx, never
// through the Store, whose writer connection tx holds; the ctx it gets
// carries the caller's values but not its cancellation (interrupting a
// statement would roll back the whole batch). A caller whose ctx ends while
// its write is queued gets ctx.Err() and fn never runs; once fn started,
// the write commits even if the caller gave up meanwhile.
func (db *Store) Write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return db.write(ctx, fn)
}

// WriteStmt returns query prepared on the writer, cached by query text: run
// it inside Write with tx.StmtContext(ctx, st), so SQLite parses the query
// once instead of at every write. Call it before Write, never inside fn:
// preparing needs the writer's one connection, which fn's tx holds. The
// Store closes the statement on Close.
func (db *Store) WriteStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := db.ws.get(ctx, query)
	if err != nil {
		return nil, MapError(err)
	}
	return st, nil
}

// ReadRow runs query on the query-only readers as a statement prepared
// once and cached by query text, returning at most one row. The query does
// not watch ctx's cancellation (the driver would start a goroutine per
// query to do so, which costs more than an indexed read): use it for
// bounded lookups. ReadOne does the same for less where its destination
// types suffice.
func (db *Store) ReadRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.rs.QueryRowContext(ctx, query, args...)
}

// ReadRows is ReadRow for a query of several rows (close them).
func (db *Store) ReadRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := db.rs.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, MapError(err)
	}
	return rows, nil
}

// Reader returns the pool of query-only reader connections, for reads
// ReadRow and ReadRows do not fit. Do not close it: Close does.
func (db *Store) Reader() *sql.DB { return db.r }

// Import stores an imported user in one write (through Write): the
// password hash as given, active or not as active, and, in the same
// transaction, whatever with stores for the user (an app's rows of them;
// nil for none). ErrConflict, and nothing stored, when the e-mail is taken;
// an error of with stores nothing either. It is the operator's (an import
// from another system), not a request's.
func (db *Store) Import(ctx context.Context, nu accounts.NewUser, active bool,
	with func(ctx context.Context, tx *sql.Tx, u accounts.User) error) (accounts.User, error) {
	if err := nu.CheckText(); err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: import user: %w", err)
	}
	role := nu.Role
	if role == "" {
		role = accounts.RoleUser
	}
	if !role.Valid() {
		return accounts.User{}, fmt.Errorf("sqlitestore: import user: invalid role %q", role)
	}
	var u accounts.User
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `
INSERT INTO users (email, name, role, is_active, password_hash, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING `+userColumns,
			nu.Email, nu.Name, string(role), boolInt(active), nu.PasswordHash, toDB(now())))
		if err != nil {
			return MapError(err)
		}
		if with != nil {
			return with(ctx, tx, u)
		}
		return nil
	})
	if err != nil {
		return accounts.User{}, fmt.Errorf("sqlitestore: import user: %w", err)
	}
	return u, nil
}
