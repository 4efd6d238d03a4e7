package openapi

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	typeArgsRE = regexp.MustCompile(`\[[^\]]*\]`)
	literalRE  = regexp.MustCompile(`^(func)?[0-9]+$`)
)

// summaryOf derives an operation's summary from the runtime name of its
// handler function, as FastAPI does from a path operation function's:
// "example.com/app.(*server).getNote-fm" → "Get note",
// "example.com/app.listAPIKeys" → "List API keys". A function literal
// ("example.com/app.routes.func1") has no name to read: "".
func summaryOf(funcName string) string {
	name := typeArgsRE.ReplaceAllString(funcName, "")
	name = name[strings.LastIndexByte(name, '/')+1:]
	name = strings.TrimSuffix(name, "-fm")
	name = name[strings.LastIndexByte(name, '.')+1:]
	if literalRE.MatchString(name) {
		return ""
	}
	return sentence(words(name))
}

// words splits an identifier at underscores and at changes of case:
// "listAPIKeys" → list API Keys, "read_profile" → read profile. Digits
// stay with the word before them.
func words(id string) []string {
	var out []string
	for part := range strings.FieldsFuncSeq(id, func(r rune) bool { return r == '_' || r == '-' || r == ' ' }) {
		rs := []rune(part)
		start := 0
		for i := 1; i < len(rs); i++ {
			prev, cur := rs[i-1], rs[i]
			next := rune(0)
			if i+1 < len(rs) {
				next = rs[i+1]
			}
			lowerToUpper := !unicode.IsUpper(prev) && unicode.IsUpper(cur)
			acronymEnd := unicode.IsUpper(prev) && unicode.IsUpper(cur) && unicode.IsLower(next)
			if lowerToUpper || acronymEnd {
				out = append(out, string(rs[start:i]))
				start = i
			}
		}
		out = append(out, string(rs[start:]))
	}
	return out
}

// sentence joins words in sentence case, acronyms kept: "Get by ID".
func sentence(ws []string) string {
	for i, w := range ws {
		if len(w) > 1 && strings.ToUpper(w) == w {
			continue // an acronym
		}
		w = strings.ToLower(w)
		if i == 0 {
			r, n := utf8.DecodeRuneInString(w)
			w = string(unicode.ToUpper(r)) + w[n:]
		}
		ws[i] = w
	}
	return strings.Join(ws, " ")
}
