package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// maxBatch bounds how many writes one group commit holds.
const maxBatch = 64

// errClosed answers writes submitted after Close.
var errClosed = errors.New("sqlitestore: database is closed")

// The states of a queued write.
const (
	opQueued    int32 = iota // waiting for the writer
	opTaken                  // the writer runs it: the caller waits for the commit
	opAbandoned              // its caller gave up, or its context ended, before it ran
)

// writeOp is one write submitted to the group writer.
type writeOp struct {
	ctx      context.Context
	fn       func(ctx context.Context, tx *sql.Tx) error
	state    atomic.Int32
	done     chan error // buffered: the writer never blocks on it
	panicked any        // what fn panicked with, re-raised in the caller
}

// grouper is the group commit writer (SPEC §5 Durability): one goroutine
// takes every write submitted while the previous batch was committing, and
// those that reach the queue while it yields the CPU a few times (up to
// maxBatch writes and maxYields yields, no timer), runs them in one
// transaction, each inside its own SAVEPOINT, and commits once, so
// synchronous=FULL costs one fsync per batch instead of one per write.
// Nobody is answered before the COMMIT returns.
type grouper struct {
	w      *sql.DB
	mu     sync.RWMutex // held for reading while submitting; Close takes it to close ops
	closed bool
	ops    chan *writeOp
	exited chan struct{}
	// beforeCommit, when set (tests only, before the first write), runs
	// in the writer after a batch's writes and before its COMMIT, with the
	// batch's size.
	beforeCommit func(n int)
}

func newGrouper(w *sql.DB) *grouper {
	g := &grouper{w: w, ops: make(chan *writeOp, maxBatch), exited: make(chan struct{})}
	go g.run()
	return g
}

// write runs fn in a write transaction and returns once that transaction
// committed (or failed). With group commit, fn runs on the writer
// goroutine beside other writes: it must touch only tx (never db.ws or
// db.w, whose one connection tx holds), and gets a ctx carrying the
// caller's values but not its cancellation, because interrupting a
// statement would roll back the whole batch. The caller's context is
// respected until fn starts: a caller whose context ends while its write
// is queued gets ctx.Err() and its write never runs; once fn started, the
// caller waits for the commit, and its write commits even if the caller
// gave up meanwhile. An error of fn rolls back only fn's work and is
// returned to its caller alone; a failed COMMIT is returned to every
// write of the batch.
func (db *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if db.g == nil {
		return db.inTx(ctx, func(tx *sql.Tx) error { return fn(ctx, tx) })
	}
	return db.g.submit(ctx, fn)
}

func (g *grouper) submit(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return errClosed
	}
	select {
	case g.ops <- o:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	var err error
	select {
	case err = <-o.done:
	case <-ctx.Done():
		if o.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err()
		}
		err = <-o.done // it runs or ran: wait for its commit
	}
	if o.panicked != nil {
		panic(o.panicked)
	}
	return err
}

// close stops taking writes, lets the writer finish those already queued
// and waits for it.
func (g *grouper) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.ops)
	}
	g.mu.Unlock()
	<-g.exited
}

// run is the writer goroutine.
func (g *grouper) run() {
	defer close(g.exited)
	batch := make([]*writeOp, 0, maxBatch)
	for o := range g.ops {
		batch = gather(g.ops, append(batch[:0], o))
		g.commit(batch)
		clear(batch)
	}
}

// maxYields bounds how many times the writer yields the CPU to gather a
// batch: the wait of group commit, counted in scheduler passes, not time.
const maxYields = 8

// gather adds to batch the writes queued behind its first one, up to
// maxBatch. Before each look at the queue it yields the CPU, so that
// goroutines already runnable (requests the network poller has handed
// over, on a server that has one CPU) reach the queue first; it stops at
// the first yield that brought no write, so a lone write waits for one
// yield only. Without the yield, the first caller to queue woke the
// writer at once, and on one CPU every batch held one write.
func gather(ops chan *writeOp, batch []*writeOp) []*writeOp {
	for range maxYields {
		n := len(batch)
		runtime.Gosched()
		for len(batch) < maxBatch {
			select {
			case o, ok := <-ops:
				if !ok {
					return batch // closed: run what is here, then stop
				}
				batch = append(batch, o)
				continue
			default:
			}
			break
		}
		if len(batch) == n || len(batch) == maxBatch {
			break
		}
	}
	return batch
}

// commit runs the writes of batch in one transaction and answers each
// of them: those skipped at once, the others after the COMMIT.
func (g *grouper) commit(batch []*writeOp) {
	ran, errs, err := g.runBatch(batch)
	for i, o := range ran {
		if err != nil && errs[i] == nil {
			errs[i] = err
		}
		o.done <- errs[i]
	}
}

// claim reports whether o is to run, taking it from its caller; a write
// whose context ended is answered with the context's error and skipped.
func claim(o *writeOp) bool {
	if err := o.ctx.Err(); err != nil {
		if o.state.CompareAndSwap(opQueued, opAbandoned) {
			o.done <- err
		}
		return false
	}
	return o.state.CompareAndSwap(opQueued, opTaken)
}

// runBatch runs the writes of batch that are still wanted (each claimed
// just before it runs, so a caller may give up while BEGIN waits for the
// file's lock) in one transaction and commits it. It returns the writes
// that ran, each one's own error, and the error that failed the whole
// batch, if any.
func (g *grouper) runBatch(batch []*writeOp) ([]*writeOp, []error, error) {
	ctx := context.Background() // the batch outlives any one caller
	live := 0
	for _, o := range batch {
		if o.ctx.Err() == nil && o.state.Load() == opQueued {
			live++
		} else {
			claim(o) // answers or drops it
		}
	}
	if live == 0 {
		return nil, nil, nil
	}
	tx, err := g.w.BeginTx(ctx, nil)
	if err != nil {
		err = fmt.Errorf("sqlitestore: group commit: %w", err)
		var ran []*writeOp
		for _, o := range batch {
			if claim(o) {
				ran = append(ran, o)
			}
		}
		return ran, make([]error, len(ran)), err
	}
	ran := make([]*writeOp, 0, len(batch))
	errs := make([]error, 0, len(batch))
	// fail rolls back and fails every write of the batch, those not run
	// yet (from rest on) included.
	fail := func(err error, rest []*writeOp) ([]*writeOp, []error, error) {
		_ = tx.Rollback()
		for _, o := range rest {
			if claim(o) {
				ran = append(ran, o)
				errs = append(errs, nil)
			}
		}
		return ran, errs, fmt.Errorf("sqlitestore: group commit: %w", err)
	}
	for i, o := range batch {
		rest := batch[i+1:]
		if !claim(o) {
			continue
		}
		ran = append(ran, o)
		errs = append(errs, nil)
		if _, err := tx.ExecContext(ctx, `SAVEPOINT op`); err != nil {
			return fail(err, rest)
		}
		if errs[len(errs)-1] = runOp(o, tx); errs[len(errs)-1] != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO op`); err != nil {
				return fail(err, rest)
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE op`); err != nil {
			return fail(err, rest)
		}
	}
	if g.beforeCommit != nil && len(ran) > 0 {
		g.beforeCommit(len(ran))
	}
	if err := tx.Commit(); err != nil {
		return ran, errs, fmt.Errorf("sqlitestore: group commit: %w", err)
	}
	return ran, errs, nil
}

// runOp runs one write, turning a panic into an error here (its savepoint
// is rolled back) and a panic in its caller.
func runOp(o *writeOp, tx *sql.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			o.panicked = v
			err = errors.New("sqlitestore: write panicked")
		}
	}()
	return o.fn(context.WithoutCancel(o.ctx), tx)
}
