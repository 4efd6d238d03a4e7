package idor

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// maxFollow is how many levels of same-package calls are followed from a
// handler.
const maxFollow = 2

// New returns the analyzer: one per call, so no analyzer state is shared.
func New() *analysis.Analyzer {
	return &analysis.Analyzer{
		Name: "idor",
		Doc: "report handlers that query a row by an id from the request without an owner filter\n\n" +
			"A handler with an authenticated user in scope that passes an id taken from the request " +
			"(r.PathValue, r.URL.Query(), chi/mux params) to a database/sql query whose WHERE compares " +
			"a column with that id but no column with the user is an insecure direct object reference: " +
			"any logged-in user can read, change or delete another user's row by changing the id.",
		URL: "https://github.com/gatehouse-dev/gatehouse#gatehouse-vet-the-idor-analyzer",
		Run: run,
	}
}

// finding is a query that filters by a request id with no owner filter.
type finding struct {
	pos    token.Pos // the query call
	verb   string
	table  string
	column string
	origin string // the request expression the id came from
}

// root is a handler: a function with an *http.Request parameter.
type root struct {
	typ  *ast.FuncType
	body *ast.BlockStmt
	st   *fnState
}

// checker holds one package's analysis.
type checker struct {
	pass     *analysis.Pass
	decls    map[*types.Func]*ast.FuncDecl
	memo     map[string]*calleeResult
	busy     map[string]bool
	reported map[token.Pos]bool
}

// calleeResult is what a same-package function does with the kinds of
// its arguments: the kind of its first result and its unscoped queries.
type calleeResult struct {
	ret      kind
	origin   string
	findings []finding
}

func run(pass *analysis.Pass) (any, error) {
	c := &checker{
		pass:     pass,
		decls:    map[*types.Func]*ast.FuncDecl{},
		memo:     map[string]*calleeResult{},
		busy:     map[string]bool{},
		reported: map[token.Pos]bool{},
	}
	var roots []*root
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
				c.decls[fn] = fd
			}
		}
	}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			roots = c.collectRoots(roots, fd.Type, fd.Recv, fd.Body, nil)
		}
	}
	for _, r := range roots {
		if !r.st.userInScope() {
			continue
		}
		for _, f := range r.st.findings() {
			c.reported[f.pos] = true
			pass.Report(analysis.Diagnostic{Pos: f.pos, Message: fmt.Sprintf(
				"possible IDOR: query %s %s by %s = %s (from the request) with no owner filter bound to the authenticated user",
				verbWord(f.verb), f.table, f.column, f.origin)})
		}
	}
	for _, r := range roots {
		if !r.st.userInScope() {
			continue
		}
		r.st.reportCalls()
	}
	return nil, nil
}

// collectRoots appends the handlers in one function: the function itself
// when it takes an *http.Request, and each function literal that does.
// outer holds the parameter lists of the enclosing functions, whose
// user-ish parameters a literal captures.
func (c *checker) collectRoots(roots []*root, typ *ast.FuncType, recv *ast.FieldList, body *ast.BlockStmt, outer []*ast.FieldList) []*root {
	lists := append(slices.Clone(outer), typ.Params)
	if recv != nil {
		lists = append(lists, recv)
	}
	if c.takesRequest(typ) {
		st := c.newState(body, 0)
		for _, fl := range lists {
			st.seedParams(fl)
		}
		if c.grantParam(lists) {
			st.gated = true
		}
		st.solve()
		roots = append(roots, &root{typ: typ, body: body, st: st})
	}
	ast.Inspect(body, func(n ast.Node) bool {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			return true
		}
		roots = c.collectRoots(roots, lit.Type, nil, lit.Body, lists)
		return false
	})
	return roots
}

// takesRequest reports whether a function has an *http.Request parameter.
func (c *checker) takesRequest(typ *ast.FuncType) bool {
	for _, f := range typ.Params.List {
		if isRequestType(c.pass.TypesInfo.TypeOf(f.Type)) {
			return true
		}
	}
	return false
}

// grantParam reports whether a parameter is gatehouse's proof of a role
// check (auth.RoleGrant, auth.Privileged).
func (c *checker) grantParam(lists []*ast.FieldList) bool {
	for _, fl := range lists {
		for _, f := range fl.List {
			t := c.pass.TypesInfo.TypeOf(f.Type)
			if n, ok := deref(t).(*types.Named); ok && n.Obj().Pkg() != nil &&
				strings.HasSuffix(n.Obj().Pkg().Path(), "gatehouse/auth") &&
				(n.Obj().Name() == "RoleGrant" || n.Obj().Name() == "Privileged") {
				return true
			}
		}
	}
	return false
}

// callee returns the declaration of a call's static callee when it is a
// function or method of the package under analysis.
func (c *checker) callee(call *ast.CallExpr) (*ast.FuncDecl, *types.Func) {
	fn := calleeFunc(c.pass.TypesInfo, call)
	if fn == nil {
		return nil, nil
	}
	fd := c.decls[fn.Origin()]
	if fd == nil {
		return nil, nil
	}
	return fd, fn
}

// follow analyses a same-package callee given the kinds of its arguments
// (the receiver first for a method).
func (c *checker) follow(fd *ast.FuncDecl, args []kind, origins []string, depth int) *calleeResult {
	key := fmt.Sprintf("%p/%d/%v", fd, depth, args)
	if r, ok := c.memo[key]; ok {
		return r
	}
	if c.busy[key] || depth > maxFollow {
		return &calleeResult{}
	}
	c.busy[key] = true
	defer delete(c.busy, key)
	st := c.newState(fd.Body, depth)
	var params []*ast.Ident
	if fd.Recv != nil {
		for _, f := range fd.Recv.List {
			params = append(params, namesOrBlank(f)...)
		}
		if len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
			params = append(params, nil)
		}
	}
	for _, f := range fd.Type.Params.List {
		params = append(params, namesOrBlank(f)...)
	}
	for i, id := range params {
		if id == nil || i >= len(args) {
			continue
		}
		obj := c.pass.TypesInfo.Defs[id]
		if obj == nil {
			continue
		}
		k := args[i]
		if i == len(params)-1 && fd.Type.Params.NumFields() > 0 && isVariadic(fd.Type) {
			for j := i + 1; j < len(args); j++ {
				k |= args[j]
			}
		}
		st.kinds[obj] = k
		if i < len(origins) {
			st.origin[obj] = origins[i]
		}
	}
	st.solve()
	res := &calleeResult{findings: st.findings()}
	res.findings = append(res.findings, st.followedFindings()...)
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if len(n.Results) > 0 {
				k, o := st.kindOf(n.Results[0])
				res.ret |= k
				if res.origin == "" {
					res.origin = o
				}
			}
		}
		return true
	})
	c.memo[key] = res
	return res
}

// namesOrBlank returns a field's names, or one nil for an unnamed field.
func namesOrBlank(f *ast.Field) []*ast.Ident {
	if len(f.Names) == 0 {
		return []*ast.Ident{nil}
	}
	return f.Names
}

func isVariadic(t *ast.FuncType) bool {
	l := t.Params.List
	if len(l) == 0 {
		return false
	}
	_, ok := l[len(l)-1].Type.(*ast.Ellipsis)
	return ok
}

// reportCalls reports, at the call in the handler, the unscoped queries
// of the same-package functions it passes the id or the request to.
func (s *fnState) reportCalls() {
	seen := map[token.Pos]bool{}
	s.walk(func(n ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return
		}
		r := s.followCall(call)
		if r == nil || s.checkedBefore(call.Pos()) {
			return
		}
		for _, f := range r.findings {
			if s.c.reported[f.pos] || seen[call.Pos()] {
				continue
			}
			seen[call.Pos()] = true
			p := s.c.pass.Fset.Position(f.pos)
			name := types.ExprString(call.Fun)
			s.c.pass.Report(analysis.Diagnostic{Pos: call.Pos(), Message: fmt.Sprintf(
				"possible IDOR: %s gets %s (from the request) and its query at %s:%d %s %s by %s with no owner filter bound to the authenticated user",
				name, f.origin, filepath.Base(p.Filename), p.Line, verbWord(f.verb), f.table, f.column)})
		}
	})
}

// followedFindings returns the unscoped queries of the calls a followed
// function makes in turn, unless it checks a role or the id first.
func (s *fnState) followedFindings() []finding {
	var out []finding
	s.walk(func(n ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return
		}
		r := s.followCall(call)
		if r == nil || s.checkedBefore(call.Pos()) {
			return
		}
		out = append(out, r.findings...)
	})
	return out
}

// followCall analyses a call to a same-package function that receives an
// id, the request or its parameters; nil for any other call.
func (s *fnState) followCall(call *ast.CallExpr) *calleeResult {
	fd, _ := s.c.callee(call)
	if fd == nil {
		return nil
	}
	args, origins, carries := s.argKinds(call, fd)
	if !carries {
		return nil
	}
	return s.c.follow(fd, args, origins, s.depth+1)
}

// argKinds returns the kinds of a call's arguments, the receiver first for
// a method, and whether one of them carries the request or an id.
func (s *fnState) argKinds(call *ast.CallExpr, fd *ast.FuncDecl) ([]kind, []string, bool) {
	var exprs []ast.Expr
	if fd.Recv != nil {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return nil, nil, false
		}
		exprs = append(exprs, sel.X)
	}
	exprs = append(exprs, call.Args...)
	kinds := make([]kind, len(exprs))
	origins := make([]string, len(exprs))
	carries := false
	for i, e := range exprs {
		kinds[i], origins[i] = s.kindOf(e)
		if kinds[i]&(kID|kRequest|kURL|kParams) != 0 {
			carries = true
		}
	}
	return kinds, origins, carries
}

// verbWord says what a statement does to its rows.
func verbWord(verb string) string {
	switch verb {
	case "select", "with":
		return "reads"
	case "update":
		return "updates"
	case "delete":
		return "deletes"
	}
	return "uses"
}
