package openapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// schemaGen makes JSON Schemas from Go types. Named struct types become
// components, first under their qualified Go name; finish gives them short
// names and rewrites the references.
type schemaGen struct {
	defs   map[string]*Schema      // qualified name → schema
	types  map[string]reflect.Type // qualified name → type
	named  map[reflect.Type]string // preset component names
	refs   []*Schema               // every reference made, to rename in finish
	strict map[string]bool         // components decoded with unknown fields refused
	busy   map[reflect.Type]bool   // types being generated (recursion guard)
}

func newSchemaGen() *schemaGen {
	return &schemaGen{
		defs:   map[string]*Schema{},
		types:  map[string]reflect.Type{},
		named:  map[reflect.Type]string{},
		strict: map[string]bool{},
		busy:   map[reflect.Type]bool{},
	}
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// schema returns the schema of t. strict marks the structs reached as
// decoded with unknown fields refused (additionalProperties: false).
func (g *schemaGen) schema(t reflect.Type, strict bool) (*Schema, error) {
	if t.Kind() == reflect.Pointer {
		s, err := g.schema(t.Elem(), strict)
		if err != nil {
			return nil, err
		}
		return nullable(s), nil
	}
	switch {
	case t == timeType:
		return &Schema{Type: Types{"string"}, Format: "date-time"}, nil
	case t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType):
		return &Schema{}, nil // any JSON value: the type writes itself
	case t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		return &Schema{Type: Types{"string"}}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return &Schema{Type: Types{"boolean"}}, nil
	case reflect.Int, reflect.Int64:
		return &Schema{Type: Types{"integer"}, Format: "int64"}, nil
	case reflect.Int32:
		return &Schema{Type: Types{"integer"}, Format: "int32"}, nil
	case reflect.Int8, reflect.Int16:
		return &Schema{Type: Types{"integer"}}, nil
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return &Schema{Type: Types{"integer"}, Format: "int64", Minimum: new(int64(0))}, nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &Schema{Type: Types{"integer"}, Minimum: new(int64(0))}, nil
	case reflect.Float32:
		return &Schema{Type: Types{"number"}, Format: "float"}, nil
	case reflect.Float64:
		return &Schema{Type: Types{"number"}, Format: "double"}, nil
	case reflect.String:
		return &Schema{Type: Types{"string"}}, nil
	case reflect.Interface:
		return &Schema{}, nil
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: Types{"string"}, ContentEncoding: "base64"}, nil
		}
		items, err := g.schema(t.Elem(), strict)
		if err != nil {
			return nil, err
		}
		return &Schema{Type: Types{"array"}, Items: items}, nil
	case reflect.Map:
		switch k := t.Key(); {
		case k.Kind() == reflect.String, k.Implements(textMarshalerType),
			k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			return nil, fmt.Errorf("openapi: map key type %v cannot be JSON", k)
		}
		vals, err := g.schema(t.Elem(), strict)
		if err != nil {
			return nil, err
		}
		return &Schema{Type: Types{"object"}, AdditionalProperties: vals}, nil
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t, strict)
		}
		return g.component(t, strict)
	}
	return nil, fmt.Errorf("openapi: type %v cannot be JSON", t)
}

// component returns a reference to the component schema of the named
// struct t, making it on first use.
func (g *schemaGen) component(t reflect.Type, strict bool) (*Schema, error) {
	key := qualifiedName(t)
	if strict {
		g.strict[key] = true
	}
	ref := &Schema{Ref: key}
	g.refs = append(g.refs, ref)
	if _, ok := g.defs[key]; ok || g.busy[t] {
		return ref, nil
	}
	if other, ok := g.types[key]; ok && other != t {
		return nil, fmt.Errorf("openapi: two types named %s", key)
	}
	g.busy[t] = true
	s, err := g.object(t, strict)
	delete(g.busy, t)
	if err != nil {
		return nil, err
	}
	g.defs[key], g.types[key] = s, t
	return ref, nil
}

// object returns the inline schema of struct t, following encoding/json:
// exported fields, json tag names, embedded structs' fields promoted.
func (g *schemaGen) object(t reflect.Type, strict bool) (*Schema, error) {
	s := &Schema{Type: Types{"object"}, Properties: map[string]*Schema{}}
	if strict {
		s.AdditionalProperties = &Schema{Not: true}
	}
	if err := g.fields(s, t, strict); err != nil {
		return nil, err
	}
	return s, nil
}

// fields adds t's fields to s as dep.Fields lists them: their names,
// which are required and their rules are dep's, the very values dep.JSON
// enforces.
func (g *schemaGen) fields(s *Schema, t reflect.Type, strict bool) error {
	fs, err := dep.Fields(t)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	for _, f := range fs {
		fs, err := g.schema(f.Struct.Type, strict)
		if err != nil {
			return fmt.Errorf("field %s.%s: %w", t, f.Struct.Name, err)
		}
		if f.Quoted {
			fs = &Schema{Type: Types{"string"}}
		}
		if fs, err = applyRules(fs, f.Rules); err != nil {
			return fmt.Errorf("openapi: field %s.%s: %w", t, f.Struct.Name, err)
		}
		s.Properties[f.Name] = fs
		if f.Required {
			s.Required = append(s.Required, f.Name)
		}
	}
	return nil
}

// nullable returns s that also accepts null.
func nullable(s *Schema) *Schema {
	switch {
	case s.Ref != "":
		return &Schema{AnyOf: []*Schema{s, {Type: Types{"null"}}}}
	case len(s.Type) == 0:
		return s // any value, null included
	}
	c := *s
	c.Type = append(slices.Clone(s.Type), "null")
	return &c
}

// applyRules returns s with the rules of a field's openapi tag; s itself
// is not changed. A pointer field's rules apply to the value, null aside.
func applyRules(s *Schema, r dep.Rules) (*Schema, error) {
	r.Optional = false // not a rule on the value
	if reflect.ValueOf(r).IsZero() {
		return s, nil
	}
	if s.Ref != "" || len(s.AnyOf) > 0 {
		return nil, fmt.Errorf("tag openapi: constraints apply to scalars and arrays only")
	}
	if r.Enum != nil && !slices.Contains(s.Type, "string") {
		return nil, fmt.Errorf("tag openapi: enum applies to strings only")
	}
	out := *s
	set := func(dst **int64, v *int64) {
		if v != nil {
			*dst = v
		}
	}
	set(&out.MinLength, r.MinLength)
	set(&out.MaxLength, r.MaxLength)
	set(&out.MaxBytes, r.MaxBytes)
	set(&out.Minimum, r.Minimum)
	set(&out.Maximum, r.Maximum)
	set(&out.MinItems, r.MinItems)
	set(&out.MaxItems, r.MaxItems)
	if r.MaxBytes != nil && out.Description == "" {
		out.Description = "At most " + strconv.FormatInt(*r.MaxBytes, 10) + " bytes of UTF-8."
	}
	if r.Format != "" {
		out.Format = r.Format
	}
	if r.Pattern != "" {
		out.Pattern = r.Pattern
	}
	for _, e := range r.Enum {
		out.Enum = append(out.Enum, e)
	}
	return &out, nil
}

// finish names the components and rewrites every reference: a component
// is named after its Go type ("NoteView", "ListNoteView" for
// list[noteView]), qualified by its package when two packages use one name.
func (g *schemaGen) finish() (map[string]*Schema, error) {
	short := map[string][]string{}
	for key := range g.defs {
		n := g.named[g.types[key]]
		if n == "" {
			n = shortName(g.types[key])
		}
		short[n] = append(short[n], key)
	}
	final := map[string]string{}
	for n, keys := range short {
		if len(keys) == 1 {
			final[keys[0]] = n
			continue
		}
		for _, k := range keys {
			t := g.types[k]
			final[k] = upperFirst(pkgName(t.PkgPath())) + shortName(t)
		}
	}
	out := map[string]*Schema{}
	for key, s := range g.defs {
		n := final[key]
		if _, dup := out[n]; dup {
			return nil, fmt.Errorf("openapi: two schemas named %s", n)
		}
		if g.strict[key] {
			markStrict(s, g.defs, map[*Schema]bool{})
		}
		out[n] = s
	}
	for _, r := range g.refs {
		if n, ok := final[r.Ref]; ok {
			*r = *refTo(n)
		}
	}
	return out, nil
}

// markStrict sets additionalProperties: false on the struct schemas under
// s: a JSON body decoded strictly refuses unknown fields at every depth.
func markStrict(s *Schema, defs map[string]*Schema, seen map[*Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if d, ok := defs[s.Ref]; ok {
		markStrict(d, defs, seen)
	}
	if s.Properties != nil && s.AdditionalProperties == nil {
		s.AdditionalProperties = &Schema{Not: true}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
		markStrict(s.Properties[k], defs, seen)
	}
	markStrict(s.Items, defs, seen)
	if s.AdditionalProperties != nil && !s.AdditionalProperties.Not {
		markStrict(s.AdditionalProperties, defs, seen)
	}
	for _, a := range s.AnyOf {
		markStrict(a, defs, seen)
	}
}

func qualifiedName(t reflect.Type) string { return t.PkgPath() + "." + t.Name() }

func pkgName(path string) string { return path[strings.LastIndex(path, "/")+1:] }

var (
	pkgPathRE = regexp.MustCompile(`[\w.\-~]*/`)
	pkgRE     = regexp.MustCompile(`\w+\.`)
	wordRE    = regexp.MustCompile(`[A-Za-z0-9]+`)
)

// shortName returns the name of t without package paths, in CamelCase:
// list[example.com/x.noteView] → ListNoteView.
func shortName(t reflect.Type) string {
	n := pkgRE.ReplaceAllString(pkgPathRE.ReplaceAllString(t.Name(), ""), "")
	var b strings.Builder
	for _, w := range wordRE.FindAllString(n, -1) {
		b.WriteString(upperFirst(w))
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
