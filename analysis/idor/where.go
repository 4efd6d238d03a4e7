package idor

import (
	"strconv"
	"strings"
)

// tokKind is the kind of one SQL token.
type tokKind int

const (
	tokWord  tokKind = iota // keyword or column name, lower-cased, qualifier dropped
	tokPH                   // placeholder: ?, ?N, $N, :name, @name
	tokOp                   // operator or punctuation
	tokOther                // string or number literal, opaque Go expression
)

// Placeholder arguments that are not bind arguments.
const (
	argNamed = -1 // :name, @name
	argID    = -2 // an id spliced into the text
	argUser  = -3 // a user value spliced into the text
)

// sqlTok is one SQL token. For a placeholder, arg is the index of the bind
// argument it stands for (-1 for a named one) and name its name.
type sqlTok struct {
	kind tokKind
	text string
	arg  int
	name string
}

// tokenize splits a SQL text into tokens, numbering anonymous ? placeholders
// in order (SQLite's rule: a bare ? after ?N is N+1).
func tokenize(sql string) []sqlTok {
	s := strings.ToLower(sql)
	var toks []sqlTok
	next := 0 // index of the next anonymous ? argument
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return toks
			}
			i += end + 4
		case c == '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			toks = append(toks, sqlTok{kind: tokOther, text: "'"})
			i = j + 1
		case c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			j := strings.IndexByte(s[i+1:], closer)
			if j < 0 {
				return toks
			}
			toks = appendWord(toks, s[i+1:i+1+j])
			i += j + 2
		case c == '?':
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			arg := next
			if j > i+1 {
				n, _ := strconv.Atoi(s[i+1 : j])
				arg = n - 1
			}
			next = arg + 1
			toks = append(toks, sqlTok{kind: tokPH, text: s[i:j], arg: arg})
			i = j
		case c == '$' && i+1 < len(s) && isDigit(s[i+1]):
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			n, _ := strconv.Atoi(s[i+1 : j])
			toks = append(toks, sqlTok{kind: tokPH, text: s[i:j], arg: n - 1})
			i = j
		case (c == ':' || c == '@') && i+1 < len(s) && isIdentStart(s[i+1]) && (c == '@' || i == 0 || s[i-1] != ':'):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			toks = append(toks, sqlTok{kind: tokPH, text: s[i:j], arg: argNamed, name: s[i+1 : j]})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			toks = appendWord(toks, s[i:j])
			i = j
		case isDigit(c):
			j := i
			for j < len(s) && (isDigit(s[j]) || s[j] == '.') {
				j++
			}
			toks = append(toks, sqlTok{kind: tokOther, text: s[i:j]})
			i = j
		default:
			op := string(c)
			if i+1 < len(s) {
				switch two := s[i : i+2]; two {
				case "==", "!=", "<>", "<=", ">=", "::", "||":
					op = two
				}
			}
			toks = append(toks, sqlTok{kind: tokOp, text: op})
			i += len(op)
		}
	}
	return toks
}

// appendWord appends a name, folding a qualified name (n.user_id,
// "n"."user_id") into its last part. The markers sqlOf splices in for an
// id or a user value become placeholders (arg -2 and -3).
func appendWord(toks []sqlTok, w string) []sqlTok {
	switch w {
	case strings.TrimSpace(markID):
		return append(toks, sqlTok{kind: tokPH, text: w, arg: argID})
	case strings.TrimSpace(markUser):
		return append(toks, sqlTok{kind: tokPH, text: w, arg: argUser})
	}
	if n := len(toks); n >= 2 && toks[n-1].kind == tokOp && toks[n-1].text == "." && toks[n-2].kind == tokWord {
		toks = toks[:n-2]
	}
	return append(toks, sqlTok{kind: tokWord, text: w})
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) || c == '$' }

// clauseEnd lists the keywords that end a WHERE or ON condition at its
// own parenthesis depth.
var clauseEnd = map[string]bool{
	"order": true, "group": true, "limit": true, "returning": true, "having": true,
	"union": true, "intersect": true, "except": true, "offset": true, "window": true,
	"join": true, "inner": true, "left": true, "right": true, "full": true, "cross": true,
	"where": true, "on": true, "for": true, "set": true, "values": true,
}

// comparison is "column = placeholder" (or IN (…), = ANY(…)) inside a
// WHERE or ON condition.
type comparison struct {
	column string
	ph     sqlTok
}

// cond is a parsed boolean condition: an AND or OR of children, a NOT, or
// an atom (a run of tokens) with the comparisons it makes and the
// subqueries' conditions it holds.
type cond struct {
	op       string // "and", "or", "not", "" for an atom
	kids     []*cond
	cmps     []comparison
	subconds []*cond
}

// filter is what a statement's WHERE and ON conditions say.
type filter struct {
	verb   string // select, update, delete, insert, …
	table  string
	conds  []*cond
	allCmp []comparison
}

// parseFilter tokenizes sql and parses every WHERE and ON condition in it,
// subqueries included.
func parseFilter(sql string) filter {
	toks := tokenize(sql)
	f := filter{}
	for i, t := range toks {
		if t.kind != tokWord {
			continue
		}
		if f.verb == "" {
			f.verb = t.text
		}
		if f.table == "" && (t.text == "from" || t.text == "update" || t.text == "into") && i+1 < len(toks) && toks[i+1].kind == tokWord {
			f.table = toks[i+1].text
		}
		if t.text == "where" || t.text == "on" {
			p := &condParser{toks: toks, pos: i + 1}
			c := p.parseOr()
			f.conds = append(f.conds, c)
		}
	}
	for _, c := range f.conds {
		f.allCmp = append(f.allCmp, c.comparisons()...)
	}
	return f
}

// comparisons returns every comparison in c and below (subqueries included).
func (c *cond) comparisons() []comparison {
	out := append([]comparison(nil), c.cmps...)
	for _, k := range c.kids {
		out = append(out, k.comparisons()...)
	}
	for _, s := range c.subconds {
		out = append(out, s.comparisons()...)
	}
	return out
}

// holds reports whether c can only be true when some comparison accepted
// by ok is: any child of an AND, every child of an OR, never under NOT.
func (c *cond) holds(ok func(comparison) bool) bool {
	switch c.op {
	case "and":
		for _, k := range c.kids {
			if k.holds(ok) {
				return true
			}
		}
		return false
	case "or":
		for _, k := range c.kids {
			if !k.holds(ok) {
				return false
			}
		}
		return len(c.kids) > 0
	case "not":
		return false
	}
	for _, cmp := range c.cmps {
		if ok(cmp) {
			return true
		}
	}
	for _, s := range c.subconds {
		if s.holds(ok) {
			return true
		}
	}
	return false
}

// condParser is a recursive-descent parser for one condition.
type condParser struct {
	toks []sqlTok
	pos  int
}

func (p *condParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == tokWord && p.toks[p.pos].text == w
}

// atEnd reports whether the condition ends here: end of text, a closing
// parenthesis of an enclosing group, ";" or a clause keyword.
func (p *condParser) atEnd() bool {
	if p.pos >= len(p.toks) {
		return true
	}
	t := p.toks[p.pos]
	if t.kind == tokOp && (t.text == ")" || t.text == ";") {
		return true
	}
	return t.kind == tokWord && clauseEnd[t.text]
}

func (p *condParser) parseOr() *cond {
	c := &cond{op: "or", kids: []*cond{p.parseAnd()}}
	for p.peekWord("or") {
		p.pos++
		c.kids = append(c.kids, p.parseAnd())
	}
	if len(c.kids) == 1 {
		return c.kids[0]
	}
	return c
}

func (p *condParser) parseAnd() *cond {
	c := &cond{op: "and", kids: []*cond{p.parseNot()}}
	for p.peekWord("and") {
		p.pos++
		c.kids = append(c.kids, p.parseNot())
	}
	if len(c.kids) == 1 {
		return c.kids[0]
	}
	return c
}

func (p *condParser) parseNot() *cond {
	if p.peekWord("not") {
		p.pos++
		return &cond{op: "not", kids: []*cond{p.parseNot()}}
	}
	// A parenthesised condition (not a subquery, not a value list).
	if p.pos < len(p.toks) && p.toks[p.pos].text == "(" && !(p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == tokWord && p.toks[p.pos+1].text == "select") {
		save := p.pos
		p.pos++
		c := p.parseOr()
		if p.pos < len(p.toks) && p.toks[p.pos].text == ")" {
			p.pos++
			if p.atEnd() || p.peekWord("and") || p.peekWord("or") {
				return c
			}
		}
		p.pos = save // "(a, b) = (?, ?)" or "(x) + 1 = ?": read it as an atom
	}
	return p.parseAtom()
}

// parseAtom reads tokens up to the next AND/OR at depth 0 (the AND of
// BETWEEN x AND y included in the atom) and records its comparisons.
func (p *condParser) parseAtom() *cond {
	start := p.pos
	depth := 0
	between := false
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if depth == 0 {
			if p.atEnd() {
				break
			}
			if t.kind == tokWord && t.text == "between" {
				between = true
			}
			if t.kind == tokWord && (t.text == "and" || t.text == "or") {
				if t.text == "and" && between {
					between = false
				} else {
					break
				}
			}
		}
		if t.kind == tokOp && t.text == "(" {
			depth++
		}
		if t.kind == tokOp && t.text == ")" {
			depth--
		}
		p.pos++
	}
	atom := &cond{cmps: atomComparisons(p.toks[start:p.pos])}
	// Subquery conditions inside the atom.
	for i := start; i < p.pos; i++ {
		if p.toks[i].kind == tokWord && (p.toks[i].text == "where" || p.toks[i].text == "on") {
			sub := &condParser{toks: p.toks[:p.pos], pos: i + 1}
			atom.subconds = append(atom.subconds, sub.parseOr())
		}
	}
	return atom
}

// atomComparisons finds "col = ph", "ph = col", "col IN (ph, …)" and
// "col = ANY(ph)" at the top of an atom (not inside its subqueries).
func atomComparisons(ts []sqlTok) []comparison {
	var out []comparison
	depth := 0
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.kind == tokOp && t.text == "(" {
			depth++
		}
		if t.kind == tokOp && t.text == ")" {
			depth--
		}
		if t.kind == tokWord && t.text == "select" {
			return out // a subquery: its own condition holds its comparisons
		}
		if i+2 >= len(ts) {
			continue
		}
		eq := ts[i+1].kind == tokOp && (ts[i+1].text == "=" || ts[i+1].text == "==")
		switch {
		case t.kind == tokWord && !keyword[t.text] && eq && ts[i+2].kind == tokPH:
			out = append(out, comparison{column: t.text, ph: ts[i+2]})
		case t.kind == tokPH && eq && ts[i+2].kind == tokWord && !keyword[ts[i+2].text]:
			out = append(out, comparison{column: ts[i+2].text, ph: t})
		case t.kind == tokWord && !keyword[t.text] && eq && ts[i+2].kind == tokWord && ts[i+2].text == "any" &&
			i+4 < len(ts) && ts[i+3].text == "(" && ts[i+4].kind == tokPH:
			out = append(out, comparison{column: t.text, ph: ts[i+4]})
		case t.kind == tokWord && !keyword[t.text] && ts[i+1].kind == tokWord && ts[i+1].text == "in" && ts[i+2].text == "(":
			for j := i + 3; j < len(ts) && ts[j].text != ")"; j++ {
				if ts[j].kind == tokPH {
					out = append(out, comparison{column: t.text, ph: ts[j]})
				}
			}
		}
	}
	return out
}

// keyword lists SQL words that are never a column in a comparison.
var keyword = map[string]bool{
	"and": true, "or": true, "not": true, "where": true, "on": true, "in": true, "is": true,
	"null": true, "select": true, "from": true, "any": true, "all": true, "exists": true,
	"case": true, "when": true, "then": true, "else": true, "end": true, "like": true, "between": true,
}
