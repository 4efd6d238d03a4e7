package dep_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
)

type address struct {
	City string `json:"city" openapi:"minLength=1"`
	Zip  string `json:"zip,omitempty" openapi:"pattern=^[0-9]{5}$"`
}

type profile struct {
	Name    string            `json:"name" openapi:"minLength=2,maxLength=5"`
	Bio     string            `json:"bio,omitempty" openapi:"maxBytes=6"`
	Kind    string            `json:"kind" openapi:"enum=a|b"`
	Tags    []string          `json:"tags" openapi:"minItems=1,maxItems=2"`
	Age     int               `json:"age" openapi:"minimum=18,maximum=130"`
	Nick    *string           `json:"nick"`
	Home    address           `json:"home"`
	Past    []address         `json:"past,omitempty"`
	Labels  map[string]string `json:"labels" openapi:"optional"`
	Extra   any               `json:"extra,omitempty"`
	Ratio   float64           `json:"ratio,omitzero" openapi:"minimum=0,maximum=1"`
	Skipped string            `json:"-"`
}

const validProfile = `{"name":"ann","kind":"a","tags":["x"],"age":30,"nick":null,"home":{"city":"Oslo"}}`

// edit returns validProfile with its closing brace replaced by extra.
func edit(extra string) string { return strings.TrimSuffix(validProfile, "}") + extra + "}" }

func TestJSONRules(t *testing.T) {
	t.Parallel()
	h := dep.Handler(dep.JSON[profile](), func(_ context.Context, p profile) (profile, error) { return p, nil })
	tests := []struct {
		name string
		body string
		want []string // locations; nil: 200
	}{
		{"valid", validProfile, nil},
		{"valid with optional fields", edit(`,"bio":"ab","past":[{"city":"X","zip":"12345"}],"labels":{"k":"v"},"extra":{"a":[1]},"ratio":0.5`), nil},
		{"required string missing", `{"kind":"a","tags":["x"],"age":30,"nick":null,"home":{"city":"Oslo"}}`, []string{"body.name"}},
		{"required pointer is not required", `{"name":"ann","kind":"a","tags":["x"],"age":30,"home":{"city":"Oslo"}}`, nil},
		{"required nested missing", `{"name":"ann","kind":"a","tags":["x"],"age":30,"home":{}}`, []string{"body.home.city"}},
		{"required in array element", edit(`,"past":[{"city":"X"},{}]`), []string{"body.past.1.city"}},
		{"minLength", strings.Replace(validProfile, `"ann"`, `"a"`, 1), []string{"body.name"}},
		{"maxLength", strings.Replace(validProfile, `"ann"`, `"annie6"`, 1), []string{"body.name"}},
		{"length in characters", strings.Replace(validProfile, `"ann"`, `"ééééé"`, 1), nil},
		{"maxBytes", edit(`,"bio":"éééé"`), []string{"body.bio"}},
		{"enum", strings.Replace(validProfile, `"kind":"a"`, `"kind":"c"`, 1), []string{"body.kind"}},
		{"minItems", strings.Replace(validProfile, `["x"]`, `[]`, 1), []string{"body.tags"}},
		{"maxItems", strings.Replace(validProfile, `["x"]`, `["x","y","z"]`, 1), []string{"body.tags"}},
		{"minimum", strings.Replace(validProfile, `"age":30`, `"age":17`, 1), []string{"body.age"}},
		{"maximum", strings.Replace(validProfile, `"age":30`, `"age":131`, 1), []string{"body.age"}},
		{"float maximum", edit(`,"ratio":1.5`), []string{"body.ratio"}},
		{"pattern", edit(`,"past":[{"city":"X","zip":"1234"}]`), []string{"body.past.0.zip"}},
		{"unknown field", edit(`,"role":"admin"`), []string{"body.role"}},
		{"unknown nested field", strings.Replace(validProfile, `{"city":"Oslo"}`, `{"city":"Oslo","x":1}`, 1), []string{"body.home.x"}},
		{"field names are exact", strings.Replace(validProfile, `"name"`, `"NAME"`, 1), []string{"body.NAME", "body.name"}},
		{"wrong type", strings.Replace(validProfile, `"age":30`, `"age":"30"`, 1), []string{"body.age"}},
		{"fraction for an integer", strings.Replace(validProfile, `"age":30`, `"age":30.5`, 1), []string{"body.age"}},
		{"null for a string", strings.Replace(validProfile, `"ann"`, `null`, 1), []string{"body.name"}},
		{"wrong element type", strings.Replace(validProfile, `["x"]`, `["x",1]`, 1), []string{"body.tags.1"}},
		{"every broken rule reported", `{"name":"a","kind":"c","tags":[],"age":1,"home":{},"zzz":0}`,
			[]string{"body.age", "body.home.city", "body.kind", "body.name", "body.tags", "body.zzz"}},
		{"not an object", `[1]`, []string{"body"}},
		{"nested too deeply", edit(`,"extra":` + strings.Repeat("[", 150) + strings.Repeat("]", 150)), []string{"body"}},
		{"nested deep enough", edit(`,"extra":` + strings.Repeat("[", 90) + strings.Repeat("]", 90)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := postBody(t, h, tt.body)
			if tt.want == nil {
				if rec.Code != 200 {
					t.Fatalf("POST %s = %d, want 200 (%s)", tt.body, rec.Code, rec.Body)
				}
				return
			}
			if rec.Code != 422 {
				t.Fatalf("POST %s = %d, want 422 (%s)", tt.body, rec.Code, rec.Body)
			}
			if got := errorLocations(t, rec); !slices.Equal(got, tt.want) {
				t.Fatalf("POST %s: locations = %v, want %v (%s)", tt.body, got, tt.want, rec.Body)
			}
		})
	}
}

func TestJSONDuplicateKeys(t *testing.T) {
	t.Parallel()
	h := dep.Handler(dep.JSON[profile](), func(_ context.Context, p profile) (profile, error) { return p, nil })
	tests := []struct {
		name, body string
		want       string
	}{
		{"top level", edit(`,"name":"bob"`), "body.name"},
		{"top level, same value", edit(`,"kind":"a"`), "body.kind"},
		{"nested object", strings.Replace(validProfile, `{"city":"Oslo"}`, `{"city":"Oslo","city":"Rome"}`, 1), "body.home.city"},
		{"inside an array", edit(`,"past":[{"city":"X"},{"city":"Y","city":"Z"}]`), "body.past.1.city"},
		{"map field", edit(`,"labels":{"k":"v","k":"w"}`), "body.labels.k"},
		{"free-form value", edit(`,"extra":{"a":{"b":1,"b":2}}`), "body.extra.a.b"},
		{"free-form value in an array", edit(`,"extra":[{"a":1},{"a":1,"a":2}]`), "body.extra.1.a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := postBody(t, h, tt.body)
			if rec.Code != 422 {
				t.Fatalf("POST %s = %d, want 422 (%s)", tt.body, rec.Code, rec.Body)
			}
			if got := errorLocations(t, rec); !slices.Contains(got, tt.want) {
				t.Fatalf("POST %s: locations = %v, want %s among them", tt.body, got, tt.want)
			}
		})
	}
	// A map with many keys goes past the small linear set.
	var b strings.Builder
	for i := range 40 {
		b.WriteString(`,"k` + strings.Repeat("x", i) + `":"v"`)
	}
	if rec := postBody(t, h, edit(`,"labels":{`+b.String()[1:]+`}`)); rec.Code != 200 {
		t.Fatalf("40 distinct map keys = %d, want 200 (%s)", rec.Code, rec.Body)
	}
	if rec := postBody(t, h, edit(`,"labels":{`+b.String()[1:]+`,"kxxx":"w"}`)); rec.Code != 422 {
		t.Fatalf("a duplicate among 41 map keys = %d, want 422 (%s)", rec.Code, rec.Body)
	}
}

func postBody(t *testing.T, h *dep.Endpoint, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return serve(t, "POST /", h, req)
}

func errorLocations(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	p := decodeProblem(t, rec)
	var locs []string
	for _, e := range p.Errors {
		locs = append(locs, e.Location)
	}
	slices.Sort(locs)
	return locs
}

// FuzzJSONRules sends arbitrary bodies through the rule pass and the
// decoder: every answer is 200 or 422, never a panic or a 500.
func FuzzJSONRules(f *testing.F) {
	h := dep.Handler(dep.JSON[profile](), func(_ context.Context, p profile) (profile, error) { return p, nil })
	for _, s := range []string{validProfile, `{}`, `[]`, `{"a":{"a":[{"a":1,"a":2}]}}`, `{"extra":[[[[{}]]]]}`, `{"tags":null}`, `"x"`, `{"age":1e400}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 422 {
			t.Fatalf("POST %q = %d, want 200 or 422", body, rec.Code)
		}
	})
}
