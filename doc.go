// Package gatehouse is an http.Handler around http.ServeMux for APIs built
// from dep dependencies and auth checks.
//
// Every route declares its protection through its dependencies, or says
// Public("why") explicitly; registering a route that does neither panics at
// start-up, as ServeMux does for conflicting patterns. The API renders every
// error as an RFC 9457 problem (the mux's own 404 and 405 too, keeping
// Allow), logs each request with a request id, recovers panics as a generic
// 500, and prints the route table: method, path, accepted credentials,
// checks and owner scoping, all read from the dependency graph.
package gatehouse
