package notes

import (
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// Limits of SPEC §7 on notes.
const (
	MaxTitleChars = 200
	MaxBodyBytes  = 100_000
)

// Validate checks a new note: title 1–200 characters, body at most
// 100,000 bytes of UTF-8.
func (in NoteInput) Validate() error {
	var v accounts.Validator
	title(&v, in.Title)
	body(&v, in.Body)
	return v.Err()
}

// Validate checks a note change; at least one field must be given.
func (p NotePatch) Validate() error {
	var v accounts.Validator
	v.Check(p.Title != nil || p.Body != nil, "title", "give title or body")
	if p.Title != nil {
		title(&v, *p.Title)
	}
	if p.Body != nil {
		body(&v, *p.Body)
	}
	return v.Err()
}

// title checks a note's title: storable text of 1 to 200 characters, not
// only spaces.
func title(v *accounts.Validator, t string) {
	if !v.Text("title", t) {
		return
	}
	n := utf8.RuneCountInString(t)
	v.Check(n >= MinTitleChars && n <= MaxTitleChars && strings.TrimSpace(t) != "", "title", accounts.CharsMessage(MinTitleChars, MaxTitleChars))
}

// body checks a note's body: storable text of at most 100,000 bytes.
func body(v *accounts.Validator, b string) {
	if !v.Text("body", b) {
		return
	}
	v.Check(len(b) <= MaxBodyBytes, "body", bytesMessage(MaxBodyBytes))
}

// CheckText is CheckText of the note's title and body: what a store
// checks before it writes a new note.
func (in NoteInput) CheckText() error {
	return accounts.CheckText(accounts.TextField{Name: "title", Value: in.Title}, accounts.TextField{Name: "body", Value: in.Body})
}

// CheckText is CheckText of the fields the patch sets: what a store checks
// before it changes a note.
func (p NotePatch) CheckText() error {
	var fs []accounts.TextField
	if p.Title != nil {
		fs = append(fs, accounts.TextField{Name: "title", Value: *p.Title})
	}
	if p.Body != nil {
		fs = append(fs, accounts.TextField{Name: "body", Value: *p.Body})
	}
	return accounts.CheckText(fs...)
}
