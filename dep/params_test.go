package dep_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

func TestPathAndQuery(t *testing.T) {
	t.Parallel()
	id := dep.Path[int64]("id")
	limit := dep.QueryRange("limit", 50, 1, 100)
	h := dep.Handler2(id, limit, func(_ context.Context, id int64, limit int) (map[string]int64, error) {
		return map[string]int64{"id": id, "limit": int64(limit)}, nil
	})
	tests := []struct {
		name     string
		url      string
		wantCode int
		wantBody string
		wantLoc  string
	}{
		{"defaults", "/notes/7", 200, `{"id":7,"limit":50}`, ""},
		{"query given", "/notes/7?limit=100", 200, `{"id":7,"limit":100}`, ""},
		{"path not a number", "/notes/abc", 422, "", "path.id"},
		{"path overflow", "/notes/99999999999999999999", 422, "", "path.id"},
		{"limit too small", "/notes/7?limit=0", 422, "", "query.limit"},
		{"limit too large", "/notes/7?limit=101", 422, "", "query.limit"},
		{"limit not a number", "/notes/7?limit=ten", 422, "", "query.limit"},
		{"limit twice", "/notes/7?limit=1&limit=2", 422, "", "query.limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, "GET /notes/{id}", h, httptest.NewRequest("GET", tt.url, nil))
			if rec.Code != tt.wantCode {
				t.Fatalf("GET %s = %d, want %d (%s)", tt.url, rec.Code, tt.wantCode, rec.Body)
			}
			if tt.wantLoc == "" {
				if got := strings.TrimSpace(rec.Body.String()); got != tt.wantBody {
					t.Fatalf("body = %s, want %s", got, tt.wantBody)
				}
				return
			}
			p := decodeProblem(t, rec)
			if len(p.Errors) != 1 || p.Errors[0].Location != tt.wantLoc {
				t.Fatalf("errors = %+v, want one at %s", p.Errors, tt.wantLoc)
			}
		})
	}
}

type signup struct {
	Email string `json:"email"`
	Age   int    `json:"age,omitempty"`
}

func (s *signup) Validate() error {
	if !strings.Contains(s.Email, "@") {
		return problem.Invalid("body.email", "must be an e-mail address")
	}
	return nil
}

func TestJSON(t *testing.T) {
	t.Parallel()
	h := dep.Handler(dep.JSON[signup](), func(_ context.Context, s signup) (signup, error) { return s, nil })
	big := `{"email":"a@b.c","age":1,"pad":"` + strings.Repeat("x", dep.DefaultBodyLimit) + `"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		wantCode    int
		wantLoc     string
	}{
		{"valid", "application/json", `{"email":"a@b.c","age":3}`, 200, ""},
		{"charset allowed", "application/json; charset=utf-8", `{"email":"a@b.c"}`, 200, ""},
		{"wrong content type", "text/plain", `{"email":"a@b.c"}`, 415, ""},
		{"no content type", "", `{"email":"a@b.c"}`, 415, ""},
		{"unknown field", "application/json", `{"email":"a@b.c","role":"admin"}`, 422, "body.role"},
		{"wrong type", "application/json", `{"email":"a@b.c","age":"x"}`, 422, "body.age"},
		{"malformed", "application/json", `{"email":`, 422, "body"},
		{"empty", "application/json", ``, 422, "body"},
		{"trailing data", "application/json", `{"email":"a@b.c"} {}`, 422, "body"},
		{"validate fails", "application/json", `{"email":"nope"}`, 422, "body.email"},
		{"too large", "application/json", big, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := serve(t, "POST /", h, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.wantCode, rec.Body)
			}
			if tt.wantCode == 200 {
				return
			}
			p := decodeProblem(t, rec)
			if p.Status != tt.wantCode {
				t.Fatalf("problem status = %d, want %d", p.Status, tt.wantCode)
			}
			if tt.wantLoc != "" && (len(p.Errors) != 1 || p.Errors[0].Location != tt.wantLoc) {
				t.Fatalf("errors = %+v, want one at %s", p.Errors, tt.wantLoc)
			}
		})
	}
}

func FuzzPathInt(f *testing.F) {
	h := dep.Handler(dep.Path[int64]("id"), func(_ context.Context, id int64) (int64, error) { return id, nil })
	for _, s := range []string{"1", "-1", "0x10", "9223372036854775808", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		req := httptest.NewRequest("GET", "/x", nil)
		req.SetPathValue("id", s)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 422 {
			t.Fatalf("Path(%q) = %d, want 200 or 422", s, rec.Code)
		}
	})
}
