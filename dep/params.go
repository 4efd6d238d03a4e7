package dep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// Scalar is the set of types a path or query parameter can be parsed into.
type Scalar interface {
	~string | ~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64 | ~bool | ~float64
}

// Param describes a path or query parameter, as metadata of its node.
type Param struct {
	In       string       // "path" or "query"
	Name     string       // the parameter's name
	Type     reflect.Type // the Go type it is parsed into
	Required bool         // path parameters always are
	Default  any          // the value when a query parameter is absent
	Min, Max *int64       // bounds of an integer parameter, if any
}

// Body describes a JSON request body, as metadata of its node.
type Body struct {
	Type        reflect.Type // the Go type it is decoded into
	ContentType string       // the media type accepted
	Limit       int64        // the most bytes read
}

// Path returns the dependency on the path parameter name (a {name} in the
// route's pattern), parsed as T. A value that does not parse is 422 with
// location "path.<name>".
func Path[T Scalar](name string) Dep[T] {
	loc := "path." + name
	d := newDep("path."+name, func(s *Scope, _ []int) (T, error) {
		return parse[T](s.r.PathValue(name), loc)
	})
	return d.Describe(d.n.name, Param{In: "path", Name: name, Type: reflect.TypeFor[T](), Required: true})
}

// Query returns the dependency on the query parameter name, parsed as T,
// with dflt when it is absent. A repeated or unparsable value is 422 with
// location "query.<name>".
func Query[T Scalar](name string, dflt T) Dep[T] {
	return queryParam(name, dflt, nil, nil)
}

// QueryRange is Query for an integer parameter that must lie in [lo, hi]
// (422 otherwise).
func QueryRange[T ~int | ~int32 | ~int64](name string, dflt, lo, hi T) Dep[T] {
	l, h := int64(lo), int64(hi)
	return queryParam(name, dflt, &l, &h)
}

func queryParam[T Scalar](name string, dflt T, lo, hi *int64) Dep[T] {
	loc := "query." + name
	d := newDep("query."+name, func(s *Scope, _ []int) (T, error) {
		vs, ok := s.r.URL.Query()[name]
		if !ok {
			return dflt, nil
		}
		if len(vs) != 1 {
			return dflt, problem.Invalid(loc, "must be given once")
		}
		v, err := parse[T](vs[0], loc)
		if err != nil {
			return v, err
		}
		if lo != nil {
			if n := reflect.ValueOf(v).Int(); n < *lo || n > *hi {
				return v, problem.Invalid(loc, fmt.Sprintf("must be between %d and %d", *lo, *hi))
			}
		}
		return v, nil
	})
	return d.Describe(d.n.name, Param{In: "query", Name: name, Type: reflect.TypeFor[T](), Default: dflt, Min: lo, Max: hi})
}

// parse parses raw as T, or answers 422 at loc. The exact scalar types
// parse without reflection (a parameter is parsed on every request); a
// named type (type ID int64) goes through parseKind.
func parse[T Scalar](raw, loc string) (T, error) {
	var v T
	var err error
	switch p := any(&v).(type) {
	case *string:
		*p = raw
		return v, nil
	case *int64:
		*p, err = strconv.ParseInt(raw, 10, 64)
	case *int:
		var n int64
		n, err = strconv.ParseInt(raw, 10, strconv.IntSize)
		*p = int(n)
	case *int32:
		var n int64
		n, err = strconv.ParseInt(raw, 10, 32)
		*p = int32(n)
	case *uint64:
		*p, err = strconv.ParseUint(raw, 10, 64)
	case *bool:
		*p, err = strconv.ParseBool(raw)
	case *float64:
		*p, err = strconv.ParseFloat(raw, 64)
	default:
		return parseKind[T](raw, loc)
	}
	if err != nil {
		var zero T
		return zero, invalidScalar[T](loc)
	}
	return v, nil
}

// invalidScalar is the 422 of a value at loc that does not parse as T.
func invalidScalar[T Scalar](loc string) error {
	return problem.Invalid(loc, "must be a valid "+reflect.TypeFor[T]().Kind().String())
}

// parseKind parses raw as T by its kind, through reflection.
func parseKind[T Scalar](raw, loc string) (T, error) {
	var v T
	rv := reflect.ValueOf(&v).Elem()
	var err error
	switch rv.Kind() {
	case reflect.String:
		rv.SetString(raw)
	case reflect.Int, reflect.Int32, reflect.Int64:
		var n int64
		if n, err = strconv.ParseInt(raw, 10, rv.Type().Bits()); err == nil {
			rv.SetInt(n)
		}
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		var n uint64
		if n, err = strconv.ParseUint(raw, 10, rv.Type().Bits()); err == nil {
			rv.SetUint(n)
		}
	case reflect.Bool:
		var b bool
		if b, err = strconv.ParseBool(raw); err == nil {
			rv.SetBool(b)
		}
	case reflect.Float64:
		var f float64
		if f, err = strconv.ParseFloat(raw, 64); err == nil {
			rv.SetFloat(f)
		}
	}
	if err != nil {
		return v, problem.Invalid(loc, "must be a valid "+rv.Kind().String())
	}
	return v, nil
}

// DefaultBodyLimit is the most bytes JSON reads of a request body (1 MiB)
// when the request carries no other limit (see WithBodyLimit).
const DefaultBodyLimit = 1 << 20

type bodyLimitKey struct{}

// WithBodyLimit returns a copy of ctx under which JSON and Decoder read at
// most n bytes of a request body instead of DefaultBodyLimit, and answer
// 413 beyond. gatehouse.API sets it from Options.BodyLimit.
func WithBodyLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, bodyLimitKey{}, n)
}

// BodyLimit returns the body limit set on ctx by WithBodyLimit, or
// DefaultBodyLimit.
func BodyLimit(ctx context.Context) int64 {
	if n, ok := ctx.Value(bodyLimitKey{}).(int64); ok && n > 0 {
		return n
	}
	return DefaultBodyLimit
}

// Validator is implemented by request bodies that check their own values
// after decoding and after their tags' rules held: for rules across fields
// ("give name or password") that no tag can state. Return a
// *problem.Details (problem.Invalid) for a 422.
type Validator interface {
	Validate() error
}

// JSON returns the dependency on the request body decoded as a T.
//
// Decoding is strict: a Content-Type other than application/json is 415;
// a body over the limit (BodyLimit of the request's context, which
// gatehouse.API sets from its Options.BodyLimit) is 413; and the body must
// hold what the OpenAPI document of T says, else 422 listing every broken
// rule with its location ("body.title", "body.items.0.name"):
//
//   - each required field present (see Field.Required: a non-pointer field
//     without omitempty, omitzero or the optional tag; present, not
//     non-zero);
//   - no unknown field, and field names spelled exactly (encoding/json
//     alone would accept "TITLE" for "title");
//   - no duplicate key in any object, nested, in arrays and in maps
//     (encoding/json alone keeps the last);
//   - values of the field's JSON type, null only for pointers;
//   - the rules of each field's openapi tag (see Rules);
//   - one JSON value, nothing after it; then the Validate method, if T has one.
//
// The rules are read from T once, here: JSON panics if T's tags are
// malformed, as a route that cannot be served should not start.
func JSON[T any]() Dep[T] {
	dec := NewDecoder[T]()
	d := newDep("body", func(s *Scope, _ []int) (T, error) {
		return dec.Decode(s.r)
	})
	return d.Describe("body", Body{Type: reflect.TypeFor[T](), ContentType: "application/json", Limit: DefaultBodyLimit})
}

// Decoder decodes request bodies as JSON does, with T's rules compiled
// once: for handlers that accept several content types and so cannot
// declare JSON[T] as a dependency.
type Decoder[T any] struct{ shape value }

// NewDecoder returns the decoder of T's bodies. It panics if T cannot be
// JSON or its openapi tags are malformed.
func NewDecoder[T any]() *Decoder[T] {
	v, err := compileBody(reflect.TypeFor[T]())
	if err != nil {
		panic(fmt.Sprintf("dep: JSON body %v: %v", reflect.TypeFor[T](), err))
	}
	return &Decoder[T]{shape: v}
}

// Decode decodes r's body as JSON[T] does.
func (d *Decoder[T]) Decode(r *http.Request) (T, error) {
	var v T
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return v, problem.UnsupportedMediaType("application/json")
	}
	b, err := readBody(r)
	if err != nil {
		return v, err
	}
	if err := checkBody(b, d.shape); err != nil {
		return v, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, decodeProblem(err)
	}
	if val, ok := any(&v).(Validator); ok {
		if err := val.Validate(); err != nil {
			return v, err
		}
	}
	return v, nil
}

// DecodeJSON decodes r's body as JSON does. It reads T's rules on every
// call: code on a hot path makes a Decoder once instead.
func DecodeJSON[T any](r *http.Request) (T, error) {
	var zero T
	v, err := compileBody(reflect.TypeFor[T]())
	if err != nil {
		return zero, fmt.Errorf("dep: JSON body %v: %w", reflect.TypeFor[T](), err)
	}
	return (&Decoder[T]{shape: v}).Decode(r)
}

// readBody reads r's body up to its limit: 413 beyond it, or beyond a
// smaller limit a server put on the body before (http.MaxBytesReader).
func readBody(r *http.Request) ([]byte, error) {
	limit := BodyLimit(r.Context())
	if r.ContentLength > limit {
		return nil, problem.TooLarge(limit)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, problem.TooLarge(mbe.Limit)
	case err != nil:
		return nil, problem.Invalid("body", "could not be read")
	}
	return buf.Bytes(), nil
}

func decodeProblem(err error) error {
	var (
		mbe *http.MaxBytesError
		ute *json.UnmarshalTypeError
		se  *json.SyntaxError
	)
	switch {
	case errors.As(err, &mbe):
		return problem.TooLarge(mbe.Limit)
	case errors.As(err, &ute):
		loc := "body"
		if ute.Field != "" {
			loc += "." + ute.Field
		}
		return problem.Invalid(loc, "must be of type "+jsonKind(ute.Type))
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.Invalid("body", "malformed JSON")
	case errors.Is(err, io.EOF):
		return problem.Invalid("body", "a JSON body is required")
	}
	if f, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		return problem.Invalid("body."+strings.TrimSuffix(f, `"`), "unknown field")
	}
	return problem.Invalid("body", "invalid JSON")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}
