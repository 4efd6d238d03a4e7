// Package httpapi is notesd's JSON API: routes.go lists every route and its
// dependencies; one file per resource holds the handlers; errors.go maps
// domain errors to problems.
package httpapi
