package httpapi

import "github.com/gatehouse-dev/gatehouse"

// addDocs registers GET /openapi.json and GET /docs, derived from the
// routes registered before it.
func addDocs(api *gatehouse.API) {
	_ = api // OpenAPI and Swagger UI are not served yet.
}
