package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ContentType is the media type of a problem document.
const ContentType = "application/problem+json"

// Details is an RFC 9457 problem document. It is also an error, so
// dependencies can return it and the API writes it as is.
type Details struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`

	// Header is sent with the response (WWW-Authenticate, Allow, Retry-After).
	Header http.Header `json:"-"`
}

// FieldError is one invalid input of a 422 answer.
type FieldError struct {
	// Location is where the value was: "body.email", "path.id", "query.limit".
	Location string `json:"location"`
	// Message says what is wrong with it.
	Message string `json:"message"`
}

// New returns a problem with the given status and detail.
func New(status int, detail string) *Details {
	return &Details{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

// Error implements error.
func (d *Details) Error() string {
	if d.Detail == "" {
		return strconv.Itoa(d.Status) + " " + d.Title
	}
	return strconv.Itoa(d.Status) + " " + d.Title + ": " + d.Detail
}

// With returns a copy of d with header key set to value (added to any
// values already present).
func (d *Details) With(key, value string) *Details {
	c := *d
	c.Header = d.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Add(key, value)
	return &c
}

// Write writes d as the response.
func Write(w http.ResponseWriter, d *Details) {
	h := w.Header()
	for k, vs := range d.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(d.Status)
	b, err := json.Marshal(d)
	if err != nil { // cannot happen: Details holds only strings and ints
		return
	}
	_, _ = w.Write(append(b, '\n'))
}

// Challenge strings of WWW-Authenticate.
const (
	challengeBearer        = "Bearer"
	challengeInvalidBearer = `Bearer error="invalid_token"`
	challengeAPIKey        = "APIKey"
)

// NotAuthenticated is the answer to a request without a bearer token:
// 401 "Not authenticated" with WWW-Authenticate: Bearer.
func NotAuthenticated() *Details { return Unauthenticated(challengeBearer) }

// APIKeyMissing is the answer to a request without an API key:
// 401 "Not authenticated" with WWW-Authenticate: APIKey.
func APIKeyMissing() *Details { return Unauthenticated(challengeAPIKey) }

// Unauthenticated is 401 "Not authenticated" with one WWW-Authenticate
// challenge per accepted scheme: the answer when no credential of any
// accepted kind was sent.
func Unauthenticated(challenges ...string) *Details {
	d := New(http.StatusUnauthorized, "Not authenticated")
	for _, c := range challenges {
		d = d.With("WWW-Authenticate", c)
	}
	return d
}

// InvalidToken is the answer to a bad, expired or revoked token or an
// unknown subject: 401 "Could not validate credentials".
func InvalidToken() *Details {
	return New(http.StatusUnauthorized, "Could not validate credentials").With("WWW-Authenticate", challengeInvalidBearer)
}

// InvalidSession is the answer to a session cookie that names no live
// session: 401 "Could not validate credentials" with challenge (the
// cookie scheme's WWW-Authenticate).
func InvalidSession(challenge string) *Details {
	return New(http.StatusUnauthorized, "Could not validate credentials").With("WWW-Authenticate", challenge)
}

// InactiveUser is the answer when the user is not active: 400 "Inactive user".
func InactiveUser() *Details { return New(http.StatusBadRequest, "Inactive user") }

// EmailNotVerified is the answer to the right password of a user who has
// not verified their e-mail address, where verification is required: 400
// "Email not verified".
func EmailNotVerified() *Details { return New(http.StatusBadRequest, "Email not verified") }

// InvalidOrExpiredToken is the answer to a password reset or e-mail
// verification token that is used, expired or unknown: 400 "Invalid or
// expired token".
func InvalidOrExpiredToken() *Details { return New(http.StatusBadRequest, "Invalid or expired token") }

// AdminRequired is the answer of RequireAdmin: 403 "Admin access required".
func AdminRequired() *Details { return New(http.StatusForbidden, "Admin access required") }

// InsufficientPermissions is the answer of RequireRole: 403 "Insufficient permissions".
func InsufficientPermissions() *Details { return New(http.StatusForbidden, "Insufficient permissions") }

// MissingScope is the answer when a credential lacks scopes:
// 403 "Not enough permissions" with WWW-Authenticate: Bearer scope="…".
func MissingScope(scopes ...string) *Details {
	return New(http.StatusForbidden, "Not enough permissions").
		With("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+strings.Join(scopes, " ")+`"`)
}

// InvalidAPIKey is the answer to a bad, revoked or expired API key: 403 "Invalid API key".
func InvalidAPIKey() *Details { return New(http.StatusForbidden, "Invalid API key") }

// NotFound is the answer for a missing resource or someone else's: 404
// with detail "<what> not found" (e.g. "Note not found").
func NotFound(what string) *Details { return New(http.StatusNotFound, what+" not found") }

// BadCredentials is the answer to a wrong e-mail or password at login:
// 401 "Incorrect username or password" with WWW-Authenticate: Bearer.
func BadCredentials() *Details {
	return New(http.StatusUnauthorized, "Incorrect username or password").With("WWW-Authenticate", challengeBearer)
}

// TooManyRequests is the answer when a rate limit is hit: 429 "Too many
// requests" with Retry-After in whole seconds (at least 1).
func TooManyRequests(retryAfter time.Duration) *Details {
	return New(http.StatusTooManyRequests, "Too many requests").With("Retry-After", retryAfterSeconds(retryAfter))
}

// TooManyStreams is the answer when a user has as many event streams open
// as allowed: 429 "Too many open event streams" with Retry-After: 5.
func TooManyStreams() *Details {
	return New(http.StatusTooManyRequests, "Too many open event streams").With("Retry-After", "5")
}

// Unavailable is the answer when the server is saturated or a service it
// needs (the database) is unavailable or timed out: 503 "Service
// unavailable" with Retry-After in whole seconds (at least 1).
func Unavailable(retryAfter time.Duration) *Details {
	return New(http.StatusServiceUnavailable, "Service unavailable").With("Retry-After", retryAfterSeconds(retryAfter))
}

// retryAfterSeconds is d in whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

// TooLarge is the answer to a body over the limit: 413.
func TooLarge(limit int64) *Details {
	return New(http.StatusRequestEntityTooLarge, "Request body larger than "+strconv.FormatInt(limit, 10)+" bytes")
}

// UnsupportedMediaType is the answer when a JSON endpoint is sent another content type: 415.
func UnsupportedMediaType(want string) *Details {
	return New(http.StatusUnsupportedMediaType, "Content-Type must be "+want)
}

// Validation is the answer to invalid input: 422 with one FieldError per problem.
func Validation(errs ...FieldError) *Details {
	d := New(http.StatusUnprocessableEntity, "Validation failed")
	if len(errs) == 1 {
		d.Detail = errs[0].Location + ": " + errs[0].Message
	}
	d.Errors = errs
	return d
}

// Invalid is Validation with a single field error.
func Invalid(location, message string) *Details {
	return Validation(FieldError{Location: location, Message: message})
}

// Conflict is the answer to a state conflict: 409 with detail.
func Conflict(detail string) *Details { return New(http.StatusConflict, detail) }

// NoteLimit is the answer when the caller's note quota is full: 409 "Note
// limit reached".
func NoteLimit() *Details { return Conflict("Note limit reached") }

// APIKeyLimit is the answer when the caller's API key quota is full: 409
// "API key limit reached".
func APIKeyLimit() *Details { return Conflict("API key limit reached") }

// MethodNotAllowed is the answer to a method the route does not serve: 405
// with Allow.
func MethodNotAllowed(allow string) *Details {
	return New(http.StatusMethodNotAllowed, "Method Not Allowed").With("Allow", allow)
}

// RouteNotFound is the answer for a path no route serves: 404 "Not Found".
func RouteNotFound() *Details { return New(http.StatusNotFound, "Not Found") }

// Internal is the answer to an unexpected error. Its detail is generic: the
// real error is logged, never sent.
func Internal() *Details {
	return New(http.StatusInternalServerError, "Internal Server Error")
}
