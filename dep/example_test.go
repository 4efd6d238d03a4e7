package dep_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// A chain in the style of FastAPI: token → user → active user, and a
// handler that needs the active user and a path parameter.
func Example() {
	token := dep.New("token", func(r *http.Request) (string, error) {
		t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return "", problem.NotAuthenticated()
		}
		return t, nil
	})
	user := dep.Derive(token, func(_ context.Context, tok string) (string, error) {
		return strings.ToUpper(tok), nil // look the user up
	})
	id := dep.Path[int64]("id")
	h := dep.Handler2(user, id, func(_ context.Context, u string, id int64) (string, error) {
		return fmt.Sprintf("%s reads note %d", u, id), nil
	})

	mux := http.NewServeMux()
	mux.Handle("GET /notes/{id}", h)
	for _, auth := range []string{"Bearer ada", ""} {
		req := httptest.NewRequest("GET", "/notes/7", nil)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 "ADA reads note 7"
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"detail":"Not authenticated"}
}

// Open is FastAPI's dependency with yield: the release function sees the
// handler's error and runs before the response is written.
func ExampleOpen() {
	tx := dep.Open("tx", func(*http.Request) (string, func(error) error, error) {
		fmt.Println("begin")
		return "tx", func(err error) error {
			if err != nil {
				fmt.Println("rollback:", err)
				return nil
			}
			fmt.Println("commit")
			return nil
		}, nil
	})
	h := dep.Handler(tx, func(context.Context, string) (dep.NoContent, error) {
		fmt.Println("handler")
		return dep.NoContent{}, nil
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("DELETE", "/", nil))
	fmt.Println(rec.Code)
	// Output:
	// begin
	// handler
	// commit
	// 204
}

// JSON decodes a request body strictly: unknown fields are a 422 with the
// field's location.
func ExampleJSON() {
	type input struct {
		Title string `json:"title"`
	}
	h := dep.Handler(dep.JSON[input](), func(_ context.Context, in input) (dep.Created[input], error) {
		return dep.Created[input]{Body: in}, nil
	})
	for _, body := range []string{`{"title":"hi"}`, `{"title":"hi","owner_id":2}`} {
		req := httptest.NewRequest("POST", "/notes", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	fmt.Println()
	// Output:
	// 201 {"title":"hi"}
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"body.owner_id: unknown field","errors":[{"location":"body.owner_id","message":"unknown field"}]}
}

// Provide pre-resolves a dependency for one request: the way tests
// override dependencies.
func ExampleProvide() {
	user := dep.New("user", func(*http.Request) (string, error) { return "", problem.NotAuthenticated() })
	h := dep.Handler(user, func(_ context.Context, u string) (string, error) { return "Hello " + u, nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, dep.Provide(httptest.NewRequest("GET", "/", nil), user, "ada"))
	fmt.Print(rec.Body.String())
	// Output: "Hello ada"
}

// Middleware resolves a dependency in front of any handler; endpoints
// behind it reuse the value.
func ExampleMiddleware() {
	user := dep.New("user", func(r *http.Request) (string, error) {
		if u := r.Header.Get("X-User"); u != "" {
			return u, nil
		}
		return "", problem.NotAuthenticated()
	})
	h := dep.Middleware(user, nil)(dep.Handler(user, func(_ context.Context, u string) (string, error) { return u, nil }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code)
	// Output: 401
}
