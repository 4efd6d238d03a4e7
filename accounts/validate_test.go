package accounts_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
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
			{"ValidateName", "name", accounts.ValidateName(bad)},
			{"NewUser.CheckText", "email", accounts.NewUser{Email: bad}.CheckText()},
			{"NewAPIKey.CheckText", "name", accounts.NewAPIKey{Name: bad}.CheckText()},
			{"CheckText", "x", accounts.CheckText(accounts.TextField{Name: "x", Value: bad})},
		}
		for _, c := range cases {
			if got := fieldOf(c.err); got != c.field {
				t.Errorf("%s(%q) = %v, want a validation error for %s", c.name, bad, c.err, c.field)
			}
		}
		_, err := accounts.ValidateRegistration("ann"+bad+"@example.com", "password-ann", "Ann")
		if got := fieldOf(err); got != "email" {
			t.Errorf("ValidateRegistration(email %q) = %v, want a validation error for email", bad, err)
		}
		if _, ok := accounts.NormalizeEmail("Ann" + bad + "@Example.com"); ok {
			t.Errorf("NormalizeEmail(%q) ok = true, want false", "Ann"+bad+"@Example.com")
		}
	}
	if err := accounts.ValidateName("Ann é"); err != nil {
		t.Errorf("ValidateName(%q) = %v, want nil", "Ann é", err)
	}
}

func TestCleanMeta(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"clean", "Mozilla/5.0 (X11; Linux x86_64) é", "Mozilla/5.0 (X11; Linux x86_64) é"},
		{"NUL and controls", "a\x00b\x01c\td\r\ne\x7ff\u0085g", "abcdefg"},
		{"invalid UTF-8", "a\xff\xfeb\xc3", "a\uFFFDb\uFFFD"},
		{"long ASCII", strings.Repeat("a", 300), strings.Repeat("a", accounts.MaxMetaBytes)},
		{"cut before a rune that crosses the limit", strings.Repeat("a", accounts.MaxMetaBytes-2) + "😀", strings.Repeat("a", accounts.MaxMetaBytes-2)},
		{"empty", "", ""},
	}
	for _, c := range cases {
		if got := accounts.CleanMeta(c.in); got != c.want {
			t.Errorf("CleanMeta(%s) = %q, want %q", c.name, got, c.want)
		}
	}
}
