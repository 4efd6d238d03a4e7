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

func (g *schemaGen) fields(s *Schema, t reflect.Type, strict bool) error {
	var embedded []reflect.Type
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := s.Properties[name]; dup {
			continue
		}
		fs, err := g.schema(ft, strict)
		if err != nil {
			return fmt.Errorf("field %s.%s: %w", t, f.Name, err)
		}
		if hasOpt(opts, "string") && isScalar(ft) {
			fs = &Schema{Type: Types{"string"}}
		}
		c, err := parseConstraints(f.Tag.Get("openapi"))
		if err != nil {
			return fmt.Errorf("openapi: field %s.%s: %w", t, f.Name, err)
		}
		if fs, err = c.apply(fs); err != nil {
			return fmt.Errorf("openapi: field %s.%s: %w", t, f.Name, err)
		}
		s.Properties[name] = fs
		if !c.optional && ft.Kind() != reflect.Pointer && !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero") {
			s.Required = append(s.Required, name)
		}
	}
	for _, et := range embedded {
		if err := g.fields(s, et, strict); err != nil {
			return err
		}
	}
	return nil
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func isScalar(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64:
		return true
	}
	return t.Kind() >= reflect.Int && t.Kind() <= reflect.Uintptr
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

// constraints are what an openapi struct tag adds to a field's schema.
type constraints struct {
	minLength, maxLength, minimum, maximum, minItems, maxItems *int64
	format, pattern                                            string
	enum                                                       []any
	optional                                                   bool
}

func parseConstraints(tag string) (constraints, error) {
	var c constraints
	for tag != "" {
		var item string
		if strings.HasPrefix(tag, "pattern=") {
			item, tag = tag, "" // a pattern is last and may hold commas
		} else {
			item, tag, _ = strings.Cut(tag, ",")
		}
		key, val, hasVal := strings.Cut(strings.TrimSpace(item), "=")
		num := func(dst **int64) error {
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return fmt.Errorf("tag openapi: %s=%q is not an integer", key, val)
			}
			*dst = &n
			return nil
		}
		var err error
		switch key {
		case "minLength":
			err = num(&c.minLength)
		case "maxLength":
			err = num(&c.maxLength)
		case "minimum":
			err = num(&c.minimum)
		case "maximum":
			err = num(&c.maximum)
		case "minItems":
			err = num(&c.minItems)
		case "maxItems":
			err = num(&c.maxItems)
		case "format":
			c.format = val
		case "pattern":
			if _, err := regexp.Compile(val); err != nil {
				return c, fmt.Errorf("tag openapi: pattern: %w", err)
			}
			c.pattern = val
		case "enum":
			for v := range strings.SplitSeq(val, "|") {
				c.enum = append(c.enum, v)
			}
		case "optional":
			if hasVal {
				return c, fmt.Errorf("tag openapi: optional takes no value")
			}
			c.optional = true
		case "":
		default:
			return c, fmt.Errorf("tag openapi: unknown key %q", key)
		}
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// apply returns s with c's constraints; s itself is not changed.
func (c constraints) apply(s *Schema) (*Schema, error) {
	c.optional = false // not a constraint on the value
	if reflect.ValueOf(c).IsZero() {
		return s, nil
	}
	if s.Ref != "" || len(s.AnyOf) > 0 {
		return nil, fmt.Errorf("tag openapi: constraints apply to scalars and arrays only")
	}
	if c.enum != nil && !slices.Contains(s.Type, "string") {
		return nil, fmt.Errorf("tag openapi: enum applies to strings only")
	}
	out := *s
	set := func(dst **int64, v *int64) {
		if v != nil {
			*dst = v
		}
	}
	set(&out.MinLength, c.minLength)
	set(&out.MaxLength, c.maxLength)
	set(&out.Minimum, c.minimum)
	set(&out.Maximum, c.maximum)
	set(&out.MinItems, c.minItems)
	set(&out.MaxItems, c.maxItems)
	if c.format != "" {
		out.Format = c.format
	}
	if c.pattern != "" {
		out.Pattern = c.pattern
	}
	if c.enum != nil {
		out.Enum = c.enum
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
