package httpapi_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/openapi"
)

// TestDocumentedBodyRulesAreEnforced walks every operation of the served
// document that takes a JSON body and, for each rule the document states
// of a field (required, minLength, maxLength, x-maxBytes, enum, minItems,
// maxItems, minimum, maximum, additionalProperties: false, and no
// duplicate keys), sends a body that breaks that rule alone and checks the
// answer is 422 with exactly one error, at that field.
func TestDocumentedBodyRulesAreEnforced(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.RegisterPerIP = 1 << 20 })
	_, doc := servedDocument(t, e)
	tok := e.login(e.admin("root@example.com"))
	resolve := func(s *openapi.Schema) *openapi.Schema {
		if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
			return doc.Components.Schemas[name]
		}
		return s
	}
	operations, rules := 0, 0
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		ops := doc.Paths[path].Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op := ops[method]
			if op.RequestBody == nil {
				continue
			}
			mt, ok := op.RequestBody.Content["application/json"]
			if !ok {
				continue
			}
			operations++
			s := resolve(mt.Schema)
			if len(s.Properties) == 0 {
				t.Errorf("%s %s: body schema %+v has no properties", method, path, s)
				continue
			}
			url := strings.ReplaceAll(path, "{id}", "1")
			valid := map[string]json.RawMessage{}
			for name, p := range s.Properties {
				valid[name] = validValue(t, resolve(p))
			}
			send := func(rule, field, raw string) {
				t.Helper()
				rules++
				res := e.do(req{method: method, path: url, token: tok, raw: raw, contentType: "application/json"})
				if res.code != 422 {
					t.Errorf("%s %s breaking %s of %s with %s = %d, want 422; body %s", method, path, rule, field, raw, res.code, res.body)
					return
				}
				p := res.problem(t)
				if len(p.Errors) != 1 || p.Errors[0].Location != "body."+field {
					t.Errorf("%s %s breaking %s of %s with %s: errors = %+v, want one at body.%s", method, path, rule, field, raw, p.Errors, field)
				}
			}
			with := func(name string, v json.RawMessage) string {
				m := maps.Clone(valid)
				if v == nil {
					delete(m, name)
				} else {
					m[name] = v
				}
				return marshal(t, m)
			}
			for _, name := range s.Required {
				send("required", name, with(name, nil))
			}
			if s.AdditionalProperties != nil && s.AdditionalProperties.Not {
				send("additionalProperties", "zz_unknown", with("zz_unknown", json.RawMessage(`1`)))
			}
			for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
				dup := strings.TrimSuffix(marshal(t, valid), "}") + `,"` + name + `":` + string(valid[name]) + "}"
				send("no duplicate keys", name, dup)
				p := resolve(s.Properties[name])
				str := func(n int64, r string) json.RawMessage { return mustMarshal(t, strings.Repeat(r, int(n))) }
				if p.MinLength != nil && *p.MinLength > 0 {
					send("minLength", name, with(name, str(*p.MinLength-1, "a")))
				}
				if p.MaxLength != nil {
					send("maxLength", name, with(name, str(*p.MaxLength+1, "a")))
				}
				if p.MaxBytes != nil {
					send("x-maxBytes", name, with(name, str(*p.MaxBytes/2+1, "é")))
				}
				if len(p.Enum) > 0 {
					send("enum", name, with(name, mustMarshal(t, "not-"+p.Enum[0].(string))))
				}
				if p.MinItems != nil && *p.MinItems > 0 {
					send("minItems", name, with(name, json.RawMessage(`[]`)))
				}
				if p.MaxItems != nil {
					send("maxItems", name, with(name, mustMarshal(t, slices.Repeat([]json.RawMessage{validValue(t, resolve(p.Items))}, int(*p.MaxItems)+1))))
				}
				if p.Minimum != nil {
					send("minimum", name, with(name, mustMarshal(t, *p.Minimum-1)))
				}
				if p.Maximum != nil {
					send("maximum", name, with(name, mustMarshal(t, *p.Maximum+1)))
				}
			}
		}
	}
	t.Logf("walked %d operations, %d broken rules", operations, rules)
	if operations < 6 || rules < 40 {
		t.Errorf("walked %d operations and %d rules, want every JSON body of notesd (6 operations, 40+ rules)", operations, rules)
	}
}

// validValue returns a JSON value that keeps every rule s states.
func validValue(t *testing.T, s *openapi.Schema) json.RawMessage {
	t.Helper()
	typ := ""
	for _, ty := range s.Type {
		if ty != "null" {
			typ = ty
		}
	}
	switch {
	case len(s.Enum) > 0:
		return mustMarshal(t, s.Enum[0])
	case typ == "string":
		n := int64(8)
		if s.MinLength != nil {
			n = max(n, *s.MinLength)
		}
		if s.MaxLength != nil {
			n = min(n, *s.MaxLength)
		}
		return mustMarshal(t, strings.Repeat("a", int(n)))
	case typ == "integer":
		n := int64(1)
		if s.Minimum != nil {
			n = *s.Minimum
		}
		return mustMarshal(t, n)
	case typ == "boolean":
		return json.RawMessage(`true`)
	case typ == "array" && s.Items != nil:
		n := int64(1)
		if s.MinItems != nil {
			n = max(n, *s.MinItems)
		}
		return mustMarshal(t, slices.Repeat([]json.RawMessage{validValue(t, s.Items)}, int(n)))
	}
	t.Fatalf("no valid value for schema %+v", s)
	return nil
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func marshal(t *testing.T, v any) string { return string(mustMarshal(t, v)) }
