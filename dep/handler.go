package dep

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"runtime"
	"sync"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// ErrorWriter writes the response for an error of a dependency or handler.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// WriteError is the default ErrorWriter: a *problem.Details (or an error
// wrapping one) is written as is; anything else is a generic 500 whose text
// is never sent. gatehouse.API replaces it with one that maps domain errors
// and logs.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	var p *problem.Details
	if errors.As(err, &p) {
		problem.Write(w, p)
		return
	}
	problem.Write(w, problem.Internal())
}

// Renderer is implemented by handler results that write their own response
// (HTML pages, redirects, files). Render runs after the cleanups.
type Renderer interface {
	Render(w http.ResponseWriter, r *http.Request) error
}

// Response is a JSON result with an explicit status code and headers.
type Response[T any] struct {
	Code   int
	Body   T
	Header http.Header
}

// Created is a 201 Created JSON result. Its status is part of its type,
// so documentation generators see it without running the handler.
type Created[T any] struct {
	Body   T
	Header http.Header
}

// Render implements Renderer.
func (c Created[T]) Render(w http.ResponseWriter, _ *http.Request) error {
	for k, vs := range c.Header {
		w.Header()[k] = vs
	}
	return writeJSON(w, http.StatusCreated, c.Body)
}

// Status returns 201, for documentation.
func (Created[T]) Status() int { return http.StatusCreated }

// BodyType returns the JSON body's Go type, for documentation.
func (Created[T]) BodyType() reflect.Type { return reflect.TypeFor[T]() }

// Render implements Renderer.
func (res Response[T]) Render(w http.ResponseWriter, _ *http.Request) error {
	for k, vs := range res.Header {
		w.Header()[k] = vs
	}
	return writeJSON(w, res.Code, res.Body)
}

// Status returns the response's status code for documentation; the zero
// Response, which is all a documentation generator sees, reports 200.
func (res Response[T]) Status() int {
	if res.Code == 0 {
		return http.StatusOK
	}
	return res.Code
}

// BodyType returns the JSON body's Go type, for documentation.
func (Response[T]) BodyType() reflect.Type { return reflect.TypeFor[T]() }

// NoContent is the result of a handler that answers 204 with no body.
type NoContent struct{}

// Render implements Renderer.
func (NoContent) Render(w http.ResponseWriter, _ *http.Request) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// jsonContentType is shared by every JSON response; it has no spare
// capacity, so Header.Add on it copies.
var jsonContentType = []string{"application/json"}[:1:1]

// writeJSON writes v as the JSON body of a code response: through its
// AppendJSON when it is a JSONAppender, else encoding/json.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	if a, ok := v.(JSONAppender); ok {
		buf := jsonBuffers.Get().(*[]byte)
		b, err := a.AppendJSON((*buf)[:0])
		if err == nil {
			err = writeBody(w, code, append(b, '\n'))
		}
		if cap(b) <= maxPooledJSON {
			*buf = b[:0]
			jsonBuffers.Put(buf)
		}
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeBody(w, code, append(b, '\n'))
}

// writeBoxed is writeJSON of out, a JSONAppender, through a *R of boxes
// (so that no copy of out is allocated to be made an interface), cleared
// before it goes back: the pool keeps no response alive.
func writeBoxed[R any](w http.ResponseWriter, boxes *sync.Pool, out R) error {
	p, _ := boxes.Get().(*R)
	if p == nil {
		p = new(R)
	}
	*p = out
	err := writeJSON(w, http.StatusOK, p) // *R's methods include R's AppendJSON
	var zero R
	*p = zero
	boxes.Put(p)
	return err
}

// writeBody writes the JSON body b of a code response.
func writeBody(w http.ResponseWriter, code int, b []byte) error {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(code)
	_, err := w.Write(b)
	return err
}

// Endpoint is a typed handler: an http.Handler whose dependencies form a
// static graph. Make one with Handler, Handler2 or Handler3.
type Endpoint struct {
	plan    *plan
	serve   func(s *Scope, w http.ResponseWriter, onError ErrorWriter)
	out     reflect.Type
	stream  string // the content type of a Stream endpoint
	upgrade bool   // an Upgrade endpoint
	onError ErrorWriter
	name    string // of the handler function, for documentation
}

// newEndpoint makes the endpoint that serves call; fn is the handler
// function call wraps, named once, here, for documentation.
func newEndpoint[R any](fn any, call func(s *Scope) (R, error), roots ...*node) *Endpoint {
	var zero R
	_, renders := any(zero).(Renderer)
	// A value R that appends its JSON is written through a *R (out boxed
	// as any would allocate a copy); not a pointer R, whose *R has no
	// methods and which is boxed without an allocation anyway.
	_, appends := any(zero).(JSONAppender)
	_, boxable := any((*R)(nil)).(JSONAppender)
	appends = appends && boxable
	var boxes sync.Pool // of *R
	return &Endpoint{
		name: funcName(fn),
		plan: compile(roots...),
		serve: func(s *Scope, w http.ResponseWriter, onError ErrorWriter) {
			out, err := call(s)
			if err = s.cleanup(err); err != nil {
				onError(w, s.r, err)
				return
			}
			switch {
			case renders:
				err = any(out).(Renderer).Render(w, s.r)
			case appends:
				err = writeBoxed(w, &boxes, out)
			default:
				err = writeJSON(w, http.StatusOK, out)
			}
			if err != nil {
				// Only json.Marshal fails before anything is written.
				onError(w, s.r, err)
			}
		},
		out:     reflect.TypeFor[R](),
		onError: WriteError,
	}
}

// Handler returns an endpoint that resolves a and calls fn with its value.
// fn's result is written as JSON with 200, or by its own Render method
// (Response, NoContent, Renderer); its error goes to the ErrorWriter.
func Handler[A, R any](a Dep[A], fn func(ctx context.Context, a A) (R, error)) *Endpoint {
	return newEndpoint(fn, func(s *Scope) (R, error) {
		av, err := resolve[A](s, s.plan.roots[0])
		if err != nil {
			var zero R
			return zero, err
		}
		return fn(s.r.Context(), av)
	}, a.n)
}

// Handler2 is Handler with two dependencies, resolved in order.
func Handler2[A, B, R any](a Dep[A], b Dep[B], fn func(ctx context.Context, a A, b B) (R, error)) *Endpoint {
	return newEndpoint(fn, func(s *Scope) (R, error) {
		var zero R
		av, err := resolve[A](s, s.plan.roots[0])
		if err != nil {
			return zero, err
		}
		bv, err := resolve[B](s, s.plan.roots[1])
		if err != nil {
			return zero, err
		}
		return fn(s.r.Context(), av, bv)
	}, a.n, b.n)
}

// Handler3 is Handler with three dependencies, resolved in order.
func Handler3[A, B, C, R any](a Dep[A], b Dep[B], c Dep[C], fn func(ctx context.Context, a A, b B, c C) (R, error)) *Endpoint {
	return newEndpoint(fn, func(s *Scope) (R, error) {
		var zero R
		av, err := resolve[A](s, s.plan.roots[0])
		if err != nil {
			return zero, err
		}
		bv, err := resolve[B](s, s.plan.roots[1])
		if err != nil {
			return zero, err
		}
		cv, err := resolve[C](s, s.plan.roots[2])
		if err != nil {
			return zero, err
		}
		return fn(s.r.Context(), av, bv, cv)
	}, a.n, b.n, c.n)
}

// ServeHTTP implements http.Handler.
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := e.plan.acquire(r)
	defer func() {
		if p := recover(); p != nil {
			// Release what was opened (a transaction rolls back), then let
			// the panic go on to the server's recovery.
			_ = s.cleanup(errPanic)
			panic(p)
		}
	}()
	e.serve(s, w, e.onError)
	e.plan.put(s)
}

var errPanic = errors.New("dep: handler panicked")

// WithErrors returns a copy of e that writes errors with ew.
func (e *Endpoint) WithErrors(ew ErrorWriter) *Endpoint {
	c := *e
	c.onError = ew
	return &c
}

// Inputs returns the handler's direct dependencies: the roots of its graph.
func (e *Endpoint) Inputs() []Node {
	out := make([]Node, len(e.plan.roots))
	for i, slot := range e.plan.roots {
		out[i] = e.plan.nodes[slot]
	}
	return out
}

// StreamContentType returns the content type of a Stream endpoint's
// response ("text/event-stream"), or "" for other endpoints.
func (e *Endpoint) StreamContentType() string { return e.stream }

// Upgrades reports whether e is an Upgrade endpoint: its answer is 101
// Switching Protocols (a WebSocket, say), not a body.
func (e *Endpoint) Upgrades() bool { return e.upgrade }

// Output returns the Go type of the handler's result, for documentation.
func (e *Endpoint) Output() reflect.Type { return e.out }

// HandlerName returns the name of the handler function as the runtime
// knows it ("example.com/app.(*server).getNote-fm" for a method value,
// "example.com/app.routes.func1" for a function literal), read once when
// the endpoint was made, for documentation: OpenAPI derives a summary
// from it.
func (e *Endpoint) HandlerName() string { return e.name }

// funcName returns the runtime's name of the function fn, or "".
func funcName(fn any) string {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return ""
	}
	if f := runtime.FuncForPC(v.Pointer()); f != nil {
		return f.Name()
	}
	return ""
}

// Walk calls fn once for each node reachable from roots, parents before
// their inputs, stopping early when fn returns false.
func Walk(roots []Node, fn func(Node) bool) {
	seen := map[Node]bool{}
	var visit func(n Node) bool
	visit = func(n Node) bool {
		if seen[n] {
			return true
		}
		seen[n] = true
		if !fn(n) {
			return false
		}
		for _, in := range n.Inputs() {
			if !visit(in) {
				return false
			}
		}
		return true
	}
	for _, r := range roots {
		if !visit(r) {
			return
		}
	}
}
