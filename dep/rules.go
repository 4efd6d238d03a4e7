package dep

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Rules are what the `openapi:"…"` tag of one struct field declares about
// its JSON value. The tag is a comma-separated list of keys:
//
//	minLength=N, maxLength=N   string length in characters (runes), as JSON Schema counts
//	maxBytes=N                 string length in bytes of UTF-8 (documented as x-maxBytes)
//	pattern=RE                 the string matches RE (Go syntax); last in the tag, may hold commas
//	enum=a|b|c                 the string is one of the values
//	minimum=N, maximum=N       bounds of a number
//	minItems=N, maxItems=N     bounds of an array's length
//	format=F                   documentation only ("email", "password"): not enforced
//	optional                   the field may be left out (see Field.Required)
//
// JSON enforces every rule but format; package openapi documents every
// rule. Both read the one parsed value, so they cannot disagree.
type Rules struct {
	MinLength, MaxLength *int64
	MaxBytes             *int64
	Minimum, Maximum     *int64
	MinItems, MaxItems   *int64
	Format, Pattern      string
	Enum                 []string
	Optional             bool
}

// ParseRules parses an `openapi:"…"` tag.
func ParseRules(tag string) (Rules, error) {
	var c Rules
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
			err = num(&c.MinLength)
		case "maxLength":
			err = num(&c.MaxLength)
		case "maxBytes":
			err = num(&c.MaxBytes)
		case "minimum":
			err = num(&c.Minimum)
		case "maximum":
			err = num(&c.Maximum)
		case "minItems":
			err = num(&c.MinItems)
		case "maxItems":
			err = num(&c.MaxItems)
		case "format":
			c.Format = val
		case "pattern":
			if _, err := regexp.Compile(val); err != nil {
				return c, fmt.Errorf("tag openapi: pattern: %w", err)
			}
			c.Pattern = val
		case "enum":
			c.Enum = strings.Split(val, "|")
		case "optional":
			if hasVal {
				return c, fmt.Errorf("tag openapi: optional takes no value")
			}
			c.Optional = true
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

// Field is one JSON field of a struct type, as encoding/json names it and
// as its tags declare it.
type Field struct {
	Name   string              // the JSON name
	Struct reflect.StructField // the Go field (Index is relative to its own struct)
	// Required reports whether a body must hold the field: a field is
	// required unless it is a pointer, or its json tag says omitempty or
	// omitzero, or its openapi tag says optional. Required means present,
	// not non-zero: {"body":""} gives a required body.
	Required bool
	// Quoted is the json ",string" option on a scalar: the value is a
	// JSON string holding the scalar.
	Quoted bool
	Rules  Rules
}

// Fields returns the JSON fields of struct type t: its exported fields
// under their json names ("-" left out), then the fields of its embedded
// structs, promoted, a name already taken being skipped.
func Fields(t reflect.Type) ([]Field, error) {
	var out []Field
	seen := map[string]bool{}
	if err := fields(t, &out, seen); err != nil {
		return nil, err
	}
	return out, nil
}

func fields(t reflect.Type, out *[]Field, seen map[string]bool) error {
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
		if seen[name] {
			continue
		}
		seen[name] = true
		r, err := ParseRules(f.Tag.Get("openapi"))
		if err != nil {
			return fmt.Errorf("field %s.%s: %w", t, f.Name, err)
		}
		*out = append(*out, Field{
			Name:     name,
			Struct:   f,
			Required: !r.Optional && ft.Kind() != reflect.Pointer && !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero"),
			Quoted:   hasOpt(opts, "string") && isScalar(ft),
			Rules:    r,
		})
	}
	for _, et := range embedded {
		if err := fields(et, out, seen); err != nil {
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
