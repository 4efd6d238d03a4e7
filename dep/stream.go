package dep

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"time"
)

// ErrStreamRevoked is the cause (context.Cause) of a stream's context when
// re-resolving the stream's dependencies failed: the credential behind it
// stopped being valid (logout, revoked session or key, deactivated user),
// or a check it needs could not be made. The failure is wrapped with it.
var ErrStreamRevoked = errors.New("dep: the stream's dependencies no longer resolve")

// Stream defaults.
const (
	DefaultRecheck      = 2 * time.Second
	DefaultWriteTimeout = 10 * time.Second
)

// StreamOptions configure a streaming endpoint. Zero fields take defaults.
type StreamOptions struct {
	// ContentType of the stream; default "text/event-stream".
	ContentType string
	// Recheck is how often the dependency graph is resolved anew, on a
	// fresh scope, while the stream is open; default DefaultRecheck. When
	// that fails the stream's context ends, with ErrStreamRevoked as cause.
	Recheck time.Duration
	// WriteTimeout bounds each write and flush: the connection's write
	// deadline is moved to now+WriteTimeout before each one, so a server's
	// WriteTimeout does not cut the stream, and a client that stops reading
	// cannot hold a writer for longer. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
}

// StreamWriter is the response of a streaming endpoint. Headers may be set
// until the first Write or Flush, which sends the 200 status line with the
// stream's content type.
type StreamWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	ct      string
	timeout time.Duration
	started bool
}

// Header returns the response headers, to set before the first write.
func (sw *StreamWriter) Header() http.Header { return sw.w.Header() }

// Started reports whether the status line was sent (a Write or Flush happened).
func (sw *StreamWriter) Started() bool { return sw.started }

func (sw *StreamWriter) start() {
	if sw.started {
		return
	}
	sw.started = true
	h := sw.w.Header()
	h.Set("Content-Type", sw.ct)
	h.Set("X-Accel-Buffering", "no") // reverse proxies: do not buffer
	sw.w.WriteHeader(http.StatusOK)
}

func (sw *StreamWriter) deadline() {
	// Writers that cannot set deadlines (httptest.ResponseRecorder) have none.
	_ = sw.rc.SetWriteDeadline(time.Now().Add(sw.timeout))
}

// Write sends b (buffered until Flush).
func (sw *StreamWriter) Write(b []byte) (int, error) {
	sw.start()
	sw.deadline()
	return sw.w.Write(b)
}

// Flush sends what was written to the client now.
func (sw *StreamWriter) Flush() error {
	sw.start()
	sw.deadline()
	if err := sw.rc.Flush(); err != nil {
		return fmt.Errorf("dep: flush: %w", err)
	}
	return nil
}

// StreamBody is the documented result of a streaming endpoint (what
// Endpoint.Output reports); it is never a value handlers see.
type StreamBody struct{}

// Stream returns an endpoint that resolves a exactly as Handler does (the
// same credentials, checks, owner), then calls fn with a StreamWriter and
// a context that ends when the client leaves, when fn's caller closes it
// (the request's context ends) or when the credential stops being valid:
// every opts.Recheck the graph of a is resolved again on a fresh scope
// (values provided with Provide are kept; everything else is recomputed)
// and its first failure ends the context, with ErrStreamRevoked as cause.
// a's graph must not read the request body, which is read once.
//
// When a fails, or fn returns an error before writing anything, the error
// is written like any endpoint's (so fn may refuse, say with a 429). After
// the stream started, fn's error only ends it. Release functions of opened
// dependencies run when fn returns, that is when the stream ends.
func Stream[A any](a Dep[A], opts StreamOptions, fn func(ctx context.Context, w *StreamWriter, a A) error) *Endpoint {
	if opts.ContentType == "" {
		opts.ContentType = "text/event-stream"
	}
	if opts.Recheck <= 0 {
		opts.Recheck = DefaultRecheck
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	return &Endpoint{
		plan:    compile(a.n),
		out:     reflect.TypeFor[StreamBody](),
		stream:  opts.ContentType,
		onError: WriteError,
		serve: watched[A](opts.Recheck, func(ctx context.Context, w http.ResponseWriter, _ *http.Request, av A) (bool, error) {
			sw := &StreamWriter{w: w, rc: http.NewResponseController(w), ct: opts.ContentType, timeout: opts.WriteTimeout}
			err := fn(ctx, sw, av)
			return sw.started, err
		}),
	}
}

// Upgrade returns an endpoint for a connection that leaves HTTP, such as
// a WebSocket: a is resolved, and resolved again every opts.Recheck, as
// Stream does, and fn is called with the context that ends when the
// credential stops being valid (ErrStreamRevoked as cause), the response
// writer and the request, to hand to the upgrader, which answers 101 and
// takes the connection over: the writer reaches the server's
// http.Hijacker through its Unwrap method, as http.ResponseController
// does. A hijacked connection's client leaving is not noticed by the
// server: fn must read the connection to see it. opts.ContentType and
// opts.WriteTimeout are not used; the upgraded protocol bounds its own
// writes.
//
// When a fails, or fn returns an error before anything was written, the
// error is written like any endpoint's (so fn may refuse a bad handshake
// or a client over its cap); afterwards fn's error only ends it. Release
// functions of opened dependencies run when fn returns.
func Upgrade[A any](a Dep[A], opts StreamOptions, fn func(ctx context.Context, w http.ResponseWriter, r *http.Request, a A) error) *Endpoint {
	if opts.Recheck <= 0 {
		opts.Recheck = DefaultRecheck
	}
	return &Endpoint{
		plan:    compile(a.n),
		out:     reflect.TypeFor[StreamBody](),
		upgrade: true,
		onError: WriteError,
		serve: watched[A](opts.Recheck, func(ctx context.Context, w http.ResponseWriter, r *http.Request, av A) (bool, error) {
			uw := &upgradeWriter{ResponseWriter: w}
			err := fn(ctx, uw, r, av)
			return uw.wrote, err
		}),
	}
}

// upgradeWriter records whether anything was written, for Upgrade.
type upgradeWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *upgradeWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *upgradeWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and upgraders reach the underlying
// writer (its http.Hijacker).
func (w *upgradeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// watched is the serve function of Stream and Upgrade: it resolves the
// root of the scope's plan (the endpoint's A),
// then runs run with a context that the re-checks of its graph, every
// recheck, end on their first failure. run reports whether it wrote
// anything: its error is written only if not.
func watched[A any](recheck time.Duration, run func(ctx context.Context, w http.ResponseWriter, r *http.Request, av A) (started bool, err error)) func(s *Scope, w http.ResponseWriter, onError ErrorWriter) {
	return func(s *Scope, w http.ResponseWriter, onError ErrorWriter) {
		av, err := resolve[A](s, s.plan.roots[0])
		if err != nil {
			onError(w, s.r, s.cleanup(err))
			return
		}
		ctx, cancel := context.WithCancelCause(s.r.Context())
		defer cancel(nil)
		stop := watch(ctx, cancel, recheck, func(ctx context.Context) error {
			return recheckScope[A](ctx, s)
		})
		started, err := run(ctx, w, s.r, av)
		cancel(nil)
		stop()
		if err = s.cleanup(err); err != nil && !started {
			onError(w, s.r, err)
		}
	}
}

// watch runs check every period until ctx ends, cancelling ctx with the
// first failure. The returned func waits for it to stop (after ctx ends).
func watch(ctx context.Context, cancel context.CancelCauseFunc, period time.Duration, check func(context.Context) error) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := check(ctx); err != nil {
				if ctx.Err() == nil {
					cancel(fmt.Errorf("%w: %w", ErrStreamRevoked, err))
				}
				return
			}
		}
	})
	return wg.Wait
}

// recheckScope resolves the root of s's plan again on a fresh scope for a copy
// of s's request whose context is ctx. Only overrides (Provide) are taken
// from the scopes linked to s; values a Middleware resolved are computed
// anew, since they are what must be checked again.
func recheckScope[A any](ctx context.Context, s *Scope) error {
	p := s.plan
	fresh := p.pool.New().(*Scope) // not pooled: a rare, short-lived scope
	fresh.parent = overrides(s.parent)
	fresh.r = s.r.WithContext(ctx)
	_, err := resolve[A](fresh, p.roots[0])
	return fresh.cleanup(err)
}

// overrides returns a chain of the Provide scopes linked from s.
func overrides(s *Scope) *Scope {
	if s == nil {
		return nil
	}
	next := overrides(s.parent)
	if !s.override {
		return next
	}
	c := *s
	c.parent = next
	return &c
}
