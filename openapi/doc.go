// Package openapi builds an OpenAPI 3.1 document from a gatehouse.API at
// start-up: paths and methods from the registered routes, path and query
// parameters from dep.Path and dep.Query, request bodies from dep.JSON and
// auth.PasswordForm, responses from each handler's result type, and JSON
// Schemas for all of them generated from the Go types by reflection.
//
// Security is never written by hand. Each operation's security
// requirements, the security schemes in components, and the 400, 401, 403
// and 404 answers an operation lists are all read from the same dependency
// graph the server runs (auth.Describe), so the document cannot promise
// what the server does not enforce, nor leave out what it does:
//
//   - auth.AnyOf(a, b) becomes the alternatives [{a: scopes}, {b: scopes}];
//   - auth.RequireScopes puts its scopes on every alternative;
//   - auth.Optional adds the anonymous alternative {};
//   - a gatehouse.Public route has "security": [].
//
// Every operation has a summary: the route's gatehouse.Summary, or one
// derived from the handler's name as FastAPI does (a handler getNote is
// "Get note"; a function literal, which has no name, gets its
// operationId's words). gatehouse.RequestExample and
// gatehouse.ResponseExample put example values, of the body's and the
// result's Go types, on the media types as OpenAPI 3.1 examples. Info
// carries the servers, licence and contact that no route can tell.
//
// Reflection runs once, in Build; serving the document costs one write of
// bytes marshalled in advance (see Handler).
//
// Struct fields may narrow their schema with an openapi tag, a comma
// separated list of key=value pairs and flags:
//
//	Title string `json:"title" openapi:"minLength=1,maxLength=200"`
//	Email string `json:"email" openapi:"format=email"`
//	Body  string `json:"body" openapi:"optional,maxBytes=100000"`
//
// The grammar is package dep's (dep.Rules, dep.ParseRules): dep.JSON
// enforces what the schema states (required fields, lengths, enums,
// bounds, no unknown fields), so the document and the server read one
// declaration. A field is required unless it is a pointer, omitempty,
// omitzero or tagged optional; maxBytes, which JSON Schema cannot say, is
// written as the x-maxBytes extension and in the description.
package openapi
