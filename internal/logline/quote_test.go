package logline

import (
	"strconv"
	"testing"
	"unicode"
	"unicode/utf8"
)

// slogNeedsQuoting is slog's text handler's needsQuoting as written
// there, with its safeSet (encoding/json's) spelled as a rule.
func slogNeedsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			safeSet := b >= 0x20 && b != '"' && b != '\\'
			if b != '\\' && (b == ' ' || b == '=' || !safeSet) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// TestEveryByte checks the table and the ASCII quoting for each byte
// alone and between others.
func TestEveryByte(t *testing.T) {
	t.Parallel()
	for b := range 256 {
		for _, s := range []string{string([]byte{byte(b)}), "a" + string([]byte{byte(b)}) + "b"} {
			if got, want := needsQuoting(s), slogNeedsQuoting(s); got != want {
				t.Errorf("needsQuoting(%q) = %v, want %v", s, got, want)
			}
			if got, want := string(appendQuote(nil, s)), strconv.Quote(s); got != want {
				t.Errorf("appendQuote(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a b", "\x00\a\b\f\n\r\t\v\x7f\\\"", "\xff", "héllo", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := needsQuoting(s), slogNeedsQuoting(s); got != want {
			t.Errorf("needsQuoting(%q) = %v, want %v", s, got, want)
		}
		if got, want := string(appendQuote(nil, s)), strconv.Quote(s); got != want {
			t.Errorf("appendQuote(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestSpecial checks the eight-byte test against the table on words of
// one special byte among plain ones, at each position.
func TestSpecial(t *testing.T) {
	t.Parallel()
	for b := range 256 {
		for pos := range 8 {
			s := []byte("abcdefgh")
			s[pos] = byte(b)
			var w uint64
			for i := range 8 {
				w |= uint64(s[i]) << (8 * i)
			}
			want := b >= utf8.RuneSelf || b < '!' || b == '"' || b == '='
			if got := special(w); got != want {
				t.Errorf("special(%q) = %v, want %v", s, got, want)
			}
		}
	}
}
