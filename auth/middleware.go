package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// Middleware is the seed's "auth as middleware" approach: it resolves d
// (typically ActiveUser(authn.Bearer())) for every request except those
// whose path is in public (an exact path, or a prefix when it ends in
// "/"), and answers the dependency's error when it fails. It is built from
// the same dependencies as the per-route variant, so both give the same
// answers; endpoints behind it reuse the resolved principal, and plain
// http.Handlers read it with PrincipalFrom.
//
// Prefer per-route dependencies: they document themselves and differ per
// route. Use Middleware where every route needs the same authentication.
func Middleware[T any](d dep.Dep[T], onError dep.ErrorWriter, public ...string) func(http.Handler) http.Handler {
	mw := dep.Middleware(d, onError)
	return func(next http.Handler) http.Handler {
		// Behind the dependency: hand its principal to plain handlers.
		publish := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v, ok := dep.ValueFrom(r.Context(), d); ok {
				if p, ok := any(v).(principalCarrier); ok {
					r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p.principal()))
				}
			}
			next.ServeHTTP(w, r)
		})
		guarded := mw(publish)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isPublic(r.URL.Path, public) {
				next.ServeHTTP(w, r)
				return
			}
			guarded.ServeHTTP(w, r)
		})
	}
}

// principalKey is the context key of the principal Middleware established.
type principalKey struct{}

// principalCarrier is a Principal or a value that embeds one (Privileged).
type principalCarrier interface{ principal() any }

func (p Principal[U]) principal() any { return p }

// PrincipalFrom returns the principal that Middleware established for the
// request whose context is ctx: how a plain http.Handler behind
// Middleware learns who is calling. ok is false on a public path, when the
// middleware's dependency is not a Principal[U] (or a value embedding
// one, like Privileged[U]), or without Middleware.
func PrincipalFrom[U any](ctx context.Context) (p Principal[U], ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal[U])
	return p, ok
}

func isPublic(path string, public []string) bool {
	for _, p := range public {
		if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}
