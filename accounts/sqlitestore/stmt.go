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

	mu        sync.Mutex
	preparing map[string]*preparation // queries being prepared, by query text
	// onPrepare, when set (tests only, before first use), runs before each
	// statement is prepared.
	onPrepare func()
}

// preparation is one query being prepared, which callers asking for the
// same query meanwhile wait for instead of preparing it again.
type preparation struct {
	done chan struct{} // closed when st and err are set
	st   *sql.Stmt
	err  error
}

func (s *stmts) ctx(ctx context.Context) context.Context {
	if s.uncancelable {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// get returns the prepared statement for query, preparing it on first use.
// Callers asking for a query while it is being prepared wait for that
// preparation rather than prepare it again: on the writer, each would
// otherwise wait its turn for the one connection (behind a committing
// batch) to prepare the same text. A caller whose preparation failed
// (its context ended, say) leaves the query to the next one to try.
func (s *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	for {
		if st, ok := s.m.Load(query); ok {
			return st.(*sql.Stmt), nil
		}
		s.mu.Lock()
		if st, ok := s.m.Load(query); ok {
			s.mu.Unlock()
			return st.(*sql.Stmt), nil
		}
		if p := s.preparing[query]; p != nil {
			s.mu.Unlock()
			select {
			case <-p.done:
				if p.err == nil {
					return p.st, nil
				}
				continue // another caller's failure: try again
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		p := &preparation{done: make(chan struct{})}
		if s.preparing == nil {
			s.preparing = make(map[string]*preparation)
		}
		s.preparing[query] = p
		s.mu.Unlock()

		if s.onPrepare != nil {
			s.onPrepare()
		}
		p.st, p.err = s.pool.PrepareContext(ctx, query)
		s.mu.Lock()
		if p.err == nil {
			s.m.Store(query, p.st)
		}
		delete(s.preparing, query)
		s.mu.Unlock()
		close(p.done)
		return p.st, p.err
	}
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
