package auth

import (
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// Middleware is the seed's "auth as middleware" approach: it resolves d
// (typically ActiveUser(authn.Bearer())) for every request except those
// whose path is in public (an exact path, or a prefix when it ends in
// "/"), and answers the dependency's error when it fails. It is built from
// the same dependencies as the per-route variant, so both give the same
// answers; endpoints behind it reuse the resolved principal.
//
// Prefer per-route dependencies: they document themselves and differ per
// route. Use Middleware where every route needs the same authentication.
func Middleware[T any](d dep.Dep[T], onError dep.ErrorWriter, public ...string) func(http.Handler) http.Handler {
	mw := dep.Middleware(d, onError)
	return func(next http.Handler) http.Handler {
		guarded := mw(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isPublic(r.URL.Path, public) {
				next.ServeHTTP(w, r)
				return
			}
			guarded.ServeHTTP(w, r)
		})
	}
}

func isPublic(path string, public []string) bool {
	for _, p := range public {
		if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}
