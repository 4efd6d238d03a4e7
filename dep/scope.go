package dep

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

// Scope is the state of one request: the value (or error) of each
// dependency resolved so far and the release functions of opened ones.
// Handlers never see it; it is exported only so that Node implementations
// in this package can name it.
type Scope struct {
	r        *http.Request
	plan     *plan
	cells    []cell
	cleanups []func(error) error
	parent   *Scope // a scope resolved earlier for the same request (Middleware, Provide)
	override bool   // made by Provide: kept when a stream re-checks its graph
}

const (
	stateEmpty uint8 = iota
	stateRunning
	stateDone
)

type cell interface{ reset() }

type cellOf[T any] struct {
	state uint8
	v     T
	err   error
}

func (c *cellOf[T]) reset() { *c = cellOf[T]{} }

// plan is the compiled graph of one endpoint or middleware: every node
// reachable from its roots gets a slot, so lookups are indexes.
type plan struct {
	nodes  []*node
	inputs [][]int
	roots  []int
	pool   sync.Pool // of *Scope
}

func compile(roots ...*node) *plan {
	p := &plan{}
	slots := map[*node]int{}
	var visit func(n *node) int
	visit = func(n *node) int {
		if i, ok := slots[n]; ok {
			return i
		}
		in := make([]int, len(n.inputs))
		for j, c := range n.inputs {
			in[j] = visit(c)
		}
		i := len(p.nodes)
		slots[n] = i
		p.nodes = append(p.nodes, n)
		p.inputs = append(p.inputs, in)
		return i
	}
	for _, r := range roots {
		if r == nil {
			panic("dep: zero Dep used; construct dependencies with New, Derive, Path, JSON…")
		}
		p.roots = append(p.roots, visit(r))
	}
	p.pool.New = func() any {
		s := &Scope{plan: p, cells: make([]cell, len(p.nodes))}
		for i, n := range p.nodes {
			s.cells[i] = n.newCell()
		}
		return s
	}
	return p
}

type scopeKey struct{}

// acquire returns a clean scope for r, linked to any scope already resolved
// for this request.
func (p *plan) acquire(r *http.Request) *Scope {
	s := p.pool.Get().(*Scope)
	s.r = r
	s.parent, _ = r.Context().Value(scopeKey{}).(*Scope)
	return s
}

// cleanup runs the release functions of opened dependencies, last opened
// first, with err. It returns err, or the first release error when err was nil.
func (s *Scope) cleanup(err error) error {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		if cerr := s.cleanups[i](err); cerr != nil && err == nil {
			err = cerr
		}
		s.cleanups[i] = nil
	}
	s.cleanups = s.cleanups[:0]
	return err
}

// put clears s and returns it to the pool.
func (p *plan) put(s *Scope) {
	for _, c := range s.cells {
		c.reset()
	}
	s.r, s.parent = nil, nil
	p.pool.Put(s)
}

// lookup finds n's cell in s or its parents, if it was resolved there.
func (s *Scope) lookup(n *node) cell {
	for ; s != nil; s = s.parent {
		for i, m := range s.plan.nodes {
			if m == n {
				return s.cells[i]
			}
		}
	}
	return nil
}

// resolve returns the value of slot i, computing it at most once.
func resolve[T any](s *Scope, i int) (T, error) {
	c := s.cells[i].(*cellOf[T])
	switch c.state {
	case stateDone:
		return c.v, c.err
	case stateRunning:
		panic(fmt.Sprintf("dep: cycle through %q", s.plan.nodes[i].name))
	}
	n := s.plan.nodes[i]
	if s.parent != nil {
		if pc, ok := s.parent.lookup(n).(*cellOf[T]); ok && pc.state == stateDone {
			c.v, c.err, c.state = pc.v, pc.err, stateDone
			return c.v, c.err
		}
	}
	c.state = stateRunning
	c.v, c.err = n.run.(runFunc[T])(s, s.plan.inputs[i])
	c.state = stateDone
	return c.v, c.err
}

// Provide returns a copy of r in which d is already resolved to v, so every
// handler and middleware serving the copy uses v instead of computing d.
// Tests use it to override dependencies (FastAPI's dependency_overrides).
func Provide[T any](r *http.Request, d Dep[T], v T) *http.Request {
	s := &Scope{r: r, plan: &plan{nodes: []*node{d.n}}, cells: []cell{&cellOf[T]{state: stateDone, v: v}}, override: true}
	s.parent, _ = r.Context().Value(scopeKey{}).(*Scope)
	return r.WithContext(context.WithValue(r.Context(), scopeKey{}, s))
}
