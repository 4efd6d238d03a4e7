package gatehouse

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// ErrorFormat renders an API's error answers in the application's own
// shape instead of RFC 9457 problems, and tells the OpenAPI document what
// that shape is, so the two cannot disagree. Every error the API answers
// goes through it: the dependencies' problems, mapped domain errors, the
// generic 500, and the mux's own 404 and 405.
type ErrorFormat struct {
	// ContentType is the media type of the bodies; default "application/json".
	ContentType string
	// Body is the Go type whose JSON Schema the document shows for an
	// error answer with status. Required.
	Body func(status int) reflect.Type
	// Write writes the body of p. The API has already set p's headers
	// (WWW-Authenticate, Retry-After, Allow), Content-Type and
	// Cache-Control: no-store, and written the status line.
	Write func(w http.ResponseWriter, r *http.Request, p *problem.Details)
}

// MediaType returns f's content type.
func (f *ErrorFormat) MediaType() string {
	if f == nil {
		return problem.ContentType
	}
	if f.ContentType == "" {
		return "application/json"
	}
	return f.ContentType
}

// BodyType returns the Go type of an error answer's body with status:
// problem.Details without a format.
func (f *ErrorFormat) BodyType(status int) reflect.Type {
	if f == nil || f.Body == nil {
		return reflect.TypeFor[problem.Details]()
	}
	return f.Body(status)
}

// write writes p in format f (a problem without one).
func (f *ErrorFormat) write(w http.ResponseWriter, r *http.Request, p *problem.Details) {
	if f == nil || f.Write == nil {
		problem.Write(w, p)
		return
	}
	h := w.Header()
	for k, vs := range p.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Type", f.MediaType())
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	f.Write(w, r, p)
}

// FastAPIError is the body of a FastAPI error answer: {"detail": "…"}.
type FastAPIError struct {
	Detail string `json:"detail"`
}

// FastAPIValidationError is the body of FastAPI's 422 answer.
type FastAPIValidationError struct {
	Detail []FastAPIErrorItem `json:"detail"`
}

// FastAPIErrorItem is one invalid input of a FastAPIValidationError.
type FastAPIErrorItem struct {
	// Loc is where the value was: ["body", "title"], ["path", "id"].
	Loc []string `json:"loc"`
	// Msg says what is wrong with it.
	Msg string `json:"msg"`
	// Type is the kind of error; always "value_error".
	Type string `json:"type"`
}

// FastAPIErrors is the ErrorFormat of FastAPI: {"detail": "…"} for every
// error, and {"detail": [{"loc", "msg", "type"}]} for 422, so that clients
// written for a FastAPI app keep working unchanged.
func FastAPIErrors() *ErrorFormat {
	return &ErrorFormat{
		Body: func(status int) reflect.Type {
			if status == http.StatusUnprocessableEntity {
				return reflect.TypeFor[FastAPIValidationError]()
			}
			return reflect.TypeFor[FastAPIError]()
		},
		Write: func(w http.ResponseWriter, _ *http.Request, p *problem.Details) {
			var body any = FastAPIError{Detail: p.Detail}
			if p.Status == http.StatusUnprocessableEntity {
				v := FastAPIValidationError{Detail: make([]FastAPIErrorItem, 0, len(p.Errors))}
				for _, e := range p.Errors {
					v.Detail = append(v.Detail, FastAPIErrorItem{Loc: strings.Split(e.Location, "."), Msg: e.Message, Type: "value_error"})
				}
				body = v
			} else if p.Detail == "" {
				body = FastAPIError{Detail: p.Title}
			}
			_ = json.NewEncoder(w).Encode(body)
		},
	}
}
