// Package chi is a stub of github.com/go-chi/chi/v5 for the analyzer's tests.
package chi

import "net/http"

// URLParam returns a route parameter.
func URLParam(r *http.Request, key string) string { return r.PathValue(key) }
