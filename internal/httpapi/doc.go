// Package httpapi is notesd's JSON API: routes.go lists every route of
// notesd's own (notes, their streams, the demo routes, health, docs, an
// admin's note deletion) and mounts the account routes with
// accounts.Routes, on an accounts.Service built from the same Config;
// one file per resource holds the handlers; errors.go maps the accounts'
// and the notes' errors to problems.
package httpapi
