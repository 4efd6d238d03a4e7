package accounts

import (
	"reflect"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// TestTagsMatchDomainLimits holds the body tags, which dep.JSON enforces
// and the document states, to the validation's limits, which protect the
// flows when they are called without HTTP (a web UI, a CLI): the numbers
// are written twice, and this test is what keeps them one rule.
func TestTagsMatchDomainLimits(t *testing.T) {
	t.Parallel()
	n := func(v int) *int64 { x := int64(v); return &x }
	tests := []struct {
		typ   reflect.Type
		field string
		want  dep.Rules
	}{
		{reflect.TypeFor[registerInput](), "email", dep.Rules{MaxBytes: n(MaxEmailChars), Format: "email"}},
		{reflect.TypeFor[registerInput](), "password", dep.Rules{MinLength: n(MinPasswordChars), MaxLength: n(MaxPasswordChars), Format: "password"}},
		{reflect.TypeFor[registerInput](), "name", dep.Rules{MinLength: n(MinNameChars), MaxLength: n(MaxNameChars)}},
		{reflect.TypeFor[mePatch](), "name", dep.Rules{MinLength: n(MinNameChars), MaxLength: n(MaxNameChars)}},
		{reflect.TypeFor[mePatch](), "password", dep.Rules{MinLength: n(MinPasswordChars), MaxLength: n(MaxPasswordChars), Format: "password"}},
		{reflect.TypeFor[adminUserPatch](), "role", dep.Rules{Enum: []string{string(RoleUser), string(RoleAdmin)}}},
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
