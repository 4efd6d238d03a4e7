package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// textBehaviours are the rules about text (SPEC §5): a note's title and
// body are valid UTF-8 without NUL on every engine, and bad text is notes'
// validation error, never a driver error.
var textBehaviours = []behaviour{
	{"TextNoteRefused", testTextNoteRefused},
}

// badTexts are the inputs no engine may store: NUL (PostgreSQL refuses it
// in text), invalid UTF-8 (PostgreSQL refuses it; SQLite would keep it).
var badTexts = []struct{ name, s string }{
	{"NUL", "a\x00b"},
	{"only NUL", "\x00"},
	{"invalid byte", "a\xffb"},
	{"truncated sequence", "caf\xc3"},
	{"encoded surrogate", "\xed\xa0\x80"},
	{"overlong slash", "\xc0\xaf"},
}

// wantInvalid fails t unless err is a *accounts.ValidationError naming field.
func wantInvalid(t *testing.T, op string, err error, field string) {
	t.Helper()
	var ve *accounts.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s = %v, want a *accounts.ValidationError for %s", op, err, field)
		return
	}
	if !slices.ContainsFunc(ve.Fields, func(f accounts.FieldError) bool { return f.Field == field }) {
		t.Errorf("%s = %v, want a field error for %s", op, err, field)
	}
}

func testTextNoteRefused(t *testing.T, s Store) {
	ctx := t.Context()
	o := owner(newUser(t, s, "ann", ""))
	n := newNote(t, s, o, "kept")
	for _, b := range badTexts {
		_, err := s.Notes(o).Create(ctx, notes.NoteInput{Title: b.s, Body: "fine"})
		wantInvalid(t, fmt.Sprintf("Notes.Create(title %s)", b.name), err, "title")
		_, err = s.Notes(o).Create(ctx, notes.NoteInput{Title: "fine", Body: b.s})
		wantInvalid(t, fmt.Sprintf("Notes.Create(body %s)", b.name), err, "body")
		_, err = s.Notes(o).Update(ctx, n.ID, notes.NotePatch{Title: ptr(b.s)})
		wantInvalid(t, fmt.Sprintf("Notes.Update(title %s)", b.name), err, "title")
		_, err = s.Notes(o).Update(ctx, n.ID, notes.NotePatch{Body: ptr(b.s)})
		wantInvalid(t, fmt.Sprintf("Notes.Update(body %s)", b.name), err, "body")
	}
	list, _, err := s.Notes(o).List(ctx, notes.Page{})
	noErr(t, "Notes.List", err)
	diff(t, "Notes.List after refused writes", []notes.Note{n}, list, approxTime)
}
