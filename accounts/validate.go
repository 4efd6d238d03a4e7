package accounts

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of SPEC §7 on account fields.
const (
	MinPasswordChars = 8
	MaxPasswordChars = 1024
	MinNameChars     = 1
	MaxNameChars     = 200
	MaxEmailChars    = 254
	MaxMetaBytes     = 200 // a session's user agent or IP, as stored
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

// Validator collects field errors into one *ValidationError: how an app
// checks its own inputs so that they fail like the account ones.
type Validator struct{ errs []FieldError }

// Check records msg for field unless ok.
func (v *Validator) Check(ok bool, field, msg string) {
	if !ok {
		v.errs = append(v.errs, FieldError{field, msg})
	}
}

// Text checks that s is text every engine can store (ValidText) and
// reports whether it is.
func (v *Validator) Text(field, s string) bool {
	ok := ValidText(s)
	v.Check(ok, field, textMessage)
	return ok
}

// Err returns the *ValidationError of what was recorded, or nil.
func (v *Validator) Err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.errs}
}

// textMessage is the message of a field that is not storable text.
const textMessage = "must be valid UTF-8 without NUL characters"

// CharsMessage is the message of a field of lo to hi characters.
func CharsMessage(lo, hi int) string { return fmt.Sprintf("must be %d to %d characters", lo, hi) }

// ValidText reports whether s is text every engine can store (SPEC §5):
// valid UTF-8 without NUL. PostgreSQL refuses anything else in a text
// column.
func ValidText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// TextField is one text value a store is about to write, named by its
// JSON field ("title").
type TextField struct {
	Name, Value string
}

// CheckText returns a *ValidationError naming each field that is not
// storable text (ValidText), or nil. Stores call it before they write, so
// that bad bytes are the same validation error on every engine, never a
// driver error, whatever the caller checked.
func CheckText(fields ...TextField) error {
	var v Validator
	for _, f := range fields {
		v.Text(f.Name, f.Value)
	}
	return v.Err()
}

// CleanMeta is request metadata kept with a session (a user agent, an IP
// address) made safe to store and show: invalid UTF-8 becomes U+FFFD,
// NUL and other control characters are dropped, and the result is cut to
// MaxMetaBytes on a character boundary.
func CleanMeta(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= MaxMetaBytes {
		return s
	}
	cut := MaxMetaBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// NormalizeEmail trims and lower-cases an e-mail address, and reports
// whether it is a plain, valid address.
func NormalizeEmail(s string) (string, bool) {
	if !ValidText(s) { // before ToLower, which would turn bad bytes into U+FFFD
		return s, false
	}
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
	var v Validator
	n := utf8.RuneCountInString(p)
	v.Check(n >= MinPasswordChars && n <= MaxPasswordChars, field, CharsMessage(MinPasswordChars, MaxPasswordChars))
	return v.Err()
}

// ValidateRegistration normalises and checks a registration; it returns
// the normalised e-mail.
func ValidateRegistration(email, password, name string) (string, error) {
	var v Validator
	email, ok := NormalizeEmail(email)
	v.Check(ok, "email", "must be a valid e-mail address")
	n := utf8.RuneCountInString(password)
	v.Check(n >= MinPasswordChars && n <= MaxPasswordChars, "password", CharsMessage(MinPasswordChars, MaxPasswordChars))
	checkName(&v, "name", name)
	return email, v.Err()
}

// checkName checks a display name: storable text of 1 to 200 characters
// (spaces aside).
func checkName(v *Validator, field, name string) {
	if !v.Text(field, name) {
		return
	}
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	v.Check(n >= MinNameChars && n <= MaxNameChars, field, CharsMessage(MinNameChars, MaxNameChars))
}

// ValidateName checks a display name (or an API key's name, from the CLI):
// valid UTF-8 without NUL, 1 to 200 characters.
func ValidateName(name string) error {
	var v Validator
	checkName(&v, "name", name)
	return v.Err()
}

// CheckText is CheckText of the user's e-mail and name: what a store
// checks before it writes a new user.
func (u NewUser) CheckText() error {
	return CheckText(TextField{"email", u.Email}, TextField{"name", u.Name})
}

// CheckText is CheckText of the key's name and prefix: what a store checks
// before it writes a new API key.
func (k NewAPIKey) CheckText() error {
	return CheckText(TextField{"name", k.Name}, TextField{"prefix", k.Prefix})
}

// Clean returns the session with its request metadata (user agent, IP)
// made safe to store by CleanMeta: what a store keeps of a new session.
func (s NewSession) Clean() NewSession {
	s.UserAgent = CleanMeta(s.UserAgent)
	s.IP = CleanMeta(s.IP)
	return s
}
