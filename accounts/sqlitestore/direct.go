package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// This file is ReadOne: single-row reads on reader connections that the
// Store drives through the driver's interfaces itself, without
// database/sql, which skips database/sql's connection hand-off, its
// wrapping of the driver's rows and its Scan conversions.

// Row is the result of Store.ReadOne: call Scan, which runs the query.
type Row struct {
	p     *directPool
	query string
	// The arguments: up to len(few) in few (so that the caller's
	// variadic slice stays on its stack, as a slice kept in the Row could
	// not), more in a copy.
	n    int
	few  [4]any
	more []any
}

// ReadOne is ReadRow without database/sql, for the single-row lookups of
// hot paths: it returns a Row whose Scan runs query with args on one of
// the Store's own query-only reader connections (as many as ReadRow's
// pool, with the same pragmas), where the query is prepared once per
// connection. Each Scan is its own read transaction, which sees every
// write committed before it. Neither the query nor the wait for a free
// reader sees ctx's cancellation (as with ReadRow): use it for bounded
// lookups. The arguments may be of the types database/sql takes by default
// or driver.Valuer; Scan stores into fewer types than database/sql's (see
// Row.Scan).
func (db *Store) ReadOne(_ context.Context, query string, args ...any) Row {
	r := Row{p: db.direct, query: query, n: len(args)}
	if len(args) <= len(r.few) {
		copy(r.few[:], args)
	} else {
		r.more = slices.Clone(args)
	}
	return r
}

// args returns the Row's arguments.
func (r *Row) args() []any {
	if r.more != nil {
		return r.more
	}
	return r.few[:r.n]
}

// Scan runs the Row's query and stores the columns of its first row in
// dest, one destination per column, or returns sql.ErrNoRows
// (accounts.ErrNotFound through MapError) when there is none. A
// destination is a *int64, *int, *bool (from an INTEGER), *float64,
// *string, *[]byte, *time.Time, *any, *sql.NullInt64, *sql.NullBool,
// *sql.NullFloat64 or *sql.NullString; Scan keeps none of them.
func (r Row) Scan(dest ...any) error {
	if r.p == nil {
		return errors.New("sqlitestore: Scan of a Row that ReadOne did not return")
	}
	c, err := r.p.get()
	if err != nil {
		return err
	}
	bad, err := c.queryRow(r.query, r.args())
	if bad {
		r.p.discard(c) // a connection in doubt is never reused
		return err
	}
	if err == nil {
		err = scanValues(c.vals, dest)
	}
	clear(c.vals) // keep no row alive
	r.p.put(c)
	return err
}

// directPool is the reader connections of ReadOne: at most cap(open),
// opened on first use, kept until Close. The idle ones are a stack: get
// takes the one put back last, so that at a low load one connection,
// whose page cache and prepared statements are warm, serves the reads,
// and those opened during a burst serve only bursts. (Handed out in turn,
// each connection's page cache would have to hold all the rows read, and
// the CPU's caches would hold none of them for long.)
type directPool struct {
	connector driver.Connector
	ready     chan struct{} // a token per connection in idle
	open      chan struct{} // a token per open connection

	mu     sync.Mutex    // guards idle and closed; orders put against close
	idle   []*directConn // the connections not in use, the last put back on top
	closed bool
}

// directConn is one reader connection of a directPool, used by one
// goroutine at a time, with its prepared statements and the buffers its
// queries reuse.
type directConn struct {
	c     driver.Conn
	stmts map[string]driver.Stmt // query → statement prepared on c
	args  []driver.NamedValue    // the arguments of the current query
	vals  []driver.Value         // the columns of the current row
}

// newDirectPool returns a pool of at most size connections of connector.
func newDirectPool(connector driver.Connector, size int) *directPool {
	return &directPool{connector: connector, ready: make(chan struct{}, size), open: make(chan struct{}, size),
		idle: make([]*directConn, 0, size)}
}

// pop takes the connection put back last off the idle stack, for a token
// of ready just taken (its connection, or another, is on the stack: put
// pushes before it sends the token).
func (p *directPool) pop() *directConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.idle[len(p.idle)-1]
	p.idle[len(p.idle)-1] = nil
	p.idle = p.idle[:len(p.idle)-1]
	return c
}

// get returns an idle connection, or a new one while fewer than the
// pool's size are open, or else waits for one to be put back; errClosed
// after close.
func (p *directPool) get() (*directConn, error) {
	select {
	case <-p.ready:
		return p.pop(), nil
	default:
	}
	select {
	case <-p.ready:
		return p.pop(), nil
	case p.open <- struct{}{}:
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			<-p.open
			return nil, errClosed
		}
		c, err := p.connector.Connect(context.Background())
		if err != nil {
			<-p.open
			return nil, err
		}
		return &directConn{c: c, stmts: map[string]driver.Stmt{}}, nil
	}
}

// put gives c back to the pool, or closes it when the pool is closed.
func (p *directPool) put(c *directConn) {
	p.mu.Lock()
	if !p.closed {
		p.idle = append(p.idle, c) // within its capacity: no more connections than that
		p.mu.Unlock()
		p.ready <- struct{}{} // never blocks, for the same reason
		return
	}
	p.mu.Unlock()
	p.discard(c)
}

// discard closes c, which is not in the pool, and frees its place.
func (p *directPool) discard(c *directConn) {
	_ = c.close() // a connection in doubt: nothing to do about its error
	<-p.open
}

// close closes every connection: the idle ones now, those in use once they
// are put back, which it waits for (as sql.DB.Close waits for the queries
// in flight), so that none outlives the Store. get returns errClosed from
// then on.
func (p *directPool) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	// Hold every place of the pool: then no connection is open. A
	// connection put back from now on is discarded, freeing its place.
	var err error
	for held := 0; held < cap(p.open); {
		select {
		case <-p.ready:
			err = errors.Join(err, p.pop().close())
			<-p.open
		case p.open <- struct{}{}:
			held++
		}
	}
	for range cap(p.open) {
		<-p.open // for get to see closed, not to wait forever
	}
	return err
}

// close closes c's statements and c.
func (c *directConn) close() error {
	var err error
	for _, st := range c.stmts {
		err = errors.Join(err, st.Close())
	}
	return errors.Join(err, c.c.Close())
}

// stmt returns query prepared on c, preparing it on first use.
func (c *directConn) stmt(query string) (driver.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	pc, ok := c.c.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("sqlitestore: the driver cannot prepare with a context")
	}
	query = strings.Clone(query) // a copy, so that the caller's need not escape
	st, err := pc.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

// queryRow runs query with args on c and leaves the columns of its first
// row in c.vals; sql.ErrNoRows when there is none. bad reports an error
// after which c must not be reused.
func (c *directConn) queryRow(query string, args []any) (bad bool, err error) {
	st, err := c.stmt(query)
	if err != nil {
		// A query that does not prepare (a syntax error, an unknown
		// column) leaves c as it was, unless c is broken.
		return errors.Is(err, driver.ErrBadConn), err
	}
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		return false, errors.New("sqlitestore: the driver cannot query with a context")
	}
	if n := st.NumInput(); n >= 0 && n != len(args) {
		return false, fmt.Errorf("sqlitestore: the query has %d parameters, got %d arguments", n, len(args))
	}
	c.args = c.args[:0]
	for i, a := range args {
		v, err := driverValue(a)
		if err != nil {
			clear(c.args[:cap(c.args)])
			return false, fmt.Errorf("sqlitestore: argument %d: %w", i+1, err)
		}
		c.args = append(c.args, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	// Not the caller's ctx: the driver would watch a cancellable one with
	// a goroutine per query.
	rows, err := q.QueryContext(context.Background(), c.args)
	clear(c.args) // keep no argument alive
	if err != nil {
		return true, err
	}
	if n := len(rows.Columns()); cap(c.vals) < n {
		c.vals = make([]driver.Value, n)
	} else {
		c.vals = c.vals[:n]
	}
	err = rows.Next(c.vals)
	// Close resets the statement, which ends the read transaction.
	if cerr := rows.Close(); cerr != nil {
		return true, cerr
	}
	if errors.Is(err, io.EOF) {
		return false, sql.ErrNoRows
	}
	return err != nil, err
}

// driverValue converts a query argument as database/sql's default
// converter does.
func driverValue(a any) (driver.Value, error) {
	switch v := a.(type) {
	case nil, int64, float64, bool, []byte, string, time.Time:
		return v, nil
	case int:
		return int64(v), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(a)
}

// scanValues stores vals in dest, one destination per column (see
// Row.Scan).
func scanValues(vals []driver.Value, dest []any) error {
	if len(dest) != len(vals) {
		return fmt.Errorf("sqlitestore: scan: %d destinations for %d columns", len(dest), len(vals))
	}
	for i, d := range dest {
		if !scanValue(vals[i], d) {
			// Not d's type in the message: formatting d would make
			// every destination escape to the heap.
			return fmt.Errorf("sqlitestore: scan: cannot store column %d (%T) in its destination", i, vals[i])
		}
	}
	return nil
}

// scanValue stores v in d and reports whether it could. It keeps no
// reference to d, so that destinations may stay on their caller's stack,
// which is why it knows the sql.Null types rather than calling a
// sql.Scanner.
func scanValue(v driver.Value, d any) bool {
	switch d := d.(type) {
	case *int64:
		x, ok := v.(int64)
		*d = x
		return ok
	case *int:
		x, ok := v.(int64)
		*d = int(x)
		return ok
	case *bool:
		x, ok := v.(int64)
		*d = x != 0
		return ok
	case *float64:
		x, ok := asFloat64(v)
		*d = x
		return ok
	case *string:
		x, ok := asString(v)
		*d = x
		return ok
	case *[]byte:
		switch x := v.(type) {
		case []byte:
			*d = x // the driver's own copy: no one else holds it
			return true
		case string:
			*d = []byte(x)
			return true
		case nil:
			*d = nil
			return true
		}
	case *time.Time:
		x, ok := v.(time.Time)
		*d = x
		return ok
	case *any:
		*d = v
		return true
	case *sql.NullInt64:
		x, ok := v.(int64)
		*d = sql.NullInt64{Int64: x, Valid: ok}
		return ok || v == nil
	case *sql.NullBool:
		x, ok := v.(int64)
		*d = sql.NullBool{Bool: x != 0, Valid: ok}
		return ok || v == nil
	case *sql.NullFloat64:
		x, ok := asFloat64(v)
		*d = sql.NullFloat64{Float64: x, Valid: ok}
		return ok || v == nil
	case *sql.NullString:
		x, ok := asString(v)
		*d = sql.NullString{String: x, Valid: ok}
		return ok || v == nil
	}
	return false
}

// asString is v as TEXT: a string, or the bytes of a BLOB.
func asString(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// asFloat64 is v as REAL: a float64, or an INTEGER converted.
func asFloat64(v driver.Value) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}
