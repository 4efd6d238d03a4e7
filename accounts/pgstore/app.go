package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// What an application builds on to keep its own tables beside the identity
// tables (see the package documentation): the pool, its migrations
// (MigrateApp), the error mapping (MapError), and the identity writes it
// may need inside a transaction of its own.

// Pool returns the connection pool, for an application that keeps its own
// tables in the same database (see the package documentation). Closing
// the store closes it.
func (st *Store) Pool() *pgxpool.Pool { return st.pool }

// CreateUserTx stores a new user inside the caller's transaction tx, active
// or not as active says, with the password hash as given: for an
// application that stores a user together with rows of its own, all or
// nothing (an import of accounts with their data). An empty role is
// accounts.RoleUser. ErrConflict when the e-mail is taken; tx is then
// aborted and must be rolled back.
func CreateUserTx(ctx context.Context, tx pgx.Tx, nu accounts.NewUser, active bool) (accounts.User, error) {
	return insertUser(ctx, tx, nu, active)
}
