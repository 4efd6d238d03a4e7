package notes_test

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// fieldOf returns the first field a validation error names ("" for none).
func fieldOf(err error) string {
	var ve *accounts.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		return ""
	}
	return ve.Fields[0].Field
}

func TestValidateRefusesBadText(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"a\x00b", "\x00", "a\xffb", "caf\xc3", "\xed\xa0\x80"} {
		cases := []struct {
			name, field string
			err         error
		}{
			{"NoteInput.Validate title", "title", notes.NoteInput{Title: bad}.Validate()},
			{"NoteInput.Validate body", "body", notes.NoteInput{Title: "t", Body: bad}.Validate()},
			{"NotePatch.Validate title", "title", notes.NotePatch{Title: &bad}.Validate()},
			{"NotePatch.Validate body", "body", notes.NotePatch{Body: &bad}.Validate()},
			{"NoteInput.CheckText", "title", notes.NoteInput{Title: bad}.CheckText()},
		}
		for _, c := range cases {
			if got := fieldOf(c.err); got != c.field {
				t.Errorf("%s(%q) = %v, want a validation error for %s", c.name, bad, c.err, c.field)
			}
		}
	}
}
