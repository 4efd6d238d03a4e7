package dep_test

import (
	"context"
	"errors"
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

// Derive computes a value from another dependency; Handler turns a
// business function into an http.Handler.
func ExampleDerive() {
	name := dep.New("name", func(r *http.Request) (string, error) { return r.URL.Query().Get("name"), nil })
	greeting := dep.Derive(name, func(_ context.Context, n string) (string, error) { return "Hello " + n, nil })
	h := dep.Handler(greeting, func(_ context.Context, g string) (string, error) { return g, nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=ada", nil))
	fmt.Print(rec.Body.String())
	// Output: "Hello ada"
}

// Path parses a {name} of the route's pattern; a bad value is a 422 that
// names it.
func ExamplePath() {
	mux := http.NewServeMux()
	mux.Handle("GET /notes/{id}", dep.Handler(dep.Path[int64]("id"), func(_ context.Context, id int64) (int64, error) { return id, nil }))
	for _, path := range []string{"/notes/42", "/notes/x"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 42
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"path.id: must be a valid int64","errors":[{"location":"path.id","message":"must be a valid int64"}]}
}

// QueryRange is a bounded integer query parameter with a default.
func ExampleQueryRange() {
	h := dep.Handler(dep.QueryRange("limit", 50, 1, 100), func(_ context.Context, n int) (int, error) { return n, nil })
	for _, target := range []string{"/", "/?limit=10", "/?limit=500"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		fmt.Println(rec.Code)
	}
	// Output:
	// 200
	// 200
	// 422
}

// Alternatives tries dependencies in order: the first whose input is
// present wins.
func ExampleAlternatives() {
	errNone := errors.New("none")
	header := func(name string) dep.Dep[string] {
		return dep.New(name, func(r *http.Request) (string, error) {
			if v := r.Header.Get(name); v != "" {
				return name, nil
			}
			return "", errNone
		})
	}
	either := dep.Alternatives(func(err error) bool { return errors.Is(err, errNone) },
		func([]error) error { return problem.NotAuthenticated() }, header("A"), header("B"))
	h := dep.Handler(either, func(_ context.Context, s string) (string, error) { return s, nil })
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("B", "1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Print(rec.Body.String())
	// Output: "B"
}

// Recover turns a dependency's failure into a value: an optional input.
func ExampleRecover() {
	token := dep.New("token", func(r *http.Request) (string, error) {
		if t := r.Header.Get("Token"); t != "" {
			return t, nil
		}
		return "", problem.NotAuthenticated()
	})
	who := dep.Recover(token, func(_ context.Context, t string, err error) (string, error) {
		if err != nil {
			return "anonymous", nil
		}
		return "user " + t, nil
	})
	h := dep.Handler(who, func(_ context.Context, s string) (string, error) { return s, nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Body.String())
	// Output: "anonymous"
}
