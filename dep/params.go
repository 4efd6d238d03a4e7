package dep

import (
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

func parse[T Scalar](raw, loc string) (T, error) {
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

// DefaultBodyLimit is the most bytes JSON reads of a request body (1 MiB).
const DefaultBodyLimit = 1 << 20

// Validator is implemented by request bodies that check their own values
// after decoding. Return a *problem.Details (problem.Invalid) for a 422.
type Validator interface {
	Validate() error
}

// JSON returns the dependency on the request body decoded as a T. Decoding
// is strict: a Content-Type other than application/json is 415, a body over
// DefaultBodyLimit is 413, and malformed JSON, unknown fields, wrong types,
// trailing data or a failed Validate are 422 with the field's location
// ("body.email").
func JSON[T any]() Dep[T] {
	d := newDep("body", func(s *Scope, _ []int) (T, error) {
		return decodeJSON[T](s.r, DefaultBodyLimit)
	})
	return d.Describe("body", Body{Type: reflect.TypeFor[T](), ContentType: "application/json", Limit: DefaultBodyLimit})
}

// DecodeJSON decodes r's body as JSON does, for handlers that accept
// several content types and so cannot declare JSON[T] as a dependency.
func DecodeJSON[T any](r *http.Request) (T, error) { return decodeJSON[T](r, DefaultBodyLimit) }

func decodeJSON[T any](r *http.Request, limit int64) (T, error) {
	var v T
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return v, problem.UnsupportedMediaType("application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, decodeProblem(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, problem.TooLarge(limit)
		}
		return v, problem.Invalid("body", "must hold exactly one JSON value")
	}
	if val, ok := any(&v).(Validator); ok {
		if err := val.Validate(); err != nil {
			return v, err
		}
	}
	return v, nil
}

func decodeProblem(err error, limit int64) error {
	var (
		mbe *http.MaxBytesError
		ute *json.UnmarshalTypeError
		se  *json.SyntaxError
	)
	switch {
	case errors.As(err, &mbe):
		return problem.TooLarge(limit)
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
