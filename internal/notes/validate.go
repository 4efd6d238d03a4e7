package notes

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Limits of SPEC §7.
const (
	MaxTitleChars    = 200
	MaxBodyBytes     = 100_000
	MinPasswordChars = 8
	MaxPasswordChars = 1024
	MaxNameChars     = 200
	MaxEmailChars    = 254
)

// ValidationError lists what is wrong with an input, by field.
type ValidationError struct {
	Fields []FieldError
}

// FieldError is one invalid field: Field is its JSON name ("email").
type FieldError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// validator collects field errors.
type validator struct{ errs []FieldError }

func (v *validator) check(ok bool, field, msg string) {
	if !ok {
		v.errs = append(v.errs, FieldError{field, msg})
	}
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.errs}
}

// NormalizeEmail trims and lower-cases an e-mail address, and reports
// whether it is a plain, valid address.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > MaxEmailChars {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return s, false
	}
	return s, true
}

// ValidatePassword checks a new password's length (8–1024 characters).
func ValidatePassword(field, p string) error {
	var v validator
	n := utf8.RuneCountInString(p)
	v.check(n >= MinPasswordChars && n <= MaxPasswordChars, field, charsMessage(MinPasswordChars, MaxPasswordChars))
	return v.err()
}

// ValidateRegistration normalises and checks a registration; it returns
// the normalised e-mail.
func ValidateRegistration(email, password, name string) (string, error) {
	var v validator
	email, ok := NormalizeEmail(email)
	v.check(ok, "email", "must be a valid e-mail address")
	n := utf8.RuneCountInString(password)
	v.check(n >= MinPasswordChars && n <= MaxPasswordChars, "password", charsMessage(MinPasswordChars, MaxPasswordChars))
	v.check(validName(name), "name", charsMessage(MinNameChars, MaxNameChars))
	return email, v.err()
}

func validName(name string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	return n >= MinNameChars && n <= MaxNameChars && utf8.ValidString(name)
}

// ValidateName checks a display name.
func ValidateName(name string) error {
	var v validator
	v.check(validName(name), "name", charsMessage(MinNameChars, MaxNameChars))
	return v.err()
}

// Validate checks a new note: title 1–200 characters, body at most
// 100,000 bytes of UTF-8.
func (in NoteInput) Validate() error {
	var v validator
	v.check(validTitle(in.Title), "title", charsMessage(MinTitleChars, MaxTitleChars))
	v.check(validBody(in.Body), "body", bytesMessage(MaxBodyBytes))
	return v.err()
}

// Validate checks a note change; at least one field must be given.
func (p NotePatch) Validate() error {
	var v validator
	v.check(p.Title != nil || p.Body != nil, "title", "give title or body")
	if p.Title != nil {
		v.check(validTitle(*p.Title), "title", charsMessage(MinTitleChars, MaxTitleChars))
	}
	if p.Body != nil {
		v.check(validBody(*p.Body), "body", bytesMessage(MaxBodyBytes))
	}
	return v.err()
}

func validTitle(t string) bool {
	n := utf8.RuneCountInString(t)
	return n >= MinTitleChars && n <= MaxTitleChars && utf8.ValidString(t) && strings.TrimSpace(t) != ""
}

func validBody(b string) bool { return len(b) <= MaxBodyBytes && utf8.ValidString(b) }

// GrantScopes cuts the requested scopes to what role allows; no request
// means every allowed scope. Unknown scopes are dropped.
func GrantScopes(role Role, requested []string) []string {
	if len(requested) == 0 {
		return AllowedScopes(role)
	}
	return CutScopes(role, requested)
}

// CutScopes returns the scopes of held that role still allows (none for
// none: unlike GrantScopes, empty stays empty).
func CutScopes(role Role, held []string) []string {
	out := []string{}
	for _, s := range AllowedScopes(role) {
		for _, r := range held {
			if r == s {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
