package notes

import (
	"net/mail"
	"strings"
	"unicode"
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

// validator collects field errors.
type validator struct{ errs []FieldError }

func (v *validator) check(ok bool, field, msg string) {
	if !ok {
		v.errs = append(v.errs, FieldError{field, msg})
	}
}

// text checks that s is text every engine can store (ValidText) and
// reports whether it is.
func (v *validator) text(field, s string) bool {
	ok := ValidText(s)
	v.check(ok, field, textMessage)
	return ok
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.errs}
}

// textMessage is the message of a field that is not storable text.
const textMessage = "must be valid UTF-8 without NUL characters"

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
	var v validator
	for _, f := range fields {
		v.text(f.Name, f.Value)
	}
	return v.err()
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
	v.name("name", name)
	return email, v.err()
}

// name checks a display name: storable text of 1 to 200 characters
// (spaces aside).
func (v *validator) name(field, name string) {
	if !v.text(field, name) {
		return
	}
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	v.check(n >= MinNameChars && n <= MaxNameChars, field, charsMessage(MinNameChars, MaxNameChars))
}

// ValidateName checks a display name (or an API key's name, from the CLI):
// valid UTF-8 without NUL, 1 to 200 characters.
func ValidateName(name string) error {
	var v validator
	v.name("name", name)
	return v.err()
}

// Validate checks a new note: title 1–200 characters, body at most
// 100,000 bytes of UTF-8.
func (in NoteInput) Validate() error {
	var v validator
	v.title(in.Title)
	v.body(in.Body)
	return v.err()
}

// Validate checks a note change; at least one field must be given.
func (p NotePatch) Validate() error {
	var v validator
	v.check(p.Title != nil || p.Body != nil, "title", "give title or body")
	if p.Title != nil {
		v.title(*p.Title)
	}
	if p.Body != nil {
		v.body(*p.Body)
	}
	return v.err()
}

// title checks a note's title: storable text of 1 to 200 characters, not
// only spaces.
func (v *validator) title(t string) {
	if !v.text("title", t) {
		return
	}
	n := utf8.RuneCountInString(t)
	v.check(n >= MinTitleChars && n <= MaxTitleChars && strings.TrimSpace(t) != "", "title", charsMessage(MinTitleChars, MaxTitleChars))
}

// body checks a note's body: storable text of at most 100,000 bytes.
func (v *validator) body(b string) {
	if !v.text("body", b) {
		return
	}
	v.check(len(b) <= MaxBodyBytes, "body", bytesMessage(MaxBodyBytes))
}

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

// CheckText is CheckText of the user's e-mail and name: what a store
// checks before it writes a new user.
func (u NewUser) CheckText() error {
	return CheckText(TextField{"email", u.Email}, TextField{"name", u.Name})
}

// CheckText is CheckText of the note's title and body: what a store
// checks before it writes a new note.
func (in NoteInput) CheckText() error {
	return CheckText(TextField{"title", in.Title}, TextField{"body", in.Body})
}

// CheckText is CheckText of the fields the patch sets: what a store checks
// before it changes a note.
func (p NotePatch) CheckText() error {
	var fs []TextField
	if p.Title != nil {
		fs = append(fs, TextField{"title", *p.Title})
	}
	if p.Body != nil {
		fs = append(fs, TextField{"body", *p.Body})
	}
	return CheckText(fs...)
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
