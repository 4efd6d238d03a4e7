package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
)

type item struct {
	ID    int64  `json:"id"`
	Title string `json:"title" openapi:"minLength=1,maxLength=200"`
}

type reader struct{ scopes []string }

func (r reader) HasScope(s string) bool { return slices.Contains(r.scopes, s) }

func ExampleBuild() {
	// A bearer token whose scopes are checked: the document reads both
	// from the graph.
	token := auth.BearerToken("/token")
	caller := dep.Derive(token, func(_ context.Context, tok string) (reader, error) {
		return reader{scopes: []string{"items:read"}}, nil
	})
	canRead := auth.RequireScopes(caller, "items:read")

	api := gatehouse.New(gatehouse.Options{})
	api.Handle("GET /items/{id}", dep.Handler2(canRead, dep.Path[int64]("id"),
		func(_ context.Context, _ reader, id int64) (item, error) { return item{ID: id, Title: "x"}, nil }))
	api.Handle("GET /health", dep.Handler(dep.None,
		func(context.Context, struct{}) (dep.NoContent, error) { return dep.NoContent{}, nil }),
		gatehouse.Public("liveness probe"))

	doc, err := openapi.Build(api, openapi.Info{Title: "items", Version: "1", Scopes: map[string]string{"items:read": "Read items"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	get := doc.Paths["/items/{id}"].Get
	security, _ := json.Marshal(get.Security)
	fmt.Println(get.OperationID, string(security))
	fmt.Println(slices.Sorted(maps.Keys(get.Responses)))
	fmt.Println(doc.Components.SecuritySchemes["OAuth2PasswordBearer"].Flows.Password.TokenURL)
	title, _ := json.Marshal(doc.Components.Schemas["Item"].Properties["title"])
	fmt.Println(string(title))

	health := doc.Paths["/health"].Get
	security, _ = json.Marshal(health.Security)
	fmt.Println(health.OperationID, string(security), slices.Sorted(maps.Keys(health.Responses)))
	// Output:
	// get_items_id [{"OAuth2PasswordBearer":["items:read"]}]
	// [200 401 403 404 422]
	// /token
	// {"type":"string","minLength":1,"maxLength":200}
	// get_health [] [204]
}
