package dep

import (
	"context"
	"net/http"
)

// Middleware returns middleware that resolves d before calling the next
// handler: FastAPI's global-middleware variant, built from the same
// dependencies as the per-route one. When d fails, onError (WriteError when
// nil) writes the error and the next handler is not called. Endpoints
// behind the middleware reuse the values it resolved, so each dependency
// still runs at most once per request.
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
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), scopeKey{}, s)))
			_ = s.cleanup(nil)
		})
	}
}
