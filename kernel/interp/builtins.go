package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// The interpreter predates Go 1.21's min, max and clear. The session declares them as
// functions of the cells' package (a cell may redefine them, as it may shadow a
// builtin), and rewriteMinMax adapts calls to what the interpreter can do with a
// generic function.

// builtinsSrc is compiled in a file of its own, so that its import of reflect is not
// the cells'. Its names ending in _ are renamed to end in ·, which cells cannot spell.
const builtinsSrc = `package main

import "reflect"

type ordered_ interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~uintptr | ~float32 | ~float64 | ~string
}

func min[T_ ordered_](x T_, y ...T_) T_ {
	for _, v := range y {
		if v < x || v != v { // a NaN wins, as with the builtin
			x = v
		}
	}
	return x
}

func max[T_ ordered_](x T_, y ...T_) T_ {
	for _, v := range y {
		if v > x || v != v {
			x = v
		}
	}
	return x
}

func clear(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map:
		v.Clear()
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			v.Index(i).SetZero()
		}
	case reflect.Invalid:
	default:
		panic("clear: argument is a " + v.Type().String() + ", not a map or a slice")
	}
}
`

// slicesSortSrc adds to package slices the sorting functions that yaegi leaves out
// of its interpreted copy of the package (its pdqsort does not compile there): they
// sort with package sort, which swaps the elements of any slice.
const slicesSortSrc = `package slices

import (
	"cmp"
	"sort"
)

func Sort[E cmp.Ordered](x []E) {
	sort.Slice(x, func(i, j int) bool { return x[i] < x[j] || (x[i] != x[i] && x[j] == x[j]) })
}

func SortFunc[E any](x []E, f func(a, b E) int) {
	sort.Slice(x, func(i, j int) bool { return f(x[i], x[j]) < 0 })
}

func SortStableFunc[E any](x []E, f func(a, b E) int) {
	sort.SliceStable(x, func(i, j int) bool { return f(x[i], x[j]) < 0 })
}

func IsSorted[E cmp.Ordered](x []E) bool {
	for i := len(x) - 1; i > 0; i-- {
		if x[i] < x[i-1] || (x[i] != x[i] && x[i-1] == x[i-1]) {
			return false
		}
	}
	return true
}

func IsSortedFunc[E any](x []E, f func(a, b E) int) bool {
	for i := len(x) - 1; i > 0; i-- {
		if f(x[i], x[i-1]) < 0 {
			return false
		}
	}
	return true
}

func BinarySearch[E cmp.Ordered](x []E, target E) (int, bool) {
	i := sort.Search(len(x), func(i int) bool { return x[i] >= target })
	return i, i < len(x) && x[i] == target
}

func BinarySearchFunc[E, T any](x []E, target T, f func(E, T) int) (int, bool) {
	i := sort.Search(len(x), func(i int) bool { return f(x[i], target) >= 0 })
	return i, i < len(x) && f(x[i], target) == 0
}

func Min[E cmp.Ordered](x []E) E {
	if len(x) < 1 {
		panic("slices.Min: empty list")
	}
	m := x[0]
	for _, v := range x[1:] {
		if v < m || v != v {
			m = v
		}
	}
	return m
}

func Max[E cmp.Ordered](x []E) E {
	if len(x) < 1 {
		panic("slices.Max: empty list")
	}
	m := x[0]
	for _, v := range x[1:] {
		if v > m || v != v {
			m = v
		}
	}
	return m
}
`

// declareBuiltins compiles builtinsSrc and slicesSortSrc; execMu is held or the
// session is new.
func (s *Session) declareBuiltins() error {
	f, err := parser.ParseFile(s.in.FileSet(), "builtins.go", builtinsSrc, parser.SkipObjectResolution)
	if err != nil {
		return fmt.Errorf("parsing the builtins: %w", err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && strings.HasSuffix(id.Name, "_") {
			// The interpreter lets a type parameter's name clash with a cell's import.
			id.Name = strings.TrimSuffix(id.Name, "_") + "·"
		}
		return true
	})
	if _, err := s.compileRun(context.Background(), f); err != nil {
		return fmt.Errorf("declaring the builtins: %w", err)
	}
	// A file name of its own: imports are per file name, and yaegi's slices has one.
	sf, err := parser.ParseFile(s.in.FileSet(), "slices_sort.go", slicesSortSrc, parser.SkipObjectResolution)
	if err != nil {
		return fmt.Errorf("parsing slices.Sort: %w", err)
	}
	if _, err := s.compile(sf); err != nil {
		return fmt.Errorf("declaring slices.Sort: %w", err)
	}
	return nil
}

// declares tells whether root declares name (a function, type, variable, constant or
// parameter): then min or max there may not be the builtin.
func declares(root ast.Node, name string) bool {
	found := false
	is := func(ids ...*ast.Ident) {
		for _, id := range ids {
			found = found || (id != nil && id.Name == name)
		}
	}
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			is(n.Name)
		case *ast.TypeSpec:
			is(n.Name)
		case *ast.ValueSpec:
			is(n.Names...)
		case *ast.Field:
			is(n.Names...)
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						is(id)
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				is(nonBlank(n.Key, n.Value)...)
			}
		}
		return !found
	})
	return found
}

// rewriteMinMax adapts the calls of min and max under root (names holds those that
// are the session's own, not a cell's) to the interpreter, which infers a generic
// function's type argument from its first argument alone:
//
//   - an argument that is not a constant goes first: max(0, x) is max(x, 0), so
//     that T is x's type, not int;
//   - of constants only, with a float among them, the first is made a float64:
//     max(2, 1.5) is max(float64(2), 1.5), not an int;
//   - min(x), which the interpreter cannot compile, is min(x, x) for a plain x;
//   - at the top level (top), `m := max(a, b)` and `var m = max(a, b)`, which the
//     interpreter cannot type there, are `m := a; m = max(m, b)`.
//
// A package-level `var m = max(a, b)` of a file becomes `var m = a`, and the
// assignment `m = max(m, b)` is returned, to run after the file's declarations.
// isConst tells the names of constants.
func rewriteMinMax(root ast.Node, top *ast.BlockStmt, names map[string]bool, isConst func(string) bool) (post []ast.Stmt) {
	if len(names) == 0 {
		return nil
	}
	var constant func(e ast.Expr) bool
	constant = func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.BasicLit:
			return true
		case *ast.ParenExpr:
			return constant(e.X)
		case *ast.UnaryExpr:
			return constant(e.X)
		case *ast.BinaryExpr:
			return constant(e.X) && constant(e.Y)
		case *ast.Ident:
			return isConst(e.Name)
		}
		return false
	}
	hasFloat := func(e ast.Expr) bool {
		return anyNode(e, func(n ast.Node) bool {
			b, ok := n.(*ast.BasicLit)
			return ok && b.Kind == token.FLOAT
		})
	}
	if f, ok := root.(*ast.File); ok {
		post = splitMinMaxVars(f, names, constant)
	}
	ast.Inspect(root, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || call.Ellipsis.IsValid() || len(call.Args) == 0 {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || !names[id.Name] {
			return true
		}
		if len(call.Args) == 1 {
			switch call.Args[0].(type) {
			case *ast.Ident, *ast.BasicLit, *ast.SelectorExpr:
				call.Args = append(call.Args, call.Args[0])
			}
			return true
		}
		lead := -1
		anyFloat := false
		for i, a := range call.Args {
			if lead < 0 && !constant(a) {
				lead = i
			}
			anyFloat = anyFloat || hasFloat(a)
		}
		switch {
		case lead > 0:
			a := call.Args[lead]
			copy(call.Args[1:lead+1], call.Args[:lead])
			call.Args[0] = a
		case lead < 0 && anyFloat:
			call.Args[0] = &ast.CallExpr{Fun: &ast.Ident{NamePos: call.Args[0].Pos(), Name: "float64"},
				Lparen: call.Args[0].Pos(), Args: []ast.Expr{call.Args[0]}, Rparen: call.Args[0].Pos()}
		}
		return true
	})
	if top == nil {
		return post
	}
	var list []ast.Stmt
	for _, st := range top.List {
		list = append(list, splitMinMaxDefine(st, names, constant)...)
	}
	top.List = list
	return nil
}

// splitMinMaxDefine turns `m := max(a, b...)` into `m := a; m = max(m, b...)`,
// `var m = max(a, b...)` into `var m = a; m = max(m, b...)`, and `var m T = max(...)`
// into `var m T; m = max(...)`.
func splitMinMaxDefine(st ast.Stmt, names map[string]bool, constant func(ast.Expr) bool) []ast.Stmt {
	minmax := func(e ast.Expr) *ast.CallExpr {
		call, ok := e.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 || call.Ellipsis.IsValid() {
			return nil
		}
		if id, ok := call.Fun.(*ast.Ident); ok && names[id.Name] {
			return call
		}
		return nil
	}
	var lhs *ast.Ident
	var call *ast.CallExpr
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok != token.DEFINE || len(st.Lhs) != 1 || len(st.Rhs) != 1 {
			return []ast.Stmt{st}
		}
		id, ok := st.Lhs[0].(*ast.Ident)
		if call = minmax(st.Rhs[0]); call == nil || !ok || id.Name == "_" {
			return []ast.Stmt{st}
		}
		lhs = id
		st.Rhs = []ast.Expr{call.Args[0]}
		call.Args[0] = &ast.Ident{NamePos: call.Args[0].Pos(), Name: id.Name}
	case *ast.DeclStmt:
		gd, ok := st.Decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR || len(gd.Specs) != 1 {
			return []ast.Stmt{st}
		}
		vs := gd.Specs[0].(*ast.ValueSpec)
		if len(vs.Names) != 1 || len(vs.Values) != 1 || vs.Names[0].Name == "_" {
			return []ast.Stmt{st}
		}
		if call = minmax(vs.Values[0]); call == nil {
			return []ast.Stmt{st}
		}
		lhs = vs.Names[0]
		splitMinMaxSpec(vs, call, constant)
	default:
		return []ast.Stmt{st}
	}
	set := &ast.AssignStmt{Lhs: []ast.Expr{&ast.Ident{NamePos: lhs.Pos(), Name: lhs.Name}}, TokPos: lhs.Pos(), Tok: token.ASSIGN, Rhs: []ast.Expr{call}}
	return []ast.Stmt{st, set}
}

// splitMinMaxSpec makes `var m = max(a, b...)` `var m = a` and the call max(m, b...),
// and `var m T = max(a, b...)` `var m T` and the call max(T(a), b...) when a is a
// constant (which the interpreter would take for an int).
func splitMinMaxSpec(vs *ast.ValueSpec, call *ast.CallExpr, constant func(ast.Expr) bool) {
	if vs.Type == nil {
		vs.Values = []ast.Expr{call.Args[0]}
		call.Args[0] = &ast.Ident{NamePos: call.Args[0].Pos(), Name: vs.Names[0].Name}
		return
	}
	vs.Values = nil
	if a := call.Args[0]; constant(a) {
		call.Args[0] = &ast.CallExpr{Fun: vs.Type, Lparen: a.Pos(), Args: []ast.Expr{a}, Rparen: a.Pos()}
	}
}

// splitMinMaxVars rewrites the package-level `var m = max(...)` of a cell's
// declarations and returns the assignments to run after them.
func splitMinMaxVars(f *ast.File, names map[string]bool, constant func(ast.Expr) bool) []ast.Stmt {
	var post []ast.Stmt
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			if len(vs.Names) != 1 || len(vs.Values) != 1 || vs.Names[0].Name == "_" {
				continue
			}
			call, ok := vs.Values[0].(*ast.CallExpr)
			if !ok || len(call.Args) < 2 || call.Ellipsis.IsValid() {
				continue
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || !names[id.Name] {
				continue
			}
			splitMinMaxSpec(vs, call, constant)
			p := vs.Pos()
			post = append(post, &ast.AssignStmt{Lhs: []ast.Expr{&ast.Ident{NamePos: p, Name: vs.Names[0].Name}}, TokPos: p, Tok: token.ASSIGN, Rhs: []ast.Expr{call}})
		}
	}
	return post
}
