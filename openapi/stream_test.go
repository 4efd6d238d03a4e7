package openapi_test

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// TestStreamResponse: a dep.Stream route documents its success as its
// stream's content type, with the security of its graph like any route.
func TestStreamResponse(t *testing.T) {
	t.Parallel()
	a := graphs()
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("GET /events", dep.Stream(auth.RequireScopes(a.Bearer(), "read"), dep.StreamOptions{},
			func(context.Context, *dep.StreamWriter, principal) error { return nil }))
	})
	op := doc.Paths["/events"].Get
	ok := op.Responses["200"]
	if ok == nil {
		t.Fatalf("responses = %v, want a 200", op.Responses)
	}
	if _, has := ok.Content["text/event-stream"]; !has || len(ok.Content) != 1 {
		t.Errorf("200 content = %s, want text/event-stream only", jsonString(t, ok.Content))
	}
	if got, want := jsonString(t, op.Security), `[{"OAuth2PasswordBearer":["read"]}]`; got != want {
		t.Errorf("security = %s, want %s", got, want)
	}
	if op.Responses["401"] == nil {
		t.Errorf("responses = %v, want the 401 of the bearer credential", op.Responses)
	}
}
