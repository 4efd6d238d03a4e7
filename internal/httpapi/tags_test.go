package httpapi

import (
	"reflect"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// TestTagsMatchDomainLimits holds the body tags, which dep.JSON enforces
// and the document states, to the domain's limits, which protect the
// domain when it is called without HTTP (the CLI, the web UI): the
// numbers are written twice, and this test is what keeps them one rule.
func TestTagsMatchDomainLimits(t *testing.T) {
	t.Parallel()
	n := func(v int) *int64 { x := int64(v); return &x }
	tests := []struct {
		typ   reflect.Type
		field string
		want  dep.Rules
	}{
		{reflect.TypeFor[noteInput](), "title", dep.Rules{MinLength: n(notes.MinTitleChars), MaxLength: n(notes.MaxTitleChars)}},
		{reflect.TypeFor[noteInput](), "body", dep.Rules{MaxBytes: n(notes.MaxBodyBytes), Optional: true}},
		{reflect.TypeFor[notePatch](), "title", dep.Rules{MinLength: n(notes.MinTitleChars), MaxLength: n(notes.MaxTitleChars)}},
		{reflect.TypeFor[notePatch](), "body", dep.Rules{MaxBytes: n(notes.MaxBodyBytes)}},
	}
	for _, tt := range tests {
		fs, err := dep.Fields(tt.typ)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range fs {
			if f.Name != tt.field {
				continue
			}
			found = true
			if !reflect.DeepEqual(f.Rules, tt.want) {
				t.Errorf("%v.%s rules = %+v, want %+v (the domain's limits)", tt.typ, tt.field, f.Rules, tt.want)
			}
		}
		if !found {
			t.Errorf("%v has no field %s", tt.typ, tt.field)
		}
	}
}
