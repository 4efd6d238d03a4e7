package sqlitestore

import (
	"context"
	"database/sql"
	"sync"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// stmts caches the prepared statements of one pool, by query text: SQLite
// then parses each query once per connection instead of once per call,
// which was a third of a request's CPU.
type stmts struct {
	pool *sql.DB
	m    sync.Map // query → *sql.Stmt
	// uncancelable runs queries without the caller's cancellation: the
	// driver watches a cancellable context with a goroutine per query,
	// which cost more than the indexed reads it guards. Readers never wait
	// on locks in WAL mode, and their queries are bounded lookups.
	uncancelable bool
}

func (s *stmts) ctx(ctx context.Context) context.Context {
	if s.uncancelable {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// get returns the prepared statement for query, preparing it on first use.
func (s *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.m.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// QueryRowContext runs a prepared query returning at most one row.
func (s *stmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = s.ctx(ctx)
	st, err := s.get(ctx, query)
	if err != nil {
		return s.pool.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}

// QueryContext runs a prepared query.
func (s *stmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = s.ctx(ctx)
	st, err := s.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// ExecContext runs a prepared statement.
func (s *stmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = s.ctx(ctx)
	st, err := s.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// UncancelableReads reports true: reads run without the caller's
// cancellation (see accounts.UncancelableReads), so a deadline around them
// would only cost its timer.
func (s *Store) UncancelableReads() bool { return s.rs.uncancelable }

var _ accounts.UncancelableReads = (*Store)(nil)

// close closes every cached statement.
func (s *stmts) close() {
	s.m.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}

// txExec runs the writer's prepared statement st inside tx.
func txExec(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args ...any) (sql.Result, error) {
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}
