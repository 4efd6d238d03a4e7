package gatehouse_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/openapi"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// article is the body of the issue: what openapi documents of it
// (required title and body, title at most 10 characters), dep.JSON must
// enforce.
type article struct {
	Title string `json:"title" openapi:"maxLength=10"`
	Body  string
}

func articleAPI(limit int64) *gatehouse.API {
	api := gatehouse.New(gatehouse.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BodyLimit: limit})
	api.Handle("POST /articles", dep.Handler(dep.JSON[article](), func(_ context.Context, a article) (article, error) {
		return a, nil
	}), gatehouse.Public("test"))
	return api
}

func postJSON(api *gatehouse.API, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/articles", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, r)
	return rec
}

func locations(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	var p problem.Details
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem %s: %v", rec.Body, err)
	}
	var locs []string
	for _, e := range p.Errors {
		if e.Message == "" {
			t.Errorf("error at %s has no message", e.Location)
		}
		locs = append(locs, e.Location)
	}
	slices.Sort(locs)
	return locs
}

// TestJSONEnforcesDocument is the acceptance: each body that
// breaks a rule the document states is 422 naming the field.
func TestJSONEnforcesDocument(t *testing.T) {
	t.Parallel()
	api := articleAPI(0)
	doc, err := openapi.Build(api, openapi.Info{})
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas["Article"]
	if s == nil || !slices.Equal(s.Required, []string{"title", "Body"}) || s.Properties["title"].MaxLength == nil || *s.Properties["title"].MaxLength != 10 {
		t.Fatalf("documented schema = %+v, want title and Body required, title maxLength 10", s)
	}
	tests := []struct {
		name, body string
		want       []string
	}{
		{"title missing", `{"Body":"b"}`, []string{"body.title"}},
		{"body missing", `{"title":"t"}`, []string{"body.Body"}},
		{"title too long", `{"title":"12345678901","Body":"b"}`, []string{"body.title"}},
		{"all broken", `{"title":"12345678901"}`, []string{"body.Body", "body.title"}},
		{"empty object", `{}`, []string{"body.Body", "body.title"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := postJSON(api, tt.body)
			if rec.Code != 422 {
				t.Fatalf("POST %s = %d, want 422 (%s)", tt.body, rec.Code, rec.Body)
			}
			if got := locations(t, rec); !slices.Equal(got, tt.want) {
				t.Fatalf("POST %s: locations = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
	if rec := postJSON(api, `{"title":"1234567890","Body":""}`); rec.Code != 200 {
		t.Fatalf("a valid body (title of 10 characters, empty Body present) = %d, want 200 (%s)", rec.Code, rec.Body)
	}
	if rec := postJSON(api, `{"title":"éééééééééé","Body":"b"}`); rec.Code != 200 {
		t.Fatalf("a title of 10 two-byte characters = %d, want 200: length is in characters (%s)", rec.Code, rec.Body)
	}
}

// TestJSONBodyLimit checks that dep.JSON reads up to the API's
// Options.BodyLimit, no more and no less, and that the document says so.
func TestJSONBodyLimit(t *testing.T) {
	t.Parallel()
	body := func(n int) string { // a valid article of about n bytes
		return `{"title":"t","Body":"` + strings.Repeat("x", n) + `"}`
	}
	tests := []struct {
		name      string
		limit     int64
		size      int
		wantCode  int
		wantLimit string
	}{
		{"2 MiB limit takes 1.5 MiB", 2 << 20, 3 << 19, 200, "2097152"},
		{"64 KiB limit refuses 100 KiB", 64 << 10, 100 << 10, 413, "65536"},
		{"default limit refuses 1.5 MiB", 0, 3 << 19, 413, "1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := articleAPI(tt.limit)
			rec := postJSON(api, body(tt.size))
			if rec.Code != tt.wantCode {
				t.Fatalf("POST %d bytes with limit %d = %d, want %d (%.200s)", tt.size, tt.limit, rec.Code, tt.wantCode, rec.Body)
			}
			if tt.wantCode == 413 && !strings.Contains(rec.Body.String(), tt.wantLimit) {
				t.Errorf("413 body = %s, want it to name the limit %s", rec.Body, tt.wantLimit)
			}
			doc, err := openapi.Build(api, openapi.Info{})
			if err != nil {
				t.Fatal(err)
			}
			op := doc.Paths["/articles"].Post
			if r := op.Responses["413"]; r == nil || !strings.Contains(r.Description, tt.wantLimit) {
				t.Errorf("documented 413 = %+v, want it to name the limit %s", r, tt.wantLimit)
			}
		})
	}
}
