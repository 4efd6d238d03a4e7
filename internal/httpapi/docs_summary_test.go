package httpapi_test

import (
	"maps"
	"slices"
	"testing"
)

// TestOpenAPISummariesAndExamples: what a new user's tools look for in
// notesd's document (the linter runs in TestOpenAPILint): a summary on
// every operation, none shared by two; servers; a licence and a contact;
// and examples of the main bodies (login, note, API key).
func TestOpenAPISummariesAndExamples(t *testing.T) {
	_, doc := servedDocument(t, newEnv(t))
	byMethod := map[string]string{} // summary → the operation that has it
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		ops := doc.Paths[path].Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			s := ops[method].Summary
			if s == "" {
				t.Errorf("%s %s: no summary", method, path)
				continue
			}
			if other, dup := byMethod[s]; dup {
				t.Errorf("%s %s and %s have one summary, %q", method, path, other, s)
			}
			byMethod[s] = method + " " + path
		}
	}
	if len(doc.Servers) == 0 || doc.Servers[0].URL != "/" {
		t.Errorf("servers = %+v, want the relative / first", doc.Servers)
	}
	if doc.Info.License == nil || doc.Info.License.Name == "" || doc.Info.Contact == nil || doc.Info.Contact.URL == "" {
		t.Errorf("info = %+v, want a licence and a contact", doc.Info)
	}

	tests := []struct {
		method, path, where, mediaType string
	}{
		{"POST", "/auth/login", "request", "application/x-www-form-urlencoded"},
		{"POST", "/auth/login", "200", "application/json"},
		{"POST", "/notes", "request", "application/json"},
		{"POST", "/notes", "201", "application/json"},
		{"GET", "/notes/{id}", "200", "application/json"},
		{"PATCH", "/notes/{id}", "200", "application/json"},
		{"POST", "/api-keys", "request", "application/json"},
		{"POST", "/api-keys", "201", "application/json"},
	}
	for _, tt := range tests {
		op := doc.Paths[tt.path].Operations()[tt.method]
		if op == nil {
			t.Fatalf("no operation %s %s", tt.method, tt.path)
		}
		var examples int
		if tt.where == "request" {
			if op.RequestBody != nil {
				examples = len(op.RequestBody.Content[tt.mediaType].Examples)
			}
		} else if r := op.Responses[tt.where]; r != nil {
			examples = len(r.Content[tt.mediaType].Examples)
		}
		if examples == 0 {
			t.Errorf("%s %s %s (%s): no example", tt.method, tt.path, tt.where, tt.mediaType)
		}
	}
}
