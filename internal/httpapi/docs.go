package httpapi

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/openapi"
	"github.com/gatehouse-dev/gatehouse/openapi/swaggerui"
)

// addDocs registers GET /openapi.json and GET /docs, derived from the
// routes registered before it. A document that cannot be built is a
// programming error, found at start-up like an unprotected route.
func addDocs(api *gatehouse.API) {
	scopes := map[string]string{}
	for _, s := range notes.AllScopes {
		scopes[s.Name] = s.Description
	}
	doc, err := openapi.Build(api, openapi.Info{
		Title:   "notesd",
		Version: "1.0.0",
		Description: "The reference server of gatehouse: users, notes only their owner can see, API keys and admin routes.\n\n" +
			"Log in with **Authorize** (OAuth2 password flow: your e-mail address and password), or paste an API key.",
		Scopes: scopes,
		// Relative: the server the document was loaded from, whatever
		// its address (a proxy's, a test's, localhost).
		Servers: []openapi.Server{{URL: "/", Description: "This server"}},
		License: &openapi.License{Name: "All rights reserved: no licence has been granted yet", URL: "https://github.com/gatehouse-dev/gatehouse"},
		Contact: &openapi.Contact{Name: "gatehouse", URL: "https://github.com/gatehouse-dev/gatehouse"},
	})
	if err != nil {
		panic(fmt.Sprintf("httpapi: OpenAPI document: %v", err))
	}
	spec, err := openapi.Handler(doc)
	if err != nil {
		panic(fmt.Sprintf("httpapi: OpenAPI document: %v", err))
	}
	ui := swaggerui.Handler("/openapi.json", swaggerui.Path("/docs"), swaggerui.Title("notesd API"))
	api.Handle("GET /openapi.json", spec, gatehouse.Public("api docs"))
	api.Handle("GET /docs", ui, gatehouse.Public("api docs"))
	api.Handle("GET /docs/", ui, gatehouse.Public("api docs"))
}
