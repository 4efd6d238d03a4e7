// Package mux is a stub of github.com/gorilla/mux for the analyzer's tests.
package mux

import "net/http"

// Vars returns the route variables of a request.
func Vars(r *http.Request) map[string]string { return map[string]string{"id": r.PathValue("id")} }
