package dep

import (
	"context"
	"net/http"
)

// Node is the read-only view of one dependency in the static graph.
type Node interface {
	// Name is a short human-readable name ("path.id", "bearer").
	Name() string
	// Inputs are the dependencies this one is computed from, in order.
	Inputs() []Node
	// Meta is what the dependency's author attached with Describe (for
	// example auth's security requirements); nil when nothing was.
	Meta() any
}

// node is one dependency. Its run field holds a func(*Scope, []int) (T, error)
// for the node's value type T; in are the plan slots of the node's inputs.
type node struct {
	name    string
	inputs  []*node
	meta    any
	run     any
	newCell func() cell
}

func (n *node) Name() string { return n.name }
func (n *node) Meta() any    { return n.meta }
func (n *node) Inputs() []Node {
	out := make([]Node, len(n.inputs))
	for i, in := range n.inputs {
		out[i] = in
	}
	return out
}

// Dep is a typed, request-scoped dependency producing a T. The zero Dep is
// not usable; make one with New, Derive, Path, JSON and the like.
type Dep[T any] struct{ n *node }

// Node returns d's place in the static graph.
func (d Dep[T]) Node() Node { return d.n }

// Describe returns a copy of d with another name and metadata attached for
// graph readers. The copy is a distinct dependency: use the returned value.
func (d Dep[T]) Describe(name string, meta any) Dep[T] {
	c := *d.n
	c.name, c.meta = name, meta
	return Dep[T]{&c}
}

type runFunc[T any] = func(s *Scope, in []int) (T, error)

func newDep[T any](name string, run runFunc[T], inputs ...*node) Dep[T] {
	return Dep[T]{&node{name: name, inputs: inputs, run: run, newCell: func() cell { return new(cellOf[T]) }}}
}

// New returns a root dependency computed from the request.
func New[T any](name string, f func(r *http.Request) (T, error)) Dep[T] {
	return newDep(name, func(s *Scope, _ []int) (T, error) { return f(s.r) })
}

// Derive returns a dependency computed from one other.
func Derive[A, T any](a Dep[A], f func(ctx context.Context, a A) (T, error)) Dep[T] {
	return newDep("derive", func(s *Scope, in []int) (T, error) {
		av, err := resolve[A](s, in[0])
		if err != nil {
			var zero T
			return zero, err
		}
		return f(s.r.Context(), av)
	}, a.n)
}

// Derive2 returns a dependency computed from two others, resolved in order.
func Derive2[A, B, T any](a Dep[A], b Dep[B], f func(ctx context.Context, a A, b B) (T, error)) Dep[T] {
	return newDep("derive", func(s *Scope, in []int) (T, error) {
		var zero T
		av, err := resolve[A](s, in[0])
		if err != nil {
			return zero, err
		}
		bv, err := resolve[B](s, in[1])
		if err != nil {
			return zero, err
		}
		return f(s.r.Context(), av, bv)
	}, a.n, b.n)
}

// Derive3 returns a dependency computed from three others, resolved in order.
func Derive3[A, B, C, T any](a Dep[A], b Dep[B], c Dep[C], f func(ctx context.Context, a A, b B, c C) (T, error)) Dep[T] {
	return newDep("derive", func(s *Scope, in []int) (T, error) {
		var zero T
		av, err := resolve[A](s, in[0])
		if err != nil {
			return zero, err
		}
		bv, err := resolve[B](s, in[1])
		if err != nil {
			return zero, err
		}
		cv, err := resolve[C](s, in[2])
		if err != nil {
			return zero, err
		}
		return f(s.r.Context(), av, bv, cv)
	}, a.n, b.n, c.n)
}

// Recover returns a dependency computed from a's value or a's error: f is
// called either way, so a failure of a can be turned into a value (this is
// how optional credentials are built).
func Recover[A, T any](a Dep[A], f func(ctx context.Context, a A, err error) (T, error)) Dep[T] {
	return newDep("recover", func(s *Scope, in []int) (T, error) {
		av, err := resolve[A](s, in[0])
		return f(s.r.Context(), av, err)
	}, a.n)
}

// Alternatives returns a dependency that tries alts in order and yields the
// first that succeeds. When an alternative fails with an error for which
// skip is true (typically "no credentials of this kind"), the next one is
// tried; any other error is returned at once. When every alternative was
// skipped, combine receives their errors in order and its result is the
// error. Alternatives after the one that succeeds never run.
func Alternatives[T any](skip func(error) bool, combine func([]error) error, alts ...Dep[T]) Dep[T] {
	inputs := make([]*node, len(alts))
	for i, a := range alts {
		inputs[i] = a.n
	}
	return newDep("alternatives", func(s *Scope, in []int) (T, error) {
		var zero T
		errs := make([]error, 0, len(in))
		for _, slot := range in {
			v, err := resolve[T](s, slot)
			if err == nil {
				return v, nil
			}
			if !skip(err) {
				return zero, err
			}
			errs = append(errs, err)
		}
		return zero, combine(errs)
	}, inputs...)
}

// Open returns a root dependency whose value must be released after the
// handler: FastAPI's dependency with yield. release receives the handler's
// error (nil on success), so it can commit or roll back; it runs after the
// handler and before the response is written, last opened first released,
// and an error it returns replaces a successful response.
func Open[T any](name string, f func(r *http.Request) (v T, release func(error) error, err error)) Dep[T] {
	return newDep(name, func(s *Scope, _ []int) (T, error) {
		v, release, err := f(s.r)
		if err != nil {
			return v, err
		}
		if release != nil {
			s.cleanups = append(s.cleanups, release)
		}
		return v, nil
	})
}

// Request is the dependency on the request itself.
func Request() Dep[*http.Request] {
	return newDep("request", func(s *Scope, _ []int) (*http.Request, error) { return s.r, nil })
}

// None is the dependency of a handler that needs nothing from the request.
var None = newDep("none", func(*Scope, []int) (struct{}, error) { return struct{}{}, nil })
