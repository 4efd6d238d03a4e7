package idor

import (
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// kind is a set of facts about a value.
type kind uint8

const (
	kRequest kind = 1 << iota // the *http.Request
	kURL                      // its URL
	kCtx                      // its context
	kParams                   // url.Values, mux.Vars: indexing gives an id
	kCtxVal                   // ctx.Value(k) before a type assertion
	kID                       // an id taken from the request
	kUser                     // the authenticated user, or a value taken from it
)

// userish matches the names of types, functions and context keys that
// stand for the authenticated user.
var userish = regexp.MustCompile(`(?i)user|principal|claims|identity|owner|viewer|account|actor|caller|session|whoami`)

// userParam matches parameter names that hold the user's id.
var userParam = regexp.MustCompile(`(?i)^(current_?)?(user|owner|principal|viewer|caller|me)(_?id)?$|^uid$`)

// roleish matches the names of fields, methods and functions that check
// a role or a permission.
var roleish = regexp.MustCompile(`(?i)role|admin|staff|superuser|permission|privilege`)

// assign is one assignment to a variable, for folding SQL strings.
type assign struct {
	pos token.Pos
	op  token.Token // token.ASSIGN (or DEFINE, var) resets, ADD_ASSIGN appends
	rhs ast.Expr
}

// fnState is the flow-insensitive state of one function body.
type fnState struct {
	c       *checker
	info    *types.Info
	body    *ast.BlockStmt
	depth   int
	gated   bool // a gatehouse role proof is a parameter
	kinds   map[types.Object]kind
	origin  map[types.Object]string
	assigns map[types.Object][]assign
	spliced string // the origin of the first id spliced into a SQL text
}

func (c *checker) newState(body *ast.BlockStmt, depth int) *fnState {
	return &fnState{
		c: c, info: c.pass.TypesInfo, body: body, depth: depth,
		kinds:   map[types.Object]kind{},
		origin:  map[types.Object]string{},
		assigns: map[types.Object][]assign{},
	}
}

// seedParams marks a handler's parameters of a user-ish type or name as
// the user.
func (s *fnState) seedParams(fl *ast.FieldList) {
	if fl == nil {
		return
	}
	for _, f := range fl.List {
		t := s.info.TypeOf(f.Type)
		for _, id := range f.Names {
			obj := s.info.Defs[id]
			if obj == nil {
				continue
			}
			if isUserType(t) || (userParam.MatchString(id.Name) && isBasic(t)) {
				s.kinds[obj] |= kUser
			}
		}
	}
}

// walk visits the body, nested function literals included except those
// that are handlers of their own.
func (s *fnState) walk(f func(ast.Node)) {
	ast.Inspect(s.body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok && s.c.takesRequest(lit.Type) {
			return false
		}
		if n != nil {
			f(n)
		}
		return true
	})
}

// solve propagates kinds through assignments until nothing changes.
func (s *fnState) solve() {
	s.walk(func(n ast.Node) {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if obj := s.objOf(l); obj != nil {
						s.assigns[obj] = append(s.assigns[obj], assign{n.Pos(), n.Tok, n.Rhs[i]})
					}
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i, id := range n.Names {
					if obj := s.info.Defs[id]; obj != nil {
						s.assigns[obj] = append(s.assigns[obj], assign{id.Pos(), token.DEFINE, n.Values[i]})
					}
				}
			}
		}
	})
	for range 8 {
		changed := false
		set := func(l ast.Expr, k kind, o string) {
			obj := s.objOf(l)
			if obj == nil || k == 0 {
				return
			}
			if s.kinds[obj]|k != s.kinds[obj] {
				s.kinds[obj] |= k
				changed = true
			}
			if s.origin[obj] == "" && o != "" {
				s.origin[obj] = o
			}
		}
		s.walk(func(n ast.Node) {
			switch n := n.(type) {
			case *ast.AssignStmt:
				s.assignKinds(n.Lhs, n.Rhs, set)
			case *ast.ValueSpec:
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				s.assignKinds(lhs, n.Values, set)
			case *ast.RangeStmt:
				k, o := s.kindOf(n.X)
				if k&(kParams|kID) != 0 && n.Value != nil {
					set(n.Value, kID, o)
				}
				if k&kUser != 0 && n.Value != nil {
					set(n.Value, kUser, o)
				}
			}
		})
		if !changed {
			return
		}
	}
}

// assignKinds gives the left-hand sides the kinds of the right-hand
// sides; for a tuple (v, err := f()) every non-error, non-bool variable
// gets the call's kind.
func (s *fnState) assignKinds(lhs, rhs []ast.Expr, set func(ast.Expr, kind, string)) {
	if len(lhs) == len(rhs) {
		for i := range lhs {
			k, o := s.kindOf(rhs[i])
			set(lhs[i], k, o)
		}
		return
	}
	if len(rhs) != 1 {
		return
	}
	k, o := s.kindOf(rhs[0])
	for i, l := range lhs {
		t := s.info.TypeOf(l)
		if i > 0 && (t == nil || isErrorOrBool(t)) {
			continue
		}
		set(l, k, o)
	}
}

func (s *fnState) objOf(e ast.Expr) types.Object {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok || id.Name == "_" {
		return nil
	}
	if obj := s.info.Defs[id]; obj != nil {
		return obj
	}
	return s.info.Uses[id]
}

// kindOf returns what a value is, and for an id the request expression it
// came from.
func (s *fnState) kindOf(e ast.Expr) (kind, string) {
	if e == nil {
		return 0, ""
	}
	if isRequestType(s.info.TypeOf(e)) {
		return kRequest, ""
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return s.kindOf(e.X)
	case *ast.StarExpr:
		return s.kindOf(e.X)
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return s.kindOf(e.X)
		}
	case *ast.Ident:
		obj := s.objOf(e)
		if obj == nil {
			return 0, ""
		}
		return s.kinds[obj], s.origin[obj]
	case *ast.SelectorExpr:
		sel, ok := s.info.Selections[e]
		if !ok || sel.Kind() != types.FieldVal {
			return 0, ""
		}
		k, o := s.kindOf(e.X)
		switch {
		case k&kUser != 0:
			return kUser, ""
		case k&kRequest != 0 && e.Sel.Name == "URL":
			return kURL, ""
		case k&kRequest != 0 && (e.Sel.Name == "Form" || e.Sel.Name == "PostForm"):
			return kParams, ""
		case k&kID != 0:
			return kID, o
		}
	case *ast.IndexExpr:
		k, o := s.kindOf(e.X)
		switch {
		case k&kParams != 0:
			return kID, types.ExprString(e)
		case k&kID != 0:
			return kID, o
		case k&kUser != 0:
			return kUser, ""
		}
	case *ast.TypeAssertExpr:
		k, o := s.kindOf(e.X)
		if k&kCtxVal != 0 && e.Type != nil && isUserType(s.info.TypeOf(e.Type)) {
			return kUser, ""
		}
		return k &^ kCtxVal, o
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM:
			kx, ox := s.kindOf(e.X)
			ky, oy := s.kindOf(e.Y)
			if ox == "" {
				ox = oy
			}
			return (kx | ky) & (kID | kUser), ox
		}
	case *ast.CallExpr:
		return s.callKind(e)
	}
	return 0, ""
}

// callKind returns what a call's (first) result is.
func (s *fnState) callKind(call *ast.CallExpr) (kind, string) {
	if tv, ok := s.info.Types[call.Fun]; ok && tv.IsType() {
		if len(call.Args) == 1 {
			k, o := s.kindOf(call.Args[0])
			return k & (kID | kUser), o
		}
		return 0, ""
	}
	fn := calleeFunc(s.info, call)
	if fn == nil {
		return 0, ""
	}
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil {
		return 0, ""
	}
	pkg := ""
	if fn.Pkg() != nil {
		pkg = fn.Pkg().Path()
	}
	name := fn.Name()
	text := types.ExprString(call)

	var argKinds kind
	argOrigin := ""
	for _, a := range call.Args {
		k, o := s.kindOf(a)
		argKinds |= k
		if argOrigin == "" && k&kID != 0 {
			argOrigin = o
		}
	}

	if sig.Recv() != nil {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return 0, ""
		}
		rk, ro := s.kindOf(sel.X)
		rt := s.info.TypeOf(sel.X)
		switch {
		case isRequestType(rt) && (name == "PathValue" || name == "FormValue" || name == "PostFormValue"):
			return kID, text
		case isRequestType(rt) && name == "Context":
			return kCtx, ""
		case rk&kURL != 0 && name == "Query":
			return kParams, ""
		case rk&kParams != 0 && name == "Get":
			return kID, text
		case rk&kCtx != 0 && name == "Value":
			if len(call.Args) == 1 && userish.MatchString(types.ExprString(call.Args[0])) {
				return kUser, ""
			}
			return kCtxVal, ""
		case name == "ByName" && isNamed(rt, "httprouter", "Params"):
			return kID, text
		case rk&kUser != 0:
			return kUser, ""
		case rk&kID != 0 && name == "String":
			return kID, ro
		}
		if fd, _ := s.c.callee(call); fd != nil {
			return s.followKind(call, fd)
		}
		if (rk|argKinds)&(kRequest|kCtx) != 0 && returnsUser(sig, name) {
			return kUser, ""
		}
		return 0, ""
	}

	switch {
	case strings.HasSuffix(pkg, "gorilla/mux") && name == "Vars":
		return kParams, ""
	case strings.Contains(pkg, "go-chi/chi") && (name == "URLParam" || name == "URLParamFromCtx"):
		return kID, text
	case pkg == "context" && argKinds&kCtx != 0 && strings.HasPrefix(name, "With"):
		return kCtx, ""
	case (pkg == "strconv" || pkg == "strings" || strings.HasSuffix(pkg, "uuid")) && argKinds&kID != 0:
		return kID, argOrigin
	}
	if fd, _ := s.c.callee(call); fd != nil {
		return s.followKind(call, fd)
	}
	if argKinds&(kRequest|kCtx) != 0 && returnsUser(sig, fn.Pkg().Name()+"."+name) {
		return kUser, ""
	}
	return 0, ""
}

// followKind returns the kind of a same-package call's first result.
func (s *fnState) followKind(call *ast.CallExpr, fd *ast.FuncDecl) (kind, string) {
	args, origins, _ := s.argKinds(call, fd)
	if s.depth+1 > maxFollow {
		return 0, ""
	}
	r := s.c.follow(fd, args, origins, s.depth+1)
	return r.ret, r.origin
}

// returnsUser reports whether a function that takes the request returns
// the user: its first result has a user-ish type, or its name is user-ish
// and the result is neither a bool nor an error.
func returnsUser(sig *types.Signature, name string) bool {
	if sig.Results().Len() == 0 {
		return false
	}
	t := sig.Results().At(0).Type()
	if isUserType(t) {
		return true
	}
	return userish.MatchString(name) && !isErrorOrBool(t)
}

// userInScope reports whether a handler has an authenticated user in
// scope: a variable or parameter that holds it, or an expression that
// yields it.
func (s *fnState) userInScope() bool {
	for _, k := range s.kinds {
		if k&kUser != 0 {
			return true
		}
	}
	found := false
	s.walk(func(n ast.Node) {
		if e, ok := n.(ast.Expr); ok && !found {
			if k, _ := s.kindOf(e); k&kUser != 0 {
				found = true
			}
		}
	})
	return found
}

// checkedBefore reports whether, before pos, the function checks a role
// (an if or switch on a role-ish field, method or function) or compares
// the request id with the user's own id.
func (s *fnState) checkedBefore(pos token.Pos) bool {
	if s.gated {
		return true
	}
	checked := false
	s.walk(func(n ast.Node) {
		if checked || n.Pos() >= pos {
			return
		}
		switch n := n.(type) {
		case *ast.IfStmt:
			checked = s.roleCheck(n.Cond)
		case *ast.SwitchStmt:
			checked = n.Tag != nil && s.roleCheck(n.Tag)
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				kx, _ := s.kindOf(n.X)
				ky, _ := s.kindOf(n.Y)
				checked = (kx&kID != 0 && ky&(kUser|kID) == kUser) || (ky&kID != 0 && kx&(kUser|kID) == kUser)
			}
		}
	})
	return checked
}

// roleCheck reports whether an expression reads a role-ish field or
// method of the user, or calls a role-ish function.
func (s *fnState) roleCheck(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if roleish.MatchString(n.Sel.Name) {
				if k, _ := s.kindOf(n.X); k&kUser != 0 {
					found = true
				}
			}
		case *ast.CallExpr:
			if fn := calleeFunc(s.info, n); fn != nil && roleish.MatchString(fn.Name()) {
				found = true
			}
		}
		return !found
	})
	return found
}

// calleeFunc returns the static callee of a call, nil for a builtin, a
// conversion or a dynamic call.
func calleeFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn
}

func deref(t types.Type) types.Type {
	for {
		p, ok := types.Unalias(t).(*types.Pointer)
		if !ok {
			return types.Unalias(t)
		}
		t = p.Elem()
	}
}

// isRequestType reports whether t is *http.Request.
func isRequestType(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), "net/http", "Request")
}

// isNamed reports whether t (or what it points to) is the named type
// name of a package whose path ends in pkg.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := deref(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Name() == name &&
		(n.Obj().Pkg().Path() == pkg || strings.HasSuffix(n.Obj().Pkg().Path(), "/"+pkg))
}

// isUserType reports whether t (or what it points to) is a named type
// with a user-ish name, database/sql's own types excluded.
func isUserType(t types.Type) bool {
	if t == nil {
		return false
	}
	n, ok := deref(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	if p := n.Obj().Pkg().Path(); p == "database/sql" || p == "net/http" || p == "context" {
		return false
	}
	return userish.MatchString(n.Obj().Name())
}

func isBasic(t types.Type) bool {
	_, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok
}

func isErrorOrBool(t types.Type) bool {
	if types.Identical(t, types.Universe.Lookup("error").Type()) {
		return true
	}
	b, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok && b.Kind() == types.Bool
}
