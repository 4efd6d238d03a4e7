package openapi

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
)

type (
	embeddedPart struct {
		Shared string `json:"shared"`
		Inner  int    `json:"inner"`
	}
	outer struct {
		embeddedPart
		Shared  bool              `json:"shared"` // the outer field wins
		Skipped string            `json:"-"`
		NoTag   string            // named as the Go field
		Count   int64             `json:"count,string"`
		When    time.Time         `json:"when"`
		Maybe   *time.Time        `json:"maybe"`
		Tags    []string          `json:"tags,omitempty"`
		Labels  map[string]int32  `json:"labels"`
		Raw     []byte            `json:"raw"`
		Any     any               `json:"any"`
		Ratio   float64           `json:"ratio"`
		Small   uint8             `json:"small"`
		Child   *tree             `json:"child"`
		Inline  struct{ A bool }  `json:"inline"`
		Kind    string            `json:"kind" openapi:"enum=a|b,optional"`
		Code    string            `json:"code" openapi:"pattern=^[a-z]{2,3}$"`
		Zero    json.RawMessage   `json:"zero,omitzero"`
		Extra   map[string]string `json:"extra" openapi:"optional"`
	}
	tree struct {
		Children []tree `json:"children"`
	}
	page[T any] struct {
		Items []T `json:"items"`
	}
	// Body has the name of dep.Body: both need a qualified name.
	Body struct {
		X int `json:"x"`
	}
)

func TestSchemaOfTypes(t *testing.T) {
	g := newSchemaGen()
	s, err := g.schema(reflect.TypeFor[outer](), false)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := g.finish()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustJSON(t, s), `{"$ref":"#/components/schemas/Outer"}`; got != want {
		t.Errorf("schema = %s, want %s", got, want)
	}
	props := defs["Outer"].Properties
	want := map[string]string{
		"shared": `{"type":"boolean"}`,
		"inner":  `{"type":"integer","format":"int64"}`,
		"NoTag":  `{"type":"string"}`,
		"count":  `{"type":"string"}`,
		"when":   `{"type":"string","format":"date-time"}`,
		"maybe":  `{"type":["string","null"],"format":"date-time"}`,
		"tags":   `{"type":"array","items":{"type":"string"}}`,
		"labels": `{"type":"object","additionalProperties":{"type":"integer","format":"int32"}}`,
		"raw":    `{"type":"string","contentEncoding":"base64"}`,
		"any":    `{}`,
		"ratio":  `{"type":"number","format":"double"}`,
		"small":  `{"type":"integer","minimum":0}`,
		"child":  `{"anyOf":[{"$ref":"#/components/schemas/Tree"},{"type":"null"}]}`,
		"inline": `{"type":"object","properties":{"A":{"type":"boolean"}},"required":["A"]}`,
		"kind":   `{"type":"string","enum":["a","b"]}`,
		"code":   `{"type":"string","pattern":"^[a-z]{2,3}$"}`,
		"zero":   `{}`,
		"extra":  `{"type":"object","additionalProperties":{"type":"string"}}`,
	}
	for name, w := range want {
		if got := mustJSON(t, props[name]); got != w {
			t.Errorf("property %s = %s, want %s", name, got, w)
		}
	}
	if extra := slices.DeleteFunc(slices.Sorted(maps.Keys(props)), func(k string) bool { _, ok := want[k]; return ok }); len(extra) > 0 {
		t.Errorf("unexpected properties %v", extra)
	}
	wantReq := []string{"shared", "NoTag", "count", "when", "labels", "raw", "any", "ratio", "small", "inline", "code", "inner"}
	if got := defs["Outer"].Required; !slices.Equal(got, wantReq) {
		t.Errorf("required = %v, want %v", got, wantReq)
	}
	if got, want := mustJSON(t, defs["Tree"]), `{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/components/schemas/Tree"}}},"required":["children"]}`; got != want {
		t.Errorf("recursive Tree = %s, want %s", got, want)
	}
}

func TestComponentNames(t *testing.T) {
	g := newSchemaGen()
	for _, typ := range []reflect.Type{reflect.TypeFor[page[outer]](), reflect.TypeFor[Body](), reflect.TypeFor[dep.Body]()} {
		if _, err := g.schema(typ, false); err != nil {
			t.Fatal(err)
		}
	}
	defs, err := g.finish()
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(defs))
	want := []string{"DepBody", "OpenapiBody", "Outer", "PageOuter", "Tree"}
	if !slices.Equal(got, want) {
		t.Errorf("component names = %v, want %v", got, want)
	}
	if ref := defs["PageOuter"].Properties["items"].Items.Ref; ref != "#/components/schemas/Outer" {
		t.Errorf("PageOuter items $ref = %q, want the renamed Outer", ref)
	}
}

func TestStrictBodies(t *testing.T) {
	type nested struct {
		N int `json:"n"`
	}
	type input struct {
		Nested nested            `json:"nested"`
		List   []nested          `json:"list"`
		Map    map[string]string `json:"map"`
	}
	g := newSchemaGen()
	if _, err := g.schema(reflect.TypeFor[input](), true); err != nil {
		t.Fatal(err)
	}
	defs, err := g.finish()
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range defs {
		if ap := mustJSON(t, s.AdditionalProperties); ap != "false" {
			t.Errorf("%s additionalProperties = %s, want false: strict decoding refuses unknown fields at any depth", name, ap)
		}
	}
	if got := mustJSON(t, defs["Input"].Properties["map"]); got != `{"type":"object","additionalProperties":{"type":"string"}}` {
		t.Errorf("a map in a strict body = %s, want any keys", got)
	}
}

func TestParseConstraints(t *testing.T) {
	tests := []struct {
		tag, want, wantErr string
	}{
		{"minLength=1,maxLength=200", `{"type":"string","minLength":1,"maxLength":200}`, ""},
		{"format=email", `{"type":"string","format":"email"}`, ""},
		{"minimum=1,maximum=100", `{"type":"string","minimum":1,"maximum":100}`, ""},
		{"minItems=1,maxItems=3", `{"type":"string","minItems":1,"maxItems":3}`, ""},
		{"pattern=^a,b$", `{"type":"string","pattern":"^a,b$"}`, ""},
		{"optional", `{"type":"string"}`, ""},
		{"maxBytes=10", `{"type":"string","description":"At most 10 bytes of UTF-8.","x-maxBytes":10}`, ""},
		{"maxLength=x", "", "not an integer"},
		{"colour=red", "", "unknown key"},
		{"pattern=(", "", "pattern"},
		{"optional=yes", "", "takes no value"},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			c, err := dep.ParseRules(tt.tag)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRules(%q) error = %v, want %q", tt.tag, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := applyRules(&Schema{Type: Types{"string"}}, c)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustJSON(t, s); got != tt.want {
				t.Errorf("ParseRules(%q) gives %s, want %s", tt.tag, got, tt.want)
			}
		})
	}
	c, _ := dep.ParseRules("minLength=1")
	if _, err := applyRules(refTo("X"), c); err == nil {
		t.Error("applyRules to a $ref: want an error")
	}
	c, _ = dep.ParseRules("enum=1|2")
	if _, err := applyRules(&Schema{Type: Types{"integer"}}, c); err == nil {
		t.Error("applyRules(enum) to an integer: want an error")
	}
}

func TestSchemaRoundTrip(t *testing.T) {
	in := `{"type":["string","null"],"additionalProperties":false}`
	var s Schema
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(t, &s); got != in {
		t.Errorf("round trip = %s, want %s", got, in)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
