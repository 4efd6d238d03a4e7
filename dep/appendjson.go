package dep

import (
	"sync"
	"time"
	"unicode/utf8"
)

// JSONAppender is implemented by a result type that writes its own JSON:
// a handler's result (or a Created or Response body) that implements it is
// appended to a pooled buffer instead of going through encoding/json's
// reflection, which is most of the cost of encoding a small object.
// AppendJSON must append exactly what json.Marshal gives for the value
// (test it against json.Marshal, as the project's own types do), so the
// OpenAPI schema, derived from the type's fields and tags, stays true.
// AppendJSONString and AppendJSONTime write strings and times as
// encoding/json does.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// AppendJSONString appends s as a JSON string exactly as json.Marshal
// writes it: HTML-safe (<, > and & escaped), U+2028 and U+2029 escaped,
// and each byte of invalid UTF-8 replaced by U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control bytes, <, >, &
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSONTime appends t as json.Marshal writes a time.Time: an RFC 3339
// string with nanoseconds; an error for a time RFC 3339 cannot express
// (a year outside 0–9999), as json.Marshal reports.
func AppendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// jsonBuffers holds the buffers of appended responses; one grown past
// maxPooledJSON is left to the garbage collector.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledJSON = 64 << 10
