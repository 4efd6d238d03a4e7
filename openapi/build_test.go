package openapi_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
)

// member is a test user type.
type member struct {
	ID     int64
	Active bool
	Role   string
}

func (m member) IsActive() bool           { return m.Active }
func (m member) HasRole(role string) bool { return m.Role == role }
func (m member) Subject() int64           { return m.ID }

type principal = auth.Principal[member]

type note struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

type noteInput struct {
	Title string  `json:"title" openapi:"minLength=1,maxLength=200"`
	Body  *string `json:"body"`
}

// handlers of every shape the tests need; they never run.
func show[A any](context.Context, A) (note, error)                { return note{}, nil }
func show2[A, B any](context.Context, A, B) (note, error)         { return note{}, nil }
func gone[A, B any](context.Context, A, B) (dep.NoContent, error) { return dep.NoContent{}, nil }
func made[A, B any](context.Context, A, B) (dep.Created[note], error) {
	return dep.Created[note]{}, nil
}

// graphs returns an authenticator's dependencies; Build only reads them.
func graphs() *auth.Authenticator[member] {
	key, err := auth.HS256Key("k", []byte("openapi-test-secret-of-32-bytes!!"))
	if err != nil {
		panic(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "test", Audience: "test"}, key)
	if err != nil {
		panic(err)
	}
	return auth.MustNewAuthenticator(auth.Config[member]{Keyring: kr, Sessions: nowhere{}, APIKeys: nowhere{}, WebSessions: nowhere{}})
}

// nowhere is a store of every kind that knows no credential.
type nowhere struct{}

func (nowhere) FindSession(context.Context, string, string) (member, error) {
	return member{}, auth.ErrUnknown
}
func (nowhere) FindAPIKey(context.Context, string) (auth.StoredKey[member], error) {
	return auth.StoredKey[member]{}, auth.ErrUnknown
}
func (nowhere) APIKeyUsed(context.Context, auth.StoredKey[member], time.Time) {}
func (nowhere) FindWebSession(context.Context, string) (auth.WebSession[member], error) {
	return auth.WebSession[member]{}, auth.ErrUnknown
}

func build(t *testing.T, register func(api *gatehouse.API)) *openapi.Document {
	t.Helper()
	api := gatehouse.New(gatehouse.Options{})
	register(api)
	doc, err := openapi.Build(api, openapi.Info{Title: "test", Version: "1", Scopes: map[string]string{"read": "Read things"}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return doc
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSecurityFromGraph holds the rules of issue #3: AnyOf → alternatives,
// RequireScopes → scopes on every alternative, Optional → {}, Public → [],
// and the error answers listed only where the graph can give them.
func TestSecurityFromGraph(t *testing.T) {
	a := graphs()
	either := auth.AnyOf(a.Bearer(), a.APIKey())
	active := auth.ActiveUser(either)
	id := dep.Path[int64]("id")
	tests := []struct {
		name          string
		pattern       string
		h             *dep.Endpoint
		opts          []gatehouse.Option
		wantSecurity  string
		wantResponses []string
	}{
		{"public", "GET /p", dep.Handler(dep.None, show), []gatehouse.Option{gatehouse.Public("why")},
			`[]`, []string{"200"}},
		{"bearer", "GET /b", dep.Handler(a.Bearer(), show), nil,
			`[{"OAuth2PasswordBearer":[]}]`, []string{"200", "401"}},
		{"API key: a bad key is 403", "GET /k", dep.Handler(a.APIKey(), show), nil,
			`[{"APIKeyHeader":[]}]`, []string{"200", "401", "403"}},
		{"AnyOf with scopes", "GET /s", dep.Handler(auth.RequireScopes(active, "read"), show), nil,
			`[{"OAuth2PasswordBearer":["read"]},{"APIKeyHeader":["read"]}]`, []string{"200", "400", "401", "403"}},
		{"Optional", "GET /o", dep.Handler(auth.Optional(a.Bearer()), show), nil,
			`[{"OAuth2PasswordBearer":[]},{}]`, []string{"200", "401"}},
		{"admin", "GET /a", dep.Handler(auth.RequireAdmin(auth.ActiveUser(a.Bearer())), show), nil,
			`[{"OAuth2PasswordBearer":[]}]`, []string{"200", "400", "401", "403"}},
		{"path parameter", "DELETE /n/{id}", dep.Handler2(a.Bearer(), id, gone), nil,
			`[{"OAuth2PasswordBearer":[]}]`, []string{"204", "401", "404", "422"}},
		{"JSON body", "POST /n", dep.Handler2(a.Bearer(), dep.JSON[noteInput](), made), nil,
			`[{"OAuth2PasswordBearer":[]}]`, []string{"201", "401", "413", "415", "422"}},
		{"query parameter", "GET /q", dep.Handler2(dep.QueryRange("limit", 5, 1, 9), a.Bearer(), show2), nil,
			`[{"OAuth2PasswordBearer":[]}]`, []string{"200", "401", "422"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := build(t, func(api *gatehouse.API) { api.Handle(tt.pattern, tt.h, tt.opts...) })
			method, path, _ := strings.Cut(tt.pattern, " ")
			op := doc.Paths[path].Operations()[method]
			if op == nil {
				t.Fatalf("no operation %s", tt.pattern)
			}
			if got := jsonString(t, op.Security); got != tt.wantSecurity {
				t.Errorf("security = %s, want %s", got, tt.wantSecurity)
			}
			if got := slices.Sorted(maps.Keys(op.Responses)); !slices.Equal(got, tt.wantResponses) {
				t.Errorf("responses = %v, want %v", got, tt.wantResponses)
			}
		})
	}
}

func TestSecuritySchemes(t *testing.T) {
	a := graphs()
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("GET /x", dep.Handler(auth.RequireScopes(auth.AnyOf(a.Bearer(), a.APIKeyQuery()), "read", "extra"), show))
		api.Handle("GET /y", dep.Handler(dep.None, show), gatehouse.Public("why"))
	})
	got := jsonString(t, doc.Components.SecuritySchemes)
	want := `{"APIKeyQuery":{"type":"apiKey","description":"An API key in the api_key query parameter.","name":"api_key","in":"query"},` +
		`"OAuth2PasswordBearer":{"type":"oauth2","description":"A bearer access token from the OAuth2 password grant at /auth/login.",` +
		`"flows":{"password":{"tokenUrl":"/auth/login","scopes":{"extra":"","read":"Read things"}}}}}`
	if got != want {
		t.Errorf("securitySchemes =\n%s\nwant\n%s", got, want)
	}
	if _, ok := doc.Components.SecuritySchemes["APIKeyHeader"]; ok {
		t.Error("APIKeyHeader is defined although no route accepts it")
	}
}

func TestNoSchemesWithoutCredentials(t *testing.T) {
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("GET /y", dep.Handler(dep.None, show), gatehouse.Public("why"))
	})
	if doc.Components.SecuritySchemes != nil {
		t.Errorf("securitySchemes = %v, want none", doc.Components.SecuritySchemes)
	}
}

func TestOperation(t *testing.T) {
	a := graphs()
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("PATCH /notes/{id}", dep.Handler3(auth.OwnerOf[int64](a.Bearer()), dep.Path[int64]("id"), dep.JSON[noteInput](),
			func(context.Context, auth.Owner[int64], int64, noteInput) (note, error) { return note{}, nil }),
			gatehouse.Summary("Change a note"), gatehouse.Description("Only the given fields change."),
			gatehouse.Tags("notes"), gatehouse.OperationID("patchNote"))
		api.Handle("GET /files/{path...}", dep.Handler(a.Bearer(), show), gatehouse.Tags("files"))
		api.Handle("GET /{$}", dep.Handler(dep.None, show), gatehouse.Public("home"))
	})
	op := doc.Paths["/notes/{id}"].Patch
	if op.OperationID != "patchNote" || op.Summary != "Change a note" || !slices.Equal(op.Tags, []string{"notes"}) {
		t.Errorf("operation = %q %q %v, want the route's options", op.OperationID, op.Summary, op.Tags)
	}
	if want := "Only the given fields change.\n\n**Access:** sees only the caller's own data."; op.Description != want {
		t.Errorf("description = %q, want %q", op.Description, want)
	}
	if got, want := jsonString(t, op.Parameters), `[{"name":"id","in":"path","required":true,"schema":{"type":"integer","format":"int64"}}]`; got != want {
		t.Errorf("parameters = %s, want %s", got, want)
	}
	if got, want := jsonString(t, op.RequestBody), `{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/NoteInput"}}}}`; got != want {
		t.Errorf("requestBody = %s, want %s", got, want)
	}
	if got, want := jsonString(t, doc.Components.Schemas["NoteInput"]),
		`{"type":"object","properties":{"body":{"type":["string","null"]},"title":{"type":"string","minLength":1,"maxLength":200}},"required":["title"],"additionalProperties":false}`; got != want {
		t.Errorf("NoteInput = %s, want %s", got, want)
	}
	if got, want := jsonString(t, doc.Components.Schemas["Note"]),
		`{"type":"object","properties":{"id":{"type":"integer","format":"int64"},"title":{"type":"string"}},"required":["id","title"]}`; got != want {
		t.Errorf("Note (a response: unknown fields not refused) = %s, want %s", got, want)
	}
	files := doc.Paths["/files/{path}"]
	if files == nil || files.Get.OperationID != "get_files_path" {
		t.Fatalf("paths = %v, want /files/{path} with get_files_path", slices.Sorted(maps.Keys(doc.Paths)))
	}
	if got, want := jsonString(t, files.Get.Parameters), `[{"name":"path","in":"path","required":true,"schema":{"type":"string"}}]`; got != want {
		t.Errorf("a wildcard no dependency reads: parameters = %s, want %s", got, want)
	}
	if home := doc.Paths["/"]; home == nil || home.Get.OperationID != "get_root" {
		t.Errorf("GET /{$}: want path / with operationId get_root")
	}
}

func TestBuildRefuses(t *testing.T) {
	a := graphs()
	tests := []struct {
		name     string
		register func(api *gatehouse.API)
		want     string
	}{
		{"path parameter not in the pattern", func(api *gatehouse.API) {
			api.Handle("GET /notes", dep.Handler2(a.Bearer(), dep.Path[int64]("id"), show2))
		}, `path parameter "id" is not in the pattern`},
		{"duplicate operationId", func(api *gatehouse.API) {
			api.Handle("GET /a", dep.Handler(a.Bearer(), show), gatehouse.OperationID("same"))
			api.Handle("GET /b", dep.Handler(a.Bearer(), show), gatehouse.OperationID("same"))
		}, `operationId "same" is taken by GET /a`},
		{"a result with no JSON form", func(api *gatehouse.API) {
			api.Handle("GET /f", dep.Handler(a.Bearer(), func(context.Context, principal) (func(), error) { return nil, nil }))
		}, "cannot be JSON"},
		{"a bad openapi tag", func(api *gatehouse.API) {
			type bad struct {
				N int `json:"n" openapi:"minimum=one"`
			}
			api.Handle("GET /t", dep.Handler(a.Bearer(), func(context.Context, principal) (bad, error) { return bad{}, nil }))
		}, `minimum="one" is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := gatehouse.New(gatehouse.Options{})
			tt.register(api)
			_, err := openapi.Build(api, openapi.Info{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestPlainHandlersAreLeftOut(t *testing.T) {
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("GET /raw", http.NotFoundHandler(), gatehouse.Public("static"))
	})
	if len(doc.Paths) != 0 {
		t.Errorf("paths = %v, want none", slices.Sorted(maps.Keys(doc.Paths)))
	}
}

func TestHandler(t *testing.T) {
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("GET /y", dep.Handler(dep.None, show), gatehouse.Public("why"))
	})
	h, err := openapi.Handler(doc)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET = %d %q, want 200 application/json", rec.Code, rec.Header().Get("Content-Type"))
	}
	var got openapi.Document
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.OpenAPI != openapi.Version || got.Paths["/y"].Get == nil {
		t.Errorf("served document = %s, want the built one", rec.Body.Bytes())
	}
	again := httptest.NewRequest("GET", "/openapi.json", nil)
	again.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, again)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET with If-None-Match = %d, want 304", rec.Code)
	}
}
