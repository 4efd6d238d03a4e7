package dep_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// serve runs h on a request made by newReq through a ServeMux with pattern,
// so path values are set as in production.
func serve(t *testing.T, pattern string, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) problem.Details {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type = %q, want %q (body %s)", ct, problem.ContentType, rec.Body)
	}
	var p problem.Details
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem %q: %v", rec.Body, err)
	}
	return p
}

func TestAtMostOncePerRequest(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	root := dep.New("root", func(r *http.Request) (int, error) {
		calls.Add(1)
		return 2, nil
	})
	left := dep.Derive(root, func(_ context.Context, n int) (int, error) { return n * 10, nil })
	right := dep.Derive(root, func(_ context.Context, n int) (int, error) { return n * 100, nil })
	h := dep.Handler3(left, right, root, func(_ context.Context, l, r, n int) (map[string]int, error) {
		return map[string]int{"sum": l + r + n}, nil
	})
	for i := range 3 {
		rec := serve(t, "GET /", h, httptest.NewRequest("GET", "/", nil))
		if got, want := strings.TrimSpace(rec.Body.String()), `{"sum":222}`; got != want {
			t.Fatalf("body = %s, want %s", got, want)
		}
		if got := calls.Load(); got != int32(i+1) {
			t.Fatalf("after %d requests root ran %d times, want %d", i+1, got, i+1)
		}
	}
}

func TestErrorStopsChain(t *testing.T) {
	t.Parallel()
	var handlerRan bool
	fail := dep.New("fail", func(*http.Request) (string, error) { return "", problem.InactiveUser() })
	h := dep.Handler(dep.Derive(fail, func(_ context.Context, s string) (string, error) {
		t.Error("derive ran after its input failed")
		return s, nil
	}), func(context.Context, string) (string, error) {
		handlerRan = true
		return "", nil
	})
	rec := serve(t, "GET /", h, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 400 || handlerRan {
		t.Fatalf("status = %d, handler ran = %v; want 400, false", rec.Code, handlerRan)
	}
	if p := decodeProblem(t, rec); p.Detail != "Inactive user" {
		t.Fatalf("detail = %q, want %q", p.Detail, "Inactive user")
	}
}

func TestUnknownErrorIsGeneric500(t *testing.T) {
	t.Parallel()
	h := dep.Handler(dep.None, func(context.Context, struct{}) (string, error) {
		return "", errors.New("pq: relation users: password=hunter2")
	})
	rec := serve(t, "GET /", h, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "hunter2") {
		t.Fatalf("got %d %s, want a generic 500", rec.Code, rec.Body)
	}
}

// recorder logs the order of events of one request.
type recorder struct{ events []string }

func (r *recorder) add(e string) { r.events = append(r.events, e) }

// statusWriter notes when the status line is written.
type statusWriter struct {
	http.ResponseWriter
	log *recorder
}

func (w statusWriter) WriteHeader(code int) {
	w.log.add("write")
	w.ResponseWriter.WriteHeader(code)
}

func TestOpenReleasesLIFOBeforeResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handlerErr error
		releaseErr error
		wantCode   int
		wantEvents []string
	}{
		{"success commits", nil, nil, 200, []string{"open a", "open b", "handler", "release b <nil>", "release a <nil>", "write"}},
		{"handler error rolls back", problem.NotFound("Note"), nil, 404, []string{"open a", "open b", "handler", "release b 404 Not Found: Note not found", "release a 404 Not Found: Note not found", "write"}},
		{"failed commit is a 500", nil, errors.New("commit failed"), 500, []string{"open a", "open b", "handler", "release b <nil>", "release a <nil>", "write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log := &recorder{}
			open := func(name string, releaseErr error) dep.Dep[string] {
				return dep.Open(name, func(*http.Request) (string, func(error) error, error) {
					log.add("open " + name)
					return name, func(err error) error {
						log.add("release " + name + " " + errString(err))
						return releaseErr
					}, nil
				})
			}
			h := dep.Handler2(open("a", tt.releaseErr), open("b", nil), func(_ context.Context, a, b string) (string, error) {
				log.add("handler")
				return a + b, tt.handlerErr
			})
			rec := httptest.NewRecorder()
			h.ServeHTTP(statusWriter{rec, log}, httptest.NewRequest("GET", "/", nil))
			if rec.Code != tt.wantCode {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantCode)
			}
			if !slices.Equal(log.events, tt.wantEvents) {
				t.Errorf("events = %q, want %q", log.events, tt.wantEvents)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestOpenReleasedWhenLaterDependencyFails(t *testing.T) {
	t.Parallel()
	var released error
	opened := dep.Open("tx", func(*http.Request) (int, func(error) error, error) {
		return 1, func(err error) error { released = err; return nil }, nil
	})
	fail := dep.New("fail", func(*http.Request) (int, error) { return 0, problem.InvalidAPIKey() })
	h := dep.Handler2(opened, fail, func(context.Context, int, int) (int, error) { return 0, nil })
	rec := serve(t, "GET /", h, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 403 {
		t.Fatalf("status = %d, want 403", rec.Code)
	}
	var p *problem.Details
	if !errors.As(released, &p) || p.Status != 403 {
		t.Fatalf("release got %v, want the 403 problem", released)
	}
}

func TestPanicReleasesAndRepanics(t *testing.T) {
	t.Parallel()
	var released error
	opened := dep.Open("tx", func(*http.Request) (int, func(error) error, error) {
		return 1, func(err error) error { released = err; return nil }, nil
	})
	h := dep.Handler(opened, func(context.Context, int) (int, error) { panic("boom") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	if released == nil {
		t.Fatal("release did not run after a panic")
	}
}

func TestResults(t *testing.T) {
	t.Parallel()
	type note struct {
		ID int64 `json:"id"`
	}
	tests := []struct {
		name     string
		h        http.Handler
		wantCode int
		wantBody string
	}{
		{"plain value is 200", dep.Handler(dep.None, func(context.Context, struct{}) (note, error) { return note{1}, nil }), 200, `{"id":1}`},
		{"created is 201", dep.Handler(dep.None, func(context.Context, struct{}) (dep.Created[note], error) {
			return dep.Created[note]{Body: note{2}}, nil
		}), 201, `{"id":2}`},
		{"no content is 204", dep.Handler(dep.None, func(context.Context, struct{}) (dep.NoContent, error) { return dep.NoContent{}, nil }), 204, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, "GET /", tt.h, httptest.NewRequest("GET", "/", nil))
			if rec.Code != tt.wantCode || strings.TrimSpace(rec.Body.String()) != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

func TestAlternatives(t *testing.T) {
	t.Parallel()
	errMissing := errors.New("missing")
	header := func(name string) dep.Dep[string] {
		return dep.New(name, func(r *http.Request) (string, error) {
			switch v := r.Header.Get(name); v {
			case "":
				return "", errMissing
			case "bad":
				return "", problem.InvalidAPIKey()
			default:
				return name + "=" + v, nil
			}
		})
	}
	var secondRan atomic.Int32
	second := dep.Derive(header("B"), func(_ context.Context, s string) (string, error) {
		secondRan.Add(1)
		return s, nil
	})
	either := dep.Alternatives(func(err error) bool { return errors.Is(err, errMissing) },
		func([]error) error { return problem.NotAuthenticated() }, header("A"), second)
	h := dep.Handler(either, func(_ context.Context, s string) (string, error) { return s, nil })

	tests := []struct {
		name       string
		headers    map[string]string
		wantCode   int
		wantBody   string
		wantSecond int32
	}{
		{"first wins, second never runs", map[string]string{"A": "1", "B": "2"}, 200, `"A=1"`, 0},
		{"second when first missing", map[string]string{"B": "2"}, 200, `"B=2"`, 1},
		{"invalid first does not fall through", map[string]string{"A": "bad", "B": "2"}, 403, "", 0},
		{"none: combined error", nil, 401, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secondRan.Store(0)
			req := httptest.NewRequest("GET", "/", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := serve(t, "GET /", h, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.wantCode, rec.Body)
			}
			if tt.wantBody != "" && strings.TrimSpace(rec.Body.String()) != tt.wantBody {
				t.Fatalf("body = %s, want %s", rec.Body, tt.wantBody)
			}
			if got := secondRan.Load(); got != tt.wantSecond {
				t.Fatalf("second alternative ran %d times, want %d", got, tt.wantSecond)
			}
		})
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	fail := dep.New("fail", func(*http.Request) (int, error) { return 0, errors.New("nope") })
	opt := dep.Recover(fail, func(_ context.Context, n int, err error) (string, error) {
		if err != nil {
			return "anonymous", nil
		}
		return "user", nil
	})
	rec := serve(t, "GET /", dep.Handler(opt, func(_ context.Context, s string) (string, error) { return s, nil }), httptest.NewRequest("GET", "/", nil))
	if got := strings.TrimSpace(rec.Body.String()); got != `"anonymous"` {
		t.Fatalf("body = %s, want \"anonymous\"", got)
	}
}

func TestProvideOverrides(t *testing.T) {
	t.Parallel()
	user := dep.New("user", func(*http.Request) (string, error) { return "", problem.NotAuthenticated() })
	greeting := dep.Derive(user, func(_ context.Context, u string) (string, error) { return "Hello " + u, nil })
	h := dep.Handler(greeting, func(_ context.Context, g string) (string, error) { return g, nil })

	rec := serve(t, "GET /", h, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 401 {
		t.Fatalf("without override: status = %d, want 401", rec.Code)
	}
	req := dep.Provide(httptest.NewRequest("GET", "/", nil), user, "ada")
	rec = serve(t, "GET /", h, req)
	if got := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || got != `"Hello ada"` {
		t.Fatalf("with override: %d %s, want 200 \"Hello ada\"", rec.Code, got)
	}
}

func TestMiddlewareSharesValues(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	user := dep.New("user", func(r *http.Request) (string, error) {
		calls.Add(1)
		if r.Header.Get("User") == "" {
			return "", problem.NotAuthenticated()
		}
		return r.Header.Get("User"), nil
	})
	h := dep.Handler(user, func(_ context.Context, u string) (string, error) { return u, nil })
	mw := dep.Middleware(user, nil)(h)

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("User", "ada")
	rec := serve(t, "GET /", mw, req)
	if rec.Code != 200 || calls.Load() != 1 {
		t.Fatalf("got %d, user ran %d times; want 200, once", rec.Code, calls.Load())
	}
	rec = serve(t, "GET /", mw, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != "Bearer" {
		t.Fatalf("no user: got %d %v, want 401 with challenge", rec.Code, rec.Header())
	}
}

func TestGraph(t *testing.T) {
	t.Parallel()
	token := dep.New("token", func(*http.Request) (string, error) { return "", nil }).Describe("bearer", "credential")
	user := dep.Derive(token, func(_ context.Context, s string) (string, error) { return s, nil }).Describe("user", nil)
	id := dep.Path[int64]("id")
	h := dep.Handler2(user, id, func(context.Context, string, int64) (string, error) { return "", nil })

	var names []string
	dep.Walk(h.Inputs(), func(n dep.Node) bool { names = append(names, n.Name()); return true })
	if want := []string{"user", "bearer", "path.id"}; !slices.Equal(names, want) {
		t.Fatalf("Walk = %q, want %q", names, want)
	}
	p, ok := id.Node().Meta().(dep.Param)
	if !ok || p.In != "path" || p.Name != "id" || !p.Required {
		t.Fatalf("Path meta = %#v, want a required path param", id.Node().Meta())
	}
	if got := token.Node().Meta(); got != "credential" {
		t.Fatalf("Describe meta = %v, want credential", got)
	}
}
