package openapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
)

// notesService has handlers of the shapes an application registers:
// methods on a pointer receiver, with acronyms in their names.
type notesService struct{}

func (*notesService) getNote(context.Context, auth.Principal[member]) (note, error) {
	return note{}, nil
}

func (*notesService) listAPIKeys(context.Context, auth.Principal[member]) (note, error) {
	return note{}, nil
}

func readUserProfile(context.Context, auth.Principal[member]) (note, error) { return note{}, nil }

// TestSummaries: every operation has a summary, the route's own
// (gatehouse.Summary) or one derived from the handler's name as FastAPI
// does ("Read User Profile"), in sentence case; a function literal has no
// name to read, so its summary comes from the operationId.
func TestSummaries(t *testing.T) {
	a := graphs()
	s := &notesService{}
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("GET /notes/{id}", dep.Handler(a.Bearer(), s.getNote))
		api.Handle("GET /api-keys", dep.Handler(a.Bearer(), s.listAPIKeys))
		api.Handle("GET /profile", dep.Handler(a.Bearer(), readUserProfile))
		api.Handle("GET /generic", dep.Handler(a.Bearer(), show[principal]))
		api.Handle("GET /literal/things", dep.Handler(a.Bearer(), func(context.Context, principal) (note, error) { return note{}, nil }))
		api.Handle("GET /own", dep.Handler(a.Bearer(), s.getNote), gatehouse.Summary("Read one note"))
	})
	tests := []struct{ path, want string }{
		{"/notes/{id}", "Get note"},
		{"/api-keys", "List API keys"},
		{"/profile", "Read user profile"},
		{"/generic", "Show"},
		{"/literal/things", "Get literal things"},
		{"/own", "Read one note"},
	}
	for _, tt := range tests {
		item := doc.Paths[tt.path]
		if item == nil || item.Get == nil {
			t.Fatalf("no GET %s", tt.path)
		}
		if got := item.Get.Summary; got != tt.want {
			t.Errorf("GET %s: summary = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestDocumentInfo: servers, license and contact are written as given.
func TestDocumentInfo(t *testing.T) {
	api := gatehouse.New(gatehouse.Options{})
	api.Handle("GET /y", dep.Handler(dep.None, show), gatehouse.Public("why"))
	doc, err := openapi.Build(api, openapi.Info{
		Title: "t", Version: "1",
		License: &openapi.License{Name: "Apache 2.0", Identifier: "Apache-2.0"},
		Contact: &openapi.Contact{Name: "Team", URL: "https://example.com/support", Email: "team@example.com"},
		Servers: []openapi.Server{{URL: "/", Description: "This server"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	got := jsonString(t, map[string]any{"info": doc.Info, "servers": doc.Servers})
	want := `{"info":{"title":"t","version":"1","contact":{"name":"Team","url":"https://example.com/support","email":"team@example.com"},` +
		`"license":{"name":"Apache 2.0","identifier":"Apache-2.0"}},"servers":[{"url":"/","description":"This server"}]}`
	if got != want {
		t.Errorf("info and servers = %s\nwant %s", got, want)
	}
	if !strings.Contains(string(b), `"servers": [`) {
		t.Errorf("the document has no servers:\n%s", b)
	}
}

// TestExamples: a route's request and response examples go on the media
// types of its body and of its success answer, as OpenAPI 3.1 examples;
// the password form's example is written as the form is sent.
func TestExamples(t *testing.T) {
	a := graphs()
	body := "Milk, eggs"
	doc := build(t, func(api *gatehouse.API) {
		api.Handle("POST /notes", dep.Handler2(a.Bearer(), dep.JSON[noteInput](), made[principal, noteInput]),
			gatehouse.RequestExample(noteInput{Title: "Groceries", Body: &body}),
			gatehouse.ResponseExample(note{ID: 7, Title: "Groceries"}))
		api.Handle("GET /notes/{id}", dep.Handler2(a.Bearer(), dep.Path[int64]("id"), show2[principal, int64]),
			gatehouse.ResponseExample(note{ID: 7, Title: "Groceries"}))
		api.Handle("POST /login", dep.Handler(auth.PasswordForm(), show[auth.PasswordRequest]), gatehouse.Public("log-in"),
			gatehouse.RequestExample(auth.PasswordRequest{Username: "ada@example.com", Password: "correct horse battery staple", Scopes: []string{"read", "write"}}))
	})
	tests := []struct {
		name string
		got  any
		want string
	}{
		{"POST /notes request", doc.Paths["/notes"].Post.RequestBody.Content["application/json"].Examples,
			`{"example":{"value":{"title":"Groceries","body":"Milk, eggs"}}}`},
		{"POST /notes 201", doc.Paths["/notes"].Post.Responses["201"].Content["application/json"].Examples,
			`{"example":{"value":{"id":7,"title":"Groceries"}}}`},
		{"GET /notes/{id} 200", doc.Paths["/notes/{id}"].Get.Responses["200"].Content["application/json"].Examples,
			`{"example":{"value":{"id":7,"title":"Groceries"}}}`},
		{"GET /notes/{id} 404 has none", doc.Paths["/notes/{id}"].Get.Responses["404"].Content["application/problem+json"].Examples, `null`},
		{"POST /login form", doc.Paths["/login"].Post.RequestBody.Content["application/x-www-form-urlencoded"].Examples,
			`{"example":{"value":{"grant_type":"password","password":"correct horse battery staple","scope":"read write","username":"ada@example.com"}}}`},
	}
	for _, tt := range tests {
		if got := jsonString(t, tt.got); got != tt.want {
			t.Errorf("%s: examples = %s, want %s", tt.name, got, tt.want)
		}
	}
	// Swagger UI fills a form in from its fields' examples.
	form := doc.Paths["/login"].Post.RequestBody.Content["application/x-www-form-urlencoded"].Schema
	if got := jsonString(t, form.Properties["username"].Examples); got != `["ada@example.com"]` {
		t.Errorf("POST /login form: username examples = %s, want the example's", got)
	}
}

// TestExamplesRefused: an example of another type than the body or the
// result it shows, or one with nothing to show it on, fails Build.
func TestExamplesRefused(t *testing.T) {
	a := graphs()
	tests := []struct {
		name string
		h    *dep.Endpoint
		opt  gatehouse.Option
		want string
	}{
		{"request example of another type", dep.Handler2(a.Bearer(), dep.JSON[noteInput](), made[principal, noteInput]),
			gatehouse.RequestExample(note{}), "request example has type openapi_test.note, want openapi_test.noteInput"},
		{"request example without a body", dep.Handler(a.Bearer(), show[principal]),
			gatehouse.RequestExample(noteInput{}), "request example, but no request body"},
		{"response example of another type", dep.Handler(a.Bearer(), show[principal]),
			gatehouse.ResponseExample(noteInput{}), "response example has type openapi_test.noteInput, want openapi_test.note"},
		{"response example of a 204", dep.Handler2(a.Bearer(), dep.Path[int64]("id"), gone[principal, int64]),
			gatehouse.ResponseExample(note{}), "response example, but the answer has no JSON body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := gatehouse.New(gatehouse.Options{})
			api.Handle("POST /x/{id}", tt.h, tt.opt)
			_, err := openapi.Build(api, openapi.Info{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
