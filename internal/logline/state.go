package logline

import (
	"log/slog"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// state is one record's formatting, as slog's handleState without
// ReplaceAttr. It is pooled with its buffers and a cache of the last
// second's formatted date, time and zone.
type state struct {
	h      *Handler
	buf    []byte
	sep    string
	prefix []byte // text only: the open groups' "a.b." key prefix

	cacheOK   bool
	cacheSec  int64
	cacheLoc  *time.Location
	cacheDate []byte // "2006-01-02T15:04:05"
	cacheZone []byte // "Z" or "-07:00"
}

func (s *state) reset(h *Handler) {
	s.h = h
	s.buf = s.buf[:0]
	s.sep = ""
	s.prefix = s.prefix[:0]
}

// handle formats r as slog's commonHandler.handle. It reports false,
// leaving s.buf in no useful state, for a record it leaves to slog.
func (s *state) handle(r slog.Record) bool {
	if s.h.json {
		s.buf = append(s.buf, '{')
	}
	if !r.Time.IsZero() {
		s.appendKey(slog.TimeKey)
		if !s.appendTime(r.Time) {
			return false
		}
	}
	s.appendKey(slog.LevelKey)
	s.appendString(r.Level.String())
	s.appendKey(slog.MessageKey)
	s.appendString(r.Message)
	if !s.appendNonBuiltIns(r) {
		return false
	}
	s.buf = append(s.buf, '\n')
	return true
}

func (s *state) appendNonBuiltIns(r slog.Record) bool {
	h := s.h
	if pfa := h.preformatted; len(pfa) > 0 {
		s.buf = append(s.buf, s.sep...)
		s.buf = append(s.buf, pfa...)
		s.sep = h.attrSep()
		if h.json && pfa[len(pfa)-1] == '{' {
			s.sep = ""
		}
	}
	nOpenGroups := h.nOpenGroups
	if r.NumAttrs() > 0 {
		s.prefix = append(s.prefix, h.groupPrefix...)
		pos := len(s.buf)
		s.openGroups()
		nOpenGroups = len(h.groups)
		empty, ok := true, true
		r.Attrs(func(a slog.Attr) bool {
			appended, good := s.appendAttr(a)
			if !good {
				ok = false
				return false
			}
			if appended {
				empty = false
			}
			return true
		})
		if !ok {
			return false
		}
		if empty {
			s.buf = s.buf[:pos]
			nOpenGroups = h.nOpenGroups
		}
	}
	if h.json {
		for range h.groups[:nOpenGroups] {
			s.buf = append(s.buf, '}')
		}
		s.buf = append(s.buf, '}')
	}
	return true
}

func (s *state) openGroups() {
	for _, n := range s.h.groups[s.h.nOpenGroups:] {
		s.openGroup(n)
	}
}

func (s *state) openGroup(name string) {
	if s.h.json {
		s.appendKey(name)
		s.buf = append(s.buf, '{')
		s.sep = ""
		return
	}
	s.prefix = append(s.prefix, name...)
	s.prefix = append(s.prefix, '.')
}

func (s *state) closeGroup(name string) {
	if s.h.json {
		s.buf = append(s.buf, '}')
	} else {
		s.prefix = s.prefix[:len(s.prefix)-len(name)-1]
	}
	s.sep = s.h.attrSep()
}

// appendAttrs appends as; appended reports whether something was, ok
// false that one of them is left to slog.
func (s *state) appendAttrs(as []slog.Attr) (appended, ok bool) {
	for _, a := range as {
		app, good := s.appendAttr(a)
		if !good {
			return false, false
		}
		if app {
			appended = true
		}
	}
	return appended, true
}

// appendAttr appends a as slog's handleState.appendAttr. Values of kind
// Any (which includes the empty Attr) and LogValuer are not ok: they need
// slog's Resolve, fmt, encoding/json or its Source special case.
func (s *state) appendAttr(a slog.Attr) (appended, ok bool) {
	v := a.Value
	switch v.Kind() {
	case slog.KindAny, slog.KindLogValuer:
		return false, false
	case slog.KindGroup:
		attrs := v.Group()
		if len(attrs) == 0 {
			return false, true
		}
		pos := len(s.buf)
		if a.Key != "" {
			s.openGroup(a.Key)
		}
		nonEmpty, good := s.appendAttrs(attrs)
		if !good {
			return false, false
		}
		if !nonEmpty {
			s.buf = s.buf[:pos]
			return false, true
		}
		if a.Key != "" {
			s.closeGroup(a.Key)
		}
		return true, true
	}
	s.appendKey(a.Key)
	if s.h.json {
		return true, s.appendJSONValue(v)
	}
	return true, s.appendTextValue(v)
}

func (s *state) appendKey(key string) {
	s.buf = append(s.buf, s.sep...)
	if len(s.prefix) > 0 {
		s.appendTwoStrings(s.prefix, key)
	} else {
		s.appendString(key)
	}
	if s.h.json {
		s.buf = append(s.buf, ':')
	} else {
		s.buf = append(s.buf, '=')
	}
	s.sep = s.h.attrSep()
}

// appendTwoStrings appends the string x+y as slog's.
func (s *state) appendTwoStrings(x []byte, y string) {
	switch {
	case s.h.json:
		s.buf = append(s.buf, '"')
		s.buf = appendEscapedJSONString(s.buf, string(x))
		s.buf = appendEscapedJSONString(s.buf, y)
		s.buf = append(s.buf, '"')
	case !needsQuoting(string(x)) && !needsQuoting(y):
		s.buf = append(s.buf, x...)
		s.buf = append(s.buf, y...)
	default:
		s.buf = appendQuote(s.buf, string(x)+y)
	}
}

func (s *state) appendString(str string) {
	if s.h.json {
		s.buf = append(s.buf, '"')
		s.buf = appendEscapedJSONString(s.buf, str)
		s.buf = append(s.buf, '"')
		return
	}
	if needsQuoting(str) {
		s.buf = appendQuote(s.buf, str)
		return
	}
	s.buf = append(s.buf, str...)
}

// appendTextValue appends v as slog's appendTextValue (Value.append for
// the scalar kinds).
func (s *state) appendTextValue(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		s.appendString(v.String())
	case slog.KindInt64:
		s.buf = strconv.AppendInt(s.buf, v.Int64(), 10)
	case slog.KindUint64:
		s.buf = strconv.AppendUint(s.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		s.buf = strconv.AppendFloat(s.buf, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		s.buf = strconv.AppendBool(s.buf, v.Bool())
	case slog.KindDuration:
		s.buf = append(s.buf, v.Duration().String()...)
	case slog.KindTime:
		return s.appendTime(v.Time())
	default:
		return false
	}
	return true
}

// appendJSONValue appends v as slog's appendJSONValue.
func (s *state) appendJSONValue(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		s.appendString(v.String())
	case slog.KindInt64:
		s.buf = strconv.AppendInt(s.buf, v.Int64(), 10)
	case slog.KindUint64:
		s.buf = strconv.AppendUint(s.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return false // slog writes encoding/json's error
		}
		s.buf = appendJSONFloat(s.buf, f)
	case slog.KindBool:
		s.buf = strconv.AppendBool(s.buf, v.Bool())
	case slog.KindDuration:
		s.buf = strconv.AppendInt(s.buf, int64(v.Duration()), 10)
	case slog.KindTime:
		return s.appendTime(v.Time())
	default:
		return false
	}
	return true
}

// appendTime appends t as slog's text handler (RFC 3339 with exactly
// three digits of milliseconds) or JSON handler (quoted RFC3339Nano). The
// date, clock and zone of t's second are cached: only the fraction is
// formatted per call. It reports false for a year outside 1–9999, where
// slog's output is irregular (or an error in JSON).
func (s *state) appendTime(t time.Time) bool {
	sec, loc := t.Unix(), t.Location()
	if !s.cacheOK || sec != s.cacheSec || loc != s.cacheLoc {
		whole := t.Truncate(time.Second)
		if y := whole.Year(); y < 1 || y > 9999 {
			return false
		}
		const dateLen = len("2006-01-02T15:04:05")
		b := whole.AppendFormat(s.cacheDate[:0], time.RFC3339)
		s.cacheDate = b[:dateLen]
		s.cacheZone = append(s.cacheZone[:0], b[dateLen:]...)
		s.cacheOK, s.cacheSec, s.cacheLoc = true, sec, loc
	}
	nanos := t.Nanosecond()
	if !s.h.json {
		ms := nanos / 1e6
		s.buf = append(s.buf, s.cacheDate...)
		s.buf = append(s.buf, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
		s.buf = append(s.buf, s.cacheZone...)
		return true
	}
	s.buf = append(s.buf, '"')
	s.buf = append(s.buf, s.cacheDate...)
	if nanos != 0 {
		// time's appendNano for RFC3339Nano: nine digits, trailing zeros
		// trimmed.
		var d [9]byte
		for i := 8; i >= 0; i-- {
			d[i] = byte('0' + nanos%10)
			nanos /= 10
		}
		n := 9
		for d[n-1] == '0' {
			n--
		}
		s.buf = append(s.buf, '.')
		s.buf = append(s.buf, d[:n]...)
	}
	s.buf = append(s.buf, s.cacheZone...)
	s.buf = append(s.buf, '"')
	return true
}

// appendJSONFloat appends f as encoding/json's float64 encoder (ES6
// number formatting), which slog's JSON handler calls. f is finite.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// safe reports whether the ASCII byte b can stand in a JSON string
// unescaped (encoding/json's safeSet, which slog copies): all but the
// control characters, '"' and '\\'.
func safe(b byte) bool {
	return b >= ' ' && b != '"' && b != '\\'
}

// needsQuoting is slog's text handler's rule: empty, or any space,
// '=', '"', control character, non-printing or invalid UTF-8 (a backslash
// alone is left as is). ASCII goes through a table.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	i := 0
	// Eight bytes at a time while none is special (non-ASCII, below
	// '!', '"' or '='); the loop below decides on the first word that
	// has one.
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if special(w) {
			break
		}
	}
	for i < len(s) {
		b := s[i]
		if b < utf8.RuneSelf {
			if asciiQuote[b] {
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

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special reports whether one of w's bytes is non-ASCII, below '!', '"'
// or '=' (the classic "has zero byte" and "has byte less than" tricks,
// exact as a whole-word answer).
func special(w uint64) bool {
	hasZero := func(v uint64) uint64 { return (v - ones) &^ v & highs }
	less := (w - ones*'!') &^ w & highs
	return (w&highs)|less|hasZero(w^(ones*'"'))|hasZero(w^(ones*'=')) != 0
}

// asciiQuote[b] reports whether the ASCII byte b makes needsQuoting true:
// slog's b != '\\' && (b == ' ' || b == '=' || !safeSet[b]), that is the
// control characters, space, '"' and '='.
var asciiQuote = [utf8.RuneSelf]bool{
	0: true, 1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true,
	8: true, 9: true, 10: true, 11: true, 12: true, 13: true, 14: true, 15: true,
	16: true, 17: true, 18: true, 19: true, 20: true, 21: true, 22: true, 23: true,
	24: true, 25: true, 26: true, 27: true, 28: true, 29: true, 30: true, 31: true,
	' ': true, '"': true, '=': true,
}

// appendQuote is strconv.AppendQuote, with a fast path for ASCII: the
// printable characters as they are but '"' and '\\' after a backslash,
// the C escapes, and \xNN for the other control characters and DEL.
func appendQuote(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strconv.AppendQuote(buf, s)
		}
	}
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if ' ' <= b && b < 0x7f && b != '"' && b != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		start = i + 1
		switch b {
		case '"', '\\':
			buf = append(buf, '\\', b)
		case '\a':
			buf = append(buf, '\\', 'a')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\v':
			buf = append(buf, '\\', 'v')
		default:
			buf = append(buf, '\\', 'x', hex[b>>4], hex[b&0xF])
		}
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

const hex = "0123456789abcdef"

// appendEscapedJSONString is slog's (encoding/json's string encoder with
// HTML escaping off): s escaped, without the quotes.
func appendEscapedJSONString(buf []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe(b) {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\')
			switch b {
			case '\\', '"':
				buf = append(buf, b)
			case '\n':
				buf = append(buf, 'n')
			case '\r':
				buf = append(buf, 'r')
			case '\t':
				buf = append(buf, 't')
			default:
				// bytes < 0x20 except \t, \n and \r
				buf = append(buf, 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR, escaped
		// for JSONP's sake.
		if c == '\u2028' || c == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}
