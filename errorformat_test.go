package gatehouse_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
)

// TestFastAPIErrors: with the FastAPI format every error answer has
// FastAPI's shape, headers kept, and the document describes that shape.
func TestFastAPIErrors(t *testing.T) {
	t.Parallel()
	api := gatehouse.New(gatehouse.Options{Errors: gatehouse.FastAPIErrors()})
	api.Handle("GET /notes/{id}", dep.Handler2(auth.BearerToken("/token"), dep.Path[int64]("id"),
		func(context.Context, string, int64) (string, error) { return "note", nil }))
	tests := []struct {
		name, method, path, auth string
		status                   int
		body                     string
		header, want             string
	}{
		{"422", "GET", "/notes/x", "Bearer t", 422, `{"detail":[{"loc":["path","id"],"msg":"must be a valid int64","type":"value_error"}]}`, "", ""},
		{"401", "GET", "/notes/1", "", 401, `{"detail":"Not authenticated"}`, "WWW-Authenticate", "Bearer"},
		{"404 route", "GET", "/nowhere", "", 404, `{"detail":"Not Found"}`, "", ""},
		{"405", "POST", "/notes/1", "", 405, `{"detail":"Method Not Allowed"}`, "Allow", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, r)
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, rec.Code, rec.Body, tt.status, tt.body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if tt.header != "" && rec.Header().Get(tt.header) != tt.want {
				t.Errorf("%s = %q, want %q", tt.header, rec.Header().Get(tt.header), tt.want)
			}
		})
	}

	doc, err := openapi.Build(api, openapi.Info{Title: "t", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	op := d.Paths["/notes/{id}"]["get"]
	for status, want := range map[string]string{"422": "FastAPIValidationError", "401": "FastAPIError", "404": "FastAPIError"} {
		got := op.Responses[status].Content["application/json"].Schema.Ref
		if !strings.HasSuffix(got, "/"+want) {
			t.Errorf("documented %s body = %q, want a $ref to %s", status, got, want)
		}
	}
}
