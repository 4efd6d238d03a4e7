package dep

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// A body is checked in one token pass before it is decoded: the pass
// follows the compiled shape of the Go type (made once, when JSON[T] is
// built) and collects every broken rule with its location, so that the
// answer lists them all, and so that what encoding/json would silently
// accept (a duplicate key, last one winning; a key in another case; a
// missing field) is refused.

type kind uint8

const (
	kindAny    kind = iota // any JSON value: only duplicate keys are checked
	kindString             // strings, time.Time, encoding.TextUnmarshaler, []byte
	kindBool
	kindInt
	kindUint
	kindFloat
	kindArray
	kindMap
	kindStruct
)

var kindNames = [...]string{"any", "string", "boolean", "integer", "integer", "number", "array", "object", "object"}

// shape is what a Go type accepts; shapes of recursive types refer to
// themselves.
type shape struct {
	kind   kind
	bits   int     // integer kinds: the size
	elem   *value  // arrays and maps: what each element or value holds
	fields []field // structs
	index  map[string]int
}

// value is one place in a body: a type's shape and the rules its field adds.
type value struct {
	shape    *shape
	nullable bool // a pointer: null is accepted
	rules    *rules
}

type field struct {
	name     string
	required bool
	value    value
}

// rules are a field's Rules, ready to check.
type rules struct {
	Rules
	pattern *regexp.Regexp
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

type compiler map[reflect.Type]*shape

// compileBody returns the checked shape of the body type t.
func compileBody(t reflect.Type) (value, error) {
	return compiler{}.value(t, Rules{}, false)
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

func (c compiler) value(t reflect.Type, r Rules, quoted bool) (value, error) {
	var v value
	for t.Kind() == reflect.Pointer {
		t, v.nullable = t.Elem(), true
	}
	s, err := c.shape(t)
	if err != nil {
		return v, err
	}
	if quoted {
		s = &shape{kind: kindString}
	}
	v.shape = s
	if reflect.ValueOf(r).IsZero() {
		return v, nil
	}
	rs := &rules{Rules: r}
	if r.Pattern != "" {
		rs.pattern = regexp.MustCompile(r.Pattern) // ParseRules compiled it once already
	}
	want := func(ok bool, rule, what string) error {
		if !ok {
			return fmt.Errorf("tag openapi: %s applies to %s only, not to %v", rule, what, t)
		}
		return nil
	}
	str, num, arr := s.kind == kindString, s.kind >= kindInt && s.kind <= kindFloat, s.kind == kindArray
	if err := errors.Join(
		want(str || (r.MinLength == nil && r.MaxLength == nil && r.MaxBytes == nil && r.Pattern == "" && r.Enum == nil), "a length, pattern or enum", "strings"),
		want(num || (r.Minimum == nil && r.Maximum == nil), "minimum and maximum", "numbers"),
		want(arr || (r.MinItems == nil && r.MaxItems == nil), "minItems and maxItems", "arrays"),
	); err != nil {
		return v, err
	}
	v.rules = rs
	return v, nil
}

func (c compiler) shape(t reflect.Type) (*shape, error) {
	if s, ok := c[t]; ok {
		return s, nil
	}
	switch {
	case t == timeType:
		return &shape{kind: kindString}, nil
	case implements(t, jsonUnmarshalerType) || implements(t, jsonMarshalerType):
		return &shape{kind: kindAny}, nil // the type reads itself
	case implements(t, textUnmarshalerType):
		return &shape{kind: kindString}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return &shape{kind: kindBool}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &shape{kind: kindInt, bits: t.Bits()}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return &shape{kind: kindUint, bits: t.Bits()}, nil
	case reflect.Float32, reflect.Float64:
		return &shape{kind: kindFloat, bits: t.Bits()}, nil
	case reflect.String:
		return &shape{kind: kindString}, nil
	case reflect.Interface:
		return &shape{kind: kindAny}, nil
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return &shape{kind: kindString}, nil // base64
		}
		s := &shape{kind: kindArray}
		c[t] = s
		e, err := c.value(t.Elem(), Rules{}, false)
		if err != nil {
			return nil, err
		}
		s.elem = &e
		return s, nil
	case reflect.Map:
		s := &shape{kind: kindMap}
		c[t] = s
		e, err := c.value(t.Elem(), Rules{}, false)
		if err != nil {
			return nil, err
		}
		s.elem = &e
		return s, nil
	case reflect.Struct:
		s := &shape{kind: kindStruct, index: map[string]int{}}
		c[t] = s
		fs, err := Fields(t)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			v, err := c.value(f.Struct.Type, f.Rules, f.Quoted)
			if err != nil {
				return nil, fmt.Errorf("field %s.%s: %w", t, f.Struct.Name, err)
			}
			s.index[f.Name] = len(s.fields)
			s.fields = append(s.fields, field{name: f.Name, required: f.Required, value: v})
		}
		return s, nil
	}
	return nil, fmt.Errorf("type %v cannot be JSON", t)
}

// step is one step of a location: a field name or an array index.
type step struct {
	name  string
	index int
}

// checker walks a body's tokens along a shape.
type checker struct {
	dec   *json.Decoder
	path  []step
	errs  []problem.FieldError
	keys  []string // the keys of the open objects of free-form values, stacked
	depth int      // arrays and objects open
}

// maxDepth bounds the nesting of a body, so that a megabyte of "[" costs
// no deep recursion: 422 beyond it.
const maxDepth = 100

var errTooDeep = errors.New("dep: JSON nested too deeply")

// maxErrors bounds the errors one answer lists: a body of a million
// broken elements gets a short answer.
const maxErrors = 50

// checkBody checks b against v. It returns a 422 listing every broken
// rule, or nil.
func checkBody(b []byte, v value) error {
	c := checker{dec: json.NewDecoder(bytes.NewReader(b))}
	c.dec.UseNumber()
	tok, err := c.dec.Token()
	if errors.Is(err, io.EOF) {
		return problem.Invalid("body", "a JSON body is required")
	}
	if err == nil {
		err = c.value(tok, v)
	}
	if err == nil {
		if _, err = c.dec.Token(); errors.Is(err, io.EOF) {
			err = nil
		} else {
			return problem.Invalid("body", "must hold exactly one JSON value")
		}
	}
	if errors.Is(err, errTooDeep) {
		return problem.Invalid("body", fmt.Sprintf("must not nest more than %d levels", maxDepth))
	}
	if err != nil {
		return problem.Invalid("body", "malformed JSON")
	}
	if len(c.errs) > 0 {
		return problem.Validation(c.errs...)
	}
	return nil
}

func (c *checker) fail(msg string) {
	if len(c.errs) == maxErrors {
		return
	}
	var b strings.Builder
	b.WriteString("body")
	for _, s := range c.path {
		b.WriteByte('.')
		if s.name != "" {
			b.WriteString(s.name)
		} else {
			b.WriteString(strconv.Itoa(s.index))
		}
	}
	c.errs = append(c.errs, problem.FieldError{Location: b.String(), Message: msg})
}

func (c *checker) wrongType(s *shape) { c.fail("must be of type " + kindNames[s.kind]) }

// value checks the value starting with tok. Its error is a syntax or read
// error: broken rules are collected in c.errs.
func (c *checker) value(tok json.Token, v value) error {
	s := v.shape
	switch t := tok.(type) {
	case json.Delim:
		if c.depth++; c.depth > maxDepth {
			return errTooDeep
		}
		defer func() { c.depth-- }()
		if t == '[' {
			return c.array(v)
		}
		return c.object(v)
	case nil:
		if !v.nullable && s.kind != kindAny {
			c.fail("must not be null")
		}
	case bool:
		if s.kind != kindBool && s.kind != kindAny {
			c.wrongType(s)
		}
	case string:
		if s.kind != kindString && s.kind != kindAny {
			c.wrongType(s)
			return nil
		}
		if v.rules != nil {
			c.checkString(t, v.rules)
		}
	case json.Number:
		c.number(t, v)
	}
	return nil
}

func (c *checker) checkString(str string, r *rules) {
	if r.MinLength != nil || r.MaxLength != nil {
		n := int64(utf8.RuneCountInString(str))
		if (r.MinLength != nil && n < *r.MinLength) || (r.MaxLength != nil && n > *r.MaxLength) {
			c.fail(boundsMessage(r.MinLength, r.MaxLength, " characters"))
		}
	}
	if r.MaxBytes != nil && int64(len(str)) > *r.MaxBytes {
		c.fail(fmt.Sprintf("must be at most %d bytes of UTF-8", *r.MaxBytes))
	}
	if r.Enum != nil && !slices.Contains(r.Enum, str) {
		c.fail(`must be one of "` + strings.Join(r.Enum, `", "`) + `"`)
	}
	if r.pattern != nil && !r.pattern.MatchString(str) {
		c.fail("must match " + r.Pattern)
	}
}

func (c *checker) number(n json.Number, v value) {
	s := v.shape
	var below, above bool
	switch s.kind {
	case kindAny:
		return
	case kindInt:
		i, err := strconv.ParseInt(string(n), 10, s.bits)
		if err != nil {
			c.fail(fmt.Sprintf("must be an integer of at most %d bits", s.bits))
			return
		}
		if v.rules != nil {
			below = v.rules.Minimum != nil && i < *v.rules.Minimum
			above = v.rules.Maximum != nil && i > *v.rules.Maximum
		}
	case kindUint:
		u, err := strconv.ParseUint(string(n), 10, s.bits)
		if err != nil {
			c.fail(fmt.Sprintf("must be a non-negative integer of at most %d bits", s.bits))
			return
		}
		if v.rules != nil {
			below = v.rules.Minimum != nil && *v.rules.Minimum > 0 && u < uint64(*v.rules.Minimum)
			above = v.rules.Maximum != nil && (*v.rules.Maximum < 0 || u > uint64(*v.rules.Maximum))
		}
	case kindFloat:
		f, err := strconv.ParseFloat(string(n), s.bits)
		if err != nil {
			c.fail("must be a number in range")
			return
		}
		if v.rules != nil {
			below = v.rules.Minimum != nil && f < float64(*v.rules.Minimum)
			above = v.rules.Maximum != nil && f > float64(*v.rules.Maximum)
		}
	default:
		c.wrongType(s)
		return
	}
	if below || above {
		c.fail(boundsMessage(v.rules.Minimum, v.rules.Maximum, ""))
	}
}

// boundsMessage says what a value must be within lo and hi (either may be
// nil), in unit: "must be 1 to 200 characters", "must be between 1 and 10".
func boundsMessage(lo, hi *int64, unit string) string {
	switch {
	case lo != nil && hi != nil && unit != "":
		return fmt.Sprintf("must be %d to %d%s", *lo, *hi, unit)
	case lo != nil && hi != nil:
		return fmt.Sprintf("must be between %d and %d", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("must be at least %d%s", *lo, singular(*lo, unit))
	}
	return fmt.Sprintf("must be at most %d%s", *hi, singular(*hi, unit))
}

func singular(n int64, unit string) string {
	if n == 1 {
		return strings.TrimSuffix(unit, "s")
	}
	return unit
}

var anyValue = value{shape: &shape{kind: kindAny}}

func (c *checker) array(v value) error {
	s := v.shape
	elem := anyValue
	switch s.kind {
	case kindArray:
		elem = *s.elem
	case kindAny:
	default:
		c.wrongType(s)
	}
	n := 0
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		c.path = append(c.path, step{index: n})
		err = c.value(tok, elem)
		c.path = c.path[:len(c.path)-1]
		if err != nil {
			return err
		}
		n++
	}
	if _, err := c.dec.Token(); err != nil { // ']'
		return err
	}
	if r := v.rules; r != nil {
		if r.MinItems != nil && int64(n) < *r.MinItems {
			c.fail(fmt.Sprintf("must have at least %d items", *r.MinItems))
		}
		if r.MaxItems != nil && int64(n) > *r.MaxItems {
			c.fail(fmt.Sprintf("must have at most %d items", *r.MaxItems))
		}
	}
	return nil
}

func (c *checker) object(v value) error {
	s := v.shape
	switch s.kind {
	case kindStruct:
		return c.structObject(s)
	case kindMap:
		return c.freeObject(*s.elem)
	case kindAny:
		return c.freeObject(anyValue)
	}
	c.wrongType(s)
	return c.freeObject(anyValue)
}

// structObject checks an object decoded into a struct: known keys, each
// once, and every required field present.
func (c *checker) structObject(s *shape) error {
	seen := newFieldSet(len(s.fields))
	err := c.members(func(key string) value {
		i, known := s.index[key]
		switch {
		case !known:
			c.fail("unknown field")
		case seen.has(i):
			c.fail("duplicate key")
		default:
			seen.add(i)
			return s.fields[i].value
		}
		return anyValue
	})
	if err != nil {
		return err
	}
	for i, f := range s.fields {
		if f.required && !seen.has(i) {
			c.path = append(c.path, step{name: f.name})
			c.fail("field required")
			c.path = c.path[:len(c.path)-1]
		}
	}
	return nil
}

// fieldSet is the fields of a struct seen so far: a bit mask for up to 64
// fields (no allocation), a slice beyond.
type fieldSet struct {
	small uint64
	large []bool
}

func newFieldSet(n int) fieldSet {
	if n > 64 {
		return fieldSet{large: make([]bool, n)}
	}
	return fieldSet{}
}

func (f *fieldSet) has(i int) bool {
	if f.large != nil {
		return f.large[i]
	}
	return f.small&(1<<i) != 0
}

func (f *fieldSet) add(i int) {
	if f.large != nil {
		f.large[i] = true
		return
	}
	f.small |= 1 << i
}

// freeObject checks an object of a map or free-form value: each key once.
func (c *checker) freeObject(elem value) error {
	base := len(c.keys)
	defer func() { c.keys = c.keys[:base] }()
	var set map[string]struct{} // for objects with many keys
	return c.members(func(key string) value {
		dup := false
		switch {
		case set != nil:
			_, dup = set[key]
			set[key] = struct{}{}
		case slices.Contains(c.keys[base:], key):
			dup = true
		case len(c.keys)-base == 16:
			set = make(map[string]struct{}, 32)
			for _, k := range c.keys[base:] {
				set[k] = struct{}{}
			}
			set[key] = struct{}{}
		default:
			c.keys = append(c.keys, key)
		}
		if dup {
			c.fail("duplicate key")
			return anyValue
		}
		return elem
	})
}

// members walks the members of an object whose '{' was read, through its
// '}': member returns what each key's value must be (recording any
// failure of the key itself), with the key on the path while it runs.
func (c *checker) members(member func(key string) value) error {
	for c.dec.More() {
		key, err := c.key()
		if err != nil {
			return err
		}
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		c.path = append(c.path, step{name: key})
		err = c.value(tok, member(key))
		c.path = c.path[:len(c.path)-1]
		if err != nil {
			return err
		}
	}
	_, err := c.dec.Token() // '}'
	return err
}

func (c *checker) key() (string, error) {
	tok, err := c.dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", errors.New("dep: object key is not a string")
	}
	return k, nil
}
