// Package dep provides typed, request-scoped dependencies for net/http, in
// the style of FastAPI's Depends.
//
// A Dep[T] is a recipe for one value of a request: "the path parameter id",
// "the decoded JSON body", "the user behind the bearer token". Dependencies
// are built from other dependencies with Derive, Derive2 and Derive3, so an
// application's auth chain is a static graph that tools can read (see
// Node): package auth derives OpenAPI security and route audits from it.
//
// Handler, Handler2 and Handler3 turn a business function of the form
// func(ctx, deps…) (Out, error) into an http.Handler. Within one request
// each dependency runs at most once, however many dependencies share it;
// values that need cleaning up come from Open, whose release functions run
// last-in first-out after the handler, with the handler's error, before the
// response is written. The per-request state is one pooled frame: resolving
// a chain allocates nothing of its own.
//
// JSON decodes a request body strictly and enforces what the body type's
// tags declare, the same rules package openapi documents (see Rules and
// Field.Required): every broken rule is one entry of a single 422, each
// with its location ("body.title"). Duplicate keys are refused at every
// depth. The body limit is DefaultBodyLimit unless the request's context
// says otherwise (WithBodyLimit; gatehouse.API sets its Options.BodyLimit).
//
// Middleware runs a dependency in front of any http.Handler (FastAPI's
// global-middleware variant); handlers behind it reuse the values it
// resolved instead of computing them again. Provide pre-resolves a
// dependency for one request, which is how tests override dependencies.
package dep
