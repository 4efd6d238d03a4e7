package idor

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"
)

// queryMethods are the method names that run SQL.
var queryMethods = map[string]bool{
	"Query": true, "QueryContext": true, "QueryRow": true, "QueryRowContext": true,
	"Exec": true, "ExecContext": true,
}

// Markers stand for Go values spliced into the SQL text: an id from the
// request, a value of the user, anything else.
const (
	markID    = " __gatehouse_vet_id__ "
	markUser  = " __gatehouse_vet_user__ "
	markOther = " __gatehouse_vet_expr__ "
)

// findings returns the queries in the function that filter by a request
// id and not by the user, unless a role or the id is checked first.
func (s *fnState) findings() []finding {
	var out []finding
	s.walk(func(n ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return
		}
		f, ok := s.sink(call)
		if !ok || s.checkedBefore(call.Pos()) {
			return
		}
		out = append(out, f)
	})
	return out
}

// sink reports whether call runs SQL that compares a column with a request
// id and no column with the user.
func (s *fnState) sink(call *ast.CallExpr) (finding, bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !queryMethods[sel.Sel.Name] {
		return finding{}, false
	}
	fn := calleeFunc(s.info, call)
	if fn == nil {
		return finding{}, false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil || !sig.Variadic() {
		return finding{}, false
	}
	params := sig.Params()
	qi := -1
	for i := 0; i < params.Len()-1; i++ {
		if b, ok := params.At(i).Type().Underlying().(*types.Basic); ok && b.Kind() == types.String {
			qi = i
			break
		}
	}
	var sql string
	var binds []ast.Expr
	switch {
	case qi >= 0 && qi == params.Len()-2 && len(call.Args) > qi:
		text, ok := s.sqlOf(call.Args[qi], call.Pos(), 0)
		if !ok {
			return finding{}, false
		}
		sql, binds = text, call.Args[qi+1:]
	case qi < 0:
		text, ok := s.preparedSQL(sel.X, call.Pos())
		if !ok {
			return finding{}, false
		}
		sql, binds = text, call.Args[params.Len()-1:]
	default:
		return finding{}, false
	}
	if call.Ellipsis.IsValid() {
		binds = nil // a spread slice: its elements are not mapped
	}
	named := map[string]ast.Expr{}
	for _, b := range binds {
		if c, ok := ast.Unparen(b).(*ast.CallExpr); ok && len(c.Args) == 2 {
			if fn := calleeFunc(s.info, c); fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "database/sql" && fn.Name() == "Named" {
				if tv, ok := s.info.Types[c.Args[0]]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
					named[strings.ToLower(constant.StringVal(tv.Value))] = c.Args[1]
				}
			}
		}
	}
	phKind := func(t sqlTok) (kind, string) {
		switch {
		case t.arg == argID:
			return kID, s.spliced
		case t.arg == argUser:
			return kUser, ""
		case t.arg == argNamed:
			if e, ok := named[t.name]; ok {
				return s.kindOf(e)
			}
		case t.arg >= 0 && t.arg < len(binds):
			return s.kindOf(binds[t.arg])
		}
		return 0, ""
	}
	f := parseFilter(sql)
	var hit *comparison
	origin := ""
	for i, cmp := range f.allCmp {
		if k, o := phKind(cmp.ph); k&kID != 0 {
			hit, origin = &f.allCmp[i], o
			break
		}
	}
	if hit == nil {
		return finding{}, false
	}
	for _, c := range f.conds {
		if c.holds(func(cmp comparison) bool {
			k, _ := phKind(cmp.ph)
			return k&kUser != 0 && k&kID == 0
		}) {
			return finding{}, false
		}
	}
	if origin == "" {
		origin = "an id"
	}
	return finding{pos: sel.Sel.Pos(), verb: f.verb, table: f.table, column: hit.column, origin: origin}, true
}

// preparedSQL returns the SQL of a statement prepared in this function:
// stmt, err := db.Prepare(sql).
func (s *fnState) preparedSQL(recv ast.Expr, at token.Pos) (string, bool) {
	obj := s.objOf(recv)
	if obj == nil {
		return "", false
	}
	// A prepared statement comes from a tuple assignment, which solve does
	// not record: look for it.
	var text string
	found := false
	s.walk(func(n ast.Node) {
		a, ok := n.(*ast.AssignStmt)
		if !ok || found || len(a.Rhs) != 1 || a.Pos() >= at || s.objOf(a.Lhs[0]) != obj {
			return
		}
		call, ok := a.Rhs[0].(*ast.CallExpr)
		if !ok {
			return
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Prepare" && sel.Sel.Name != "PrepareContext") || len(call.Args) == 0 {
			return
		}
		text, found = s.sqlOf(call.Args[len(call.Args)-1], a.Pos(), 0)
	})
	return text, found
}

// sqlOf folds a Go expression into SQL text: constants, +, fmt.Sprintf
// with a constant format, and local string variables built with = and +=.
// Values it cannot fold become markers (an id, the user, anything else);
// it fails when nothing of the text is known.
func (s *fnState) sqlOf(e ast.Expr, at token.Pos, depth int) (string, bool) {
	if depth > 16 {
		return "", false
	}
	if tv, ok := s.info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
		return constant.StringVal(tv.Value), true
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return s.sqlOf(e.X, at, depth+1)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			break
		}
		x, okx := s.sqlOf(e.X, at, depth+1)
		y, oky := s.sqlOf(e.Y, at, depth+1)
		if !okx && !oky {
			return "", false
		}
		if !okx {
			x = s.marker(e.X)
		}
		if !oky {
			y = s.marker(e.Y)
		}
		return x + y, true
	case *ast.CallExpr:
		fn := calleeFunc(s.info, e)
		if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "fmt" || fn.Name() != "Sprintf" || len(e.Args) == 0 {
			break
		}
		tv, ok := s.info.Types[e.Args[0]]
		if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
			break
		}
		return s.sprintf(constant.StringVal(tv.Value), e.Args[1:], at, depth)
	case *ast.Ident:
		obj := s.objOf(e)
		if obj == nil {
			break
		}
		var text string
		known := false
		for _, a := range s.assigns[obj] {
			if a.pos >= at {
				break
			}
			part, ok := s.sqlOf(a.rhs, a.pos, depth+1)
			if !ok {
				part = s.marker(a.rhs)
			}
			if a.op == token.ADD_ASSIGN {
				text += part
			} else {
				text, known = part, false
			}
			known = known || ok
		}
		if known {
			return text, true
		}
	}
	return "", false
}

// sprintf expands a constant format with its arguments folded.
func (s *fnState) sprintf(format string, args []ast.Expr, at token.Pos, depth int) (string, bool) {
	var b strings.Builder
	argi := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			b.WriteByte(format[i])
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			break
		}
		if format[j] == '%' {
			b.WriteByte('%')
			i = j
			continue
		}
		if format[j] == '[' || argi >= len(args) {
			return "", false // explicit argument indexes: not folded
		}
		part, ok := s.sqlOf(args[argi], at, depth+1)
		if !ok {
			part = s.marker(args[argi])
		}
		b.WriteString(part)
		argi++
		i = j
	}
	return b.String(), true
}

// marker returns the marker for a Go value spliced into SQL.
func (s *fnState) marker(e ast.Expr) string {
	k, o := s.kindOf(e)
	switch {
	case k&kID != 0:
		if s.spliced == "" {
			s.spliced = o
		}
		return markID
	case k&kUser != 0:
		return markUser
	}
	return markOther
}
