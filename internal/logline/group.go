package logline

import (
	"io"
	"runtime"
	"sync"
)

// groupWriter is the Write of every handler derived from one New: lines
// written at the same time go out in one Write of the underlying writer
// (group commit, as for a database's log), and each Write returns only once
// the Write holding its line has returned, with that Write's error. So a
// line is still out before its caller goes on (before a request's answer),
// at one system call per group instead of one per line.
//
// The first writer of a group leads it: it yields once, so that the
// goroutines already runnable reach their own lines and join, then writes
// the group. Writers arriving during that write form the next group, which
// the leader hands to one of them, so no writer writes for others for
// longer than one group. The underlying writer sees one Write at a time.
type groupWriter struct {
	w io.Writer

	mu      sync.Mutex
	cond    sync.Cond // on mu: a group was written or handed over
	pending []byte    // the lines of the open group
	open    *group    // the open group, which pending's writers wait on
	busy    bool      // a leader owns the open group or is writing
	blocked int       // writers waiting for a full open group to be taken
	spare   []byte    // a buffer for the next group
	free    []*group  // groups no writer waits on any more, for reuse
}

// group is one Write of the underlying writer and the writers whose lines
// it holds. Its fields are guarded by the groupWriter's mu.
type group struct {
	refs    int  // its writers that have not returned yet
	done    bool // written
	handoff bool // one of its writers is to lead it
	err     error
}

// maxGroup bounds a group's bytes: a line that would grow the open group
// past it waits for that group to be taken by its leader and joins the
// next (a longer line is a group of its own). It is PIPE_BUF, so that a
// group written to a pipe (a process manager's stderr) goes in whole, as
// one line did; it is also the size of the two buffers kept for reuse.
const maxGroup = 4096

func newGroupWriter(w io.Writer) *groupWriter {
	g := &groupWriter{w: w, pending: make([]byte, 0, maxGroup), spare: make([]byte, 0, maxGroup)}
	g.cond.L = &g.mu
	g.open = g.newGroup()
	return g
}

// newGroup returns an empty group, reused when one is free. Called with mu
// held.
func (g *groupWriter) newGroup() *group {
	if n := len(g.free); n > 0 {
		gr := g.free[n-1]
		g.free = g.free[:n-1]
		return gr
	}
	return &group{}
}

// release is a writer's return from gr. Called with mu held.
func (g *groupWriter) release(gr *group) {
	gr.refs--
	if gr.refs == 0 && gr.done && len(g.free) < 4 {
		*gr = group{}
		g.free = append(g.free, gr)
	}
}

// Write writes p as part of a group and returns once that group is
// written: len(p) and nil, or 0 and the group's error.
func (g *groupWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	for len(g.pending) > 0 && len(g.pending)+len(p) > maxGroup {
		g.blocked++
		g.cond.Wait() // until the open group is taken
		g.blocked--
	}
	g.pending = append(g.pending, p...)
	gr := g.open
	gr.refs++
	if g.busy {
		for !gr.done && !gr.handoff {
			g.cond.Wait()
		}
		if gr.done {
			err := gr.err
			g.release(gr)
			g.mu.Unlock()
			return result(len(p), err)
		}
		gr.handoff = false // this writer leads gr
	}
	g.busy = true
	g.mu.Unlock()
	return result(len(p), g.lead(gr))
}

// lead writes gr, the open group, which the caller leads and holds a line
// of.
func (g *groupWriter) lead(gr *group) error {
	runtime.Gosched() // let the runnable writers join gr
	g.mu.Lock()
	buf, next := g.pending, g.spare
	if next == nil { // the last buffer held a longer line
		next = make([]byte, 0, maxGroup)
	}
	g.pending, g.spare = next[:0], nil
	g.open = g.newGroup()
	if g.blocked > 0 {
		g.cond.Broadcast() // the next group is open
	}
	g.mu.Unlock()

	_, err := g.w.Write(buf)

	g.mu.Lock()
	if cap(buf) == maxGroup {
		g.spare = buf // a longer line's buffer is not kept
	}
	gr.err, gr.done = err, true
	if len(g.pending) > 0 {
		g.open.handoff = true // one of the next group's writers leads it
	} else {
		g.busy = false
	}
	g.cond.Broadcast()
	g.release(gr)
	g.mu.Unlock()
	return err
}

func result(n int, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return n, nil
}
