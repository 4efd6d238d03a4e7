package dep

import (
	"context"
	"errors"
	"net/http"
)

// ErrServerError is the error that the release functions of dependencies
// opened by Middleware receive when the next handler answered with a 5xx
// status or panicked, so that a transaction opened for it rolls back.
var ErrServerError = errors.New("dep: the handler behind the middleware failed")

// Middleware returns middleware that resolves d before calling the next
// handler: FastAPI's global-middleware variant, built from the same
// dependencies as the per-route one. When d fails, onError (WriteError when
// nil) writes the error and the next handler is not called. Endpoints
// behind the middleware reuse the values it resolved, so each dependency
// still runs at most once per request; a plain http.Handler reads them with
// ValueFrom.
//
// The one difference from an Endpoint: a plain handler writes its own
// response, so release functions (Open) run after it, when the response is
// already written. They receive ErrServerError when the handler answered
// 5xx or panicked and nil otherwise; a release error is logged by no one
// and cannot change the answer. Put work whose failure must turn into a
// 500 (a commit) into an Endpoint's dependencies instead.
func Middleware[T any](d Dep[T], onError ErrorWriter) func(http.Handler) http.Handler {
	if onError == nil {
		onError = WriteError
	}
	p := compile(d.n)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Not pooled: the scope travels in the request's context,
			// which may outlive this call.
			s := p.pool.New().(*Scope)
			s.r = r
			s.parent, _ = r.Context().Value(scopeKey{}).(*Scope)
			if _, err := resolve[T](s, p.roots[0]); err != nil {
				onError(w, r, s.cleanup(err))
				return
			}
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			outcome := ErrServerError // until next returns without panicking
			defer func() {
				if outcome == nil && sw.status >= 500 {
					outcome = ErrServerError
				}
				_ = s.cleanup(outcome)
			}()
			next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), scopeKey{}, s)))
			outcome = nil
		})
	}
}

// ValueFrom returns the value d was resolved to for the request whose
// context is ctx, by a Middleware (or Provide) in front of the handler:
// how a plain http.Handler reads what the middleware established. ok is
// false when d was not resolved for this request, or failed.
func ValueFrom[T any](ctx context.Context, d Dep[T]) (v T, ok bool) {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	if c, found := s.lookup(d.n).(*cellOf[T]); found && c.state == stateDone && c.err == nil {
		return c.v, true
	}
	return v, false
}

// statusWriter records the status the next handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers behind the middleware flush.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
