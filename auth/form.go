package auth

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// PasswordRequest is an OAuth2 password-grant request (FastAPI's
// OAuth2PasswordRequestForm).
type PasswordRequest struct {
	GrantType string   `json:"grant_type,omitempty"` // "password" or empty
	Username  string   `json:"username"`             // the e-mail address
	Password  string   `json:"password"`
	Scopes    []string `json:"scope,omitempty"` // space-separated in the form
}

const formLimit = 64 << 10

// PasswordForm is the dependency on a password-grant form sent as
// application/x-www-form-urlencoded (415 otherwise). A missing username or
// password, a repeated field or a grant_type other than "password" is 422.
func PasswordForm() dep.Dep[PasswordRequest] {
	return dep.New("form.password", func(r *http.Request) (PasswordRequest, error) {
		f, err := ParseForm(r)
		if err != nil {
			return PasswordRequest{}, err
		}
		req := PasswordRequest{GrantType: f.Get("grant_type"), Username: f.Get("username"), Password: f.Get("password")}
		if req.GrantType != "" && req.GrantType != "password" {
			return req, problem.Invalid("body.grant_type", `must be "password"`)
		}
		var errs []problem.FieldError
		if req.Username == "" {
			errs = append(errs, problem.FieldError{Location: "body.username", Message: "field required"})
		}
		if req.Password == "" {
			errs = append(errs, problem.FieldError{Location: "body.password", Message: "field required"})
		}
		if len(errs) > 0 {
			return req, problem.Validation(errs...)
		}
		req.Scopes = strings.Fields(f.Get("scope"))
		return req, nil
	}).Describe("form.password", dep.Body{
		Type:        reflect.TypeFor[PasswordRequest](),
		ContentType: "application/x-www-form-urlencoded",
		Limit:       formLimit,
	})
}

// ParseForm reads an application/x-www-form-urlencoded body strictly: 415
// for another content type, 413 over 64 KiB, 422 for a malformed body or a
// field given more than once.
func ParseForm(r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, problem.UnsupportedMediaType("application/x-www-form-urlencoded")
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, formLimit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, problem.TooLarge(formLimit)
	}
	if err != nil {
		return nil, problem.Invalid("body", "unreadable body")
	}
	f, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, problem.Invalid("body", "malformed form")
	}
	for k, vs := range f {
		if len(vs) > 1 {
			return nil, problem.Invalid("body."+k, "must be given once")
		}
	}
	return f, nil
}
