package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// Rewrites of a cell's syntax tree for Go that the interpreter (yaegi v0.16.1) does not
// run as Go does. Each keeps the cell's positions so that errors still name its lines.

// topLevelRefusal reports a defer or a return in the cell's top-level code (outside
// function literals): the interpreter never runs a top-level defer and cannot compile
// a top-level return, and a compound statement is run in a function literal (see
// wrapCompound), where either would quietly mean something else.
func topLevelRefusal(b *ast.BlockStmt) ast.Node {
	var found ast.Node
	ast.Inspect(b, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt, *ast.ReturnStmt:
			found = n
			return false
		}
		return true
	})
	return found
}

// wrapCompound runs each compound statement of the cell's top level (for, if, switch,
// select, a block) in a function literal called in its place. The interpreter compiles
// top-level code in the package scope, where it handles a nested block badly: `x, err
// := f()` inside a top-level loop is "undefined: err", and `i := i` in a loop body
// loops for ever. In a function those work. Names declared inside such a statement
// are local to it in Go too, so nothing visible changes. A statement with a goto, or
// a goto's label, is left alone.
func wrapCompound(b *ast.BlockStmt) {
	targets := map[string]bool{} // labels a goto of the top-level code jumps to
	ast.Inspect(b, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BranchStmt:
			if n.Tok == token.GOTO && n.Label != nil {
				targets[n.Label.Name] = true
			}
		}
		return true
	})
	for i, st := range b.List {
		if l, ok := st.(*ast.LabeledStmt); ok && targets[l.Label.Name] {
			continue
		}
		switch st.(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt,
			*ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
		default:
			continue
		}
		if hasGoto(st) {
			continue
		}
		end := st.End() - 1
		lit := &ast.FuncLit{
			Type: &ast.FuncType{Func: st.Pos(), Params: &ast.FieldList{Opening: st.Pos(), Closing: st.Pos()}},
			Body: &ast.BlockStmt{Lbrace: st.Pos(), List: []ast.Stmt{st}, Rbrace: end},
		}
		b.List[i] = &ast.ExprStmt{X: &ast.CallExpr{Fun: lit, Lparen: end, Rparen: end}}
	}
}

func hasGoto(n ast.Node) bool {
	return anyNode(n, func(n ast.Node) bool {
		br, ok := n.(*ast.BranchStmt)
		return ok && br.Tok == token.GOTO
	})
}

// anyNode tells whether some node of the tree at root satisfies pred; the walk stops at
// the first.
func anyNode(root ast.Node, pred func(ast.Node) bool) bool {
	found := false
	ast.Inspect(root, func(n ast.Node) bool {
		if n != nil && pred(n) {
			found = true
		}
		return !found
	})
	return found
}

// perIterationVars gives each iteration of a loop its own copy of the loop variables,
// as Go 1.22 does and the interpreter does not (its closures all see the last value):
// the body becomes { i := i; body }. Only loops whose body has a function literal or
// takes an address need it. A three-clause loop whose body assigns its variable is
// left alone: the copy would not carry the change to the next iteration.
func perIterationVars(root ast.Node) {
	ast.Inspect(root, func(n ast.Node) bool {
		switch l := n.(type) {
		case *ast.RangeStmt:
			if l.Tok != token.DEFINE || !captures(l.Body) {
				return true
			}
			names := nonBlank(l.Key, l.Value)
			if len(names) > 0 {
				l.Body = copyVars(names, l.Body)
			}
		case *ast.ForStmt:
			init, ok := l.Init.(*ast.AssignStmt)
			if !ok || init.Tok != token.DEFINE || !captures(l.Body) {
				return true
			}
			names := nonBlank(init.Lhs...)
			if len(names) > 0 && !assigns(l.Body, names) {
				l.Body = copyVars(names, l.Body)
			}
		}
		return true
	})
}

func nonBlank(es ...ast.Expr) []*ast.Ident {
	var ids []*ast.Ident
	for _, e := range es {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			ids = append(ids, id)
		}
	}
	return ids
}

// captures tells whether a loop body may keep a loop variable beyond its iteration.
func captures(body ast.Node) bool {
	return anyNode(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return true
		case *ast.UnaryExpr:
			return n.Op == token.AND
		}
		return false
	})
}

// assigns tells whether body assigns, increments or takes the address of one of names.
func assigns(body ast.Node, names []*ast.Ident) bool {
	is := func(e ast.Expr) bool {
		if id, ok := ast.Unparen(e).(*ast.Ident); ok {
			for _, n := range names {
				if n.Name == id.Name {
					return true
				}
			}
		}
		return false
	}
	return anyNode(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			return slices.ContainsFunc(n.Lhs, is)
		case *ast.IncDecStmt:
			return is(n.X)
		case *ast.UnaryExpr:
			return n.Op == token.AND && is(n.X)
		case *ast.RangeStmt:
			return n.Tok == token.ASSIGN && (is(n.Key) || is(n.Value))
		}
		return false
	})
}

// copyVars returns { a, b := a, b; body }: the body stays a block of its own, so that
// it may declare the same names again.
func copyVars(names []*ast.Ident, body *ast.BlockStmt) *ast.BlockStmt {
	as := &ast.AssignStmt{Tok: token.DEFINE, TokPos: names[0].Pos()}
	for _, n := range names {
		as.Lhs = append(as.Lhs, &ast.Ident{NamePos: n.Pos(), Name: n.Name})
		as.Rhs = append(as.Rhs, &ast.Ident{NamePos: n.Pos(), Name: n.Name})
	}
	return &ast.BlockStmt{Lbrace: body.Lbrace, List: []ast.Stmt{as, body}, Rbrace: body.Rbrace}
}

// editLists calls edit on every statement list under root (blocks, case and select
// clauses) and keeps what it returns. Lists are visited before the statements in them.
func editLists(root ast.Node, edit func([]ast.Stmt) []ast.Stmt) {
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BlockStmt:
			n.List = edit(n.List)
		case *ast.CaseClause:
			n.Body = edit(n.Body)
		case *ast.CommClause:
			n.Body = edit(n.Body)
		}
		return true
	})
}

// intness is what is known of an expression's type.
type intness int

const (
	unknownKind intness = iota
	intKind             // an integer type
	otherKind           // known not to be an integer
)

var intTypeNames = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "uint": true,
	"uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"byte": true, "rune": true,
}

var otherTypeNames = map[string]bool{
	"string": true, "bool": true, "float32": true, "float64": true, "complex64": true,
	"complex128": true, "error": true, "any": true,
}

// typeFacts tells, as far as the cell's text and the session's variables show, which
// expressions are integers. It ignores scopes: a name given two kinds in the cell is
// unknown.
type typeFacts struct {
	names    map[string]intness
	intTypes map[string]bool      // named integer types declared in the cell
	global   func(string) intness // kind of a variable (or field: a.b) of earlier cells; may be nil
}

func newTypeFacts(root ast.Node, global func(string) intness) *typeFacts {
	tf := &typeFacts{names: map[string]intness{}, intTypes: map[string]bool{}, global: global}
	ast.Inspect(root, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok && ts.TypeParams == nil {
			if id, ok := ts.Type.(*ast.Ident); ok && intTypeNames[id.Name] {
				tf.intTypes[ts.Name.Name] = true
			}
		}
		return true
	})
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			k := tf.typeKind(n.Type)
			for _, id := range n.Names {
				tf.set(id.Name, k)
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				switch {
				case n.Type != nil:
					tf.set(id.Name, tf.typeKind(n.Type))
				case len(n.Values) == len(n.Names):
					tf.set(id.Name, tf.kind(n.Values[i]))
				default:
					tf.set(id.Name, unknownKind)
				}
			}
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				return true
			}
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					k := unknownKind
					if len(n.Rhs) == len(n.Lhs) {
						k = tf.kind(n.Rhs[i])
					}
					tf.set(id.Name, k)
				}
			}
		case *ast.RangeStmt:
			if n.Tok != token.DEFINE {
				return true
			}
			k := unknownKind
			if n.Value == nil && tf.kind(n.X) == intKind {
				k = intKind
			}
			for _, id := range nonBlank(n.Key) {
				tf.set(id.Name, k)
			}
			for _, id := range nonBlank(n.Value) {
				tf.set(id.Name, unknownKind)
			}
		}
		return true
	})
	return tf
}

func (tf *typeFacts) set(name string, k intness) {
	if old, ok := tf.names[name]; ok && old != k {
		k = unknownKind
	}
	tf.names[name] = k
}

func (tf *typeFacts) typeKind(t ast.Expr) intness {
	switch t := t.(type) {
	case *ast.Ident:
		switch {
		case intTypeNames[t.Name] || tf.intTypes[t.Name]:
			return intKind
		case otherTypeNames[t.Name]:
			return otherKind
		}
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.StructType,
		*ast.StarExpr, *ast.InterfaceType, *ast.Ellipsis:
		return otherKind
	}
	return unknownKind
}

func (tf *typeFacts) kind(e ast.Expr) intness {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.INT || e.Kind == token.CHAR {
			return intKind
		}
		return otherKind
	case *ast.CompositeLit, *ast.FuncLit, *ast.SliceExpr:
		return otherKind
	case *ast.ParenExpr:
		return tf.kind(e.X)
	case *ast.UnaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.XOR:
			return tf.kind(e.X)
		case token.AND, token.NOT:
			return otherKind
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ, token.LAND, token.LOR:
			return otherKind
		case token.SHL, token.SHR:
			return tf.kind(e.X)
		}
		x, y := tf.kind(e.X), tf.kind(e.Y)
		switch {
		case x == otherKind || y == otherKind:
			return otherKind
		case x == intKind || y == intKind:
			// Of the types one may range over, only strings have an arithmetic
			// operator (+), and a string cannot be added to an integer.
			return intKind
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			switch {
			case id.Name == "len" || id.Name == "cap" || intTypeNames[id.Name] || tf.intTypes[id.Name]:
				return intKind
			case id.Name == "make" || id.Name == "new" || id.Name == "append" || otherTypeNames[id.Name]:
				return otherKind
			}
		}
	case *ast.Ident:
		if k, ok := tf.names[e.Name]; ok {
			return k
		}
		switch e.Name {
		case "true", "false", "nil":
			return otherKind
		}
		if tf.global != nil {
			return tf.global(e.Name)
		}
	case *ast.SelectorExpr:
		// A field of a variable of earlier cells (cfg.N): reading it has no effects.
		path := []string{e.Sel.Name}
		x := e.X
		for {
			if sel, ok := x.(*ast.SelectorExpr); ok {
				path = append([]string{sel.Sel.Name}, path...)
				x = sel.X
				continue
			}
			break
		}
		if id, ok := x.(*ast.Ident); ok && tf.global != nil {
			if _, local := tf.names[id.Name]; !local {
				return tf.global(id.Name + "." + strings.Join(path, "."))
			}
		}
	}
	return unknownKind
}

// rangeInts rewrites each range over an integer (Go 1.22), which the interpreter
// cannot compile ("nil type"), as a three-clause loop:
//
//	for i := range n { body }
//
// becomes
//
//	{ n·1 := n; for i·1 := n·1 ^ n·1; i·1 < n·1; i·1++ { i := i·1; { body } } }
//
// n is evaluated once; n·1 ^ n·1 is a zero of n's type that only an integer type
// allows (a float would be refused as Go refuses it); i is the iteration's own copy,
// so changing it does not change the iterations. A range whose operand is not known
// to be an integer is rewritten only when force is set (a second try, after the cell
// failed to compile as it was); rangeInts tells whether it left such a range.
func rangeInts(root ast.Node, tf *typeFacts, force bool) (unsure bool) {
	seq := 0
	rewrite := func(r *ast.RangeStmt, label *ast.Ident, colon token.Pos) ast.Stmt {
		if r.Value != nil {
			return nil
		}
		switch tf.kind(r.X) {
		case otherKind:
			return nil
		case unknownKind:
			if !force {
				unsure = true
				return nil
			}
		}
		seq++
		p := r.For
		n := func() *ast.Ident { return &ast.Ident{NamePos: p, Name: "n·" + strconv.Itoa(seq)} }
		i := func() *ast.Ident { return &ast.Ident{NamePos: p, Name: "i·" + strconv.Itoa(seq)} }
		body := r.Body
		if r.Key != nil && !isBlank(r.Key) {
			tok := r.Tok
			if tok != token.DEFINE {
				tok = token.ASSIGN
			}
			set := &ast.AssignStmt{Lhs: []ast.Expr{r.Key}, TokPos: r.TokPos, Tok: tok, Rhs: []ast.Expr{i()}}
			body = &ast.BlockStmt{Lbrace: body.Lbrace, List: []ast.Stmt{set, body}, Rbrace: body.Rbrace}
		}
		var loop ast.Stmt = &ast.ForStmt{
			For:  p,
			Init: &ast.AssignStmt{Lhs: []ast.Expr{i()}, TokPos: p, Tok: token.DEFINE, Rhs: []ast.Expr{&ast.BinaryExpr{X: n(), OpPos: p, Op: token.XOR, Y: n()}}},
			Cond: &ast.BinaryExpr{X: i(), OpPos: p, Op: token.LSS, Y: n()},
			Post: &ast.IncDecStmt{X: i(), TokPos: p, Tok: token.INC},
			Body: body,
		}
		if label != nil {
			loop = &ast.LabeledStmt{Label: label, Colon: colon, Stmt: loop}
		}
		decl := &ast.AssignStmt{Lhs: []ast.Expr{n()}, TokPos: p, Tok: token.DEFINE, Rhs: []ast.Expr{r.X}}
		return &ast.BlockStmt{Lbrace: p, List: []ast.Stmt{decl, loop}, Rbrace: r.End() - 1}
	}
	editLists(root, func(list []ast.Stmt) []ast.Stmt {
		for i, st := range list {
			switch st := st.(type) {
			case *ast.RangeStmt:
				if r := rewrite(st, nil, token.NoPos); r != nil {
					list[i] = r
				}
			case *ast.LabeledStmt:
				if rs, ok := st.Stmt.(*ast.RangeStmt); ok {
					if r := rewrite(rs, st.Label, st.Colon); r != nil {
						list[i] = r
					}
				}
			}
		}
		return list
	})
	return unsure
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// hoistMultiValueArgs rewrites f(g()), where f is a generic function of the cell with
// n parameters and g returns n values, as
//
//	v·1, …, v·n := g()
//	… f(v·1, …, v·n) …
//
// The interpreter cannot infer f's type arguments from a multi-value call (a "nil
// reflect type" or a compiler panic). The call must be in a statement of a list (not
// under && or ||, nor in a loop's condition); g then runs before the statement's other
// calls. generics maps a generic function's name to its number of parameters.
func hoistMultiValueArgs(root ast.Node, generics map[string]int, prefix string) {
	if len(generics) == 0 {
		return
	}
	seq := 0
	editLists(root, func(list []ast.Stmt) []ast.Stmt {
		var out []ast.Stmt
		for _, st := range list {
			for _, e := range stmtExprs(st) {
				for _, call := range multiValueCalls(e, generics) {
					arg := call.Args[0]
					as := &ast.AssignStmt{TokPos: arg.Pos(), Tok: token.DEFINE, Rhs: []ast.Expr{arg}}
					args := make([]ast.Expr, generics[call.Fun.(*ast.Ident).Name])
					for i := range args {
						seq++
						name := fmt.Sprintf("%s%d", prefix, seq)
						as.Lhs = append(as.Lhs, &ast.Ident{NamePos: arg.Pos(), Name: name})
						args[i] = &ast.Ident{NamePos: arg.Pos(), Name: name}
					}
					call.Args = args
					out = append(out, as)
				}
			}
			out = append(out, st)
		}
		return out
	})
}

// stmtExprs are the expressions a statement evaluates once, before anything else it
// does.
func stmtExprs(st ast.Stmt) []ast.Expr {
	switch st := st.(type) {
	case *ast.ExprStmt:
		return []ast.Expr{st.X}
	case *ast.AssignStmt:
		return st.Rhs
	case *ast.ReturnStmt:
		return st.Results
	case *ast.GoStmt:
		return []ast.Expr{st.Call}
	case *ast.DeferStmt:
		return []ast.Expr{st.Call}
	case *ast.SendStmt:
		return []ast.Expr{st.Value}
	case *ast.DeclStmt:
		var es []ast.Expr
		if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			for _, sp := range gd.Specs {
				es = append(es, sp.(*ast.ValueSpec).Values...)
			}
		}
		return es
	case *ast.IfStmt:
		if st.Init == nil {
			return []ast.Expr{st.Cond}
		}
	case *ast.SwitchStmt:
		if st.Init == nil && st.Tag != nil {
			return []ast.Expr{st.Tag}
		}
	}
	return nil
}

// multiValueCalls finds the calls f(g(...)) of generic functions under e, innermost
// first, outside function literals and the right operands of && and ||.
func multiValueCalls(e ast.Expr, generics map[string]int) []*ast.CallExpr {
	var calls []*ast.CallExpr
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				ast.Inspect(n.X, walk)
				return false
			}
		case *ast.CallExpr:
			for _, a := range n.Args {
				ast.Inspect(a, walk)
			}
			id, ok := n.Fun.(*ast.Ident)
			if !ok || generics[id.Name] < 2 || len(n.Args) != 1 || n.Ellipsis.IsValid() {
				return false
			}
			if _, ok := n.Args[0].(*ast.CallExpr); ok {
				calls = append(calls, n)
			}
			return false
		}
		return true
	}
	ast.Inspect(e, walk)
	return calls
}

// genericArity is the number of parameters of a generic function declaration, -1
// for a variadic one, 0 for a function that is not generic.
func genericArity(d *ast.FuncDecl) int {
	if d.Recv != nil || d.Type.TypeParams == nil || d.Type.Params == nil {
		return 0
	}
	n := 0
	for _, f := range d.Type.Params.List {
		if _, ok := f.Type.(*ast.Ellipsis); ok {
			return -1
		}
		n += max(len(f.Names), 1)
	}
	return n
}

// renameTypeParams gives the type parameters of the file's generic functions, types
// and methods names that end in ·: the interpreter leaks a type parameter's name into
// the package scope, where `func Map[T any]` would hide an import named T (engine
// notebooks import engine/types as T) for the rest of the session.
func renameTypeParams(f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			names := map[string]bool{}
			for _, id := range fieldNames(d.Type.TypeParams) {
				names[id.Name] = true
			}
			if d.Recv != nil && len(d.Recv.List) == 1 {
				t := d.Recv.List[0].Type
				if st, ok := t.(*ast.StarExpr); ok {
					t = st.X
				}
				switch t := t.(type) {
				case *ast.IndexExpr:
					if id, ok := t.Index.(*ast.Ident); ok && id.Name != "_" {
						names[id.Name] = true
					}
				case *ast.IndexListExpr:
					for _, ix := range t.Indices {
						if id, ok := ix.(*ast.Ident); ok && id.Name != "_" {
							names[id.Name] = true
						}
					}
				}
			}
			renameIn(d, names)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && ts.TypeParams != nil {
					names := map[string]bool{}
					for _, id := range fieldNames(ts.TypeParams) {
						names[id.Name] = true
					}
					renameIn(ts.TypeParams, names)
					renameIn(ts.Type, names)
				}
			}
		}
	}
}

func fieldNames(fl *ast.FieldList) []*ast.Ident {
	if fl == nil {
		return nil
	}
	var ids []*ast.Ident
	for _, f := range fl.List {
		ids = append(ids, f.Names...)
	}
	return ids
}

// renameIn appends · to the identifiers under n that are in names, leaving selected
// names (x.T), field names of struct types and keys of composite literals alone.
func renameIn(n ast.Node, names map[string]bool) {
	if len(names) == 0 {
		return
	}
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if names[n.Name] {
				n.Name += "·"
			}
		case *ast.SelectorExpr:
			ast.Inspect(n.X, walk)
			return false
		case *ast.KeyValueExpr:
			if _, ok := n.Key.(*ast.Ident); !ok {
				ast.Inspect(n.Key, walk)
			}
			ast.Inspect(n.Value, walk)
			return false
		case *ast.StructType:
			for _, f := range n.Fields.List {
				ast.Inspect(f.Type, walk)
			}
			return false
		}
		return true
	}
	ast.Inspect(n, walk)
}

// moveGlobalVarDecls makes statements of the cell's var declarations whose values use
// variables of earlier cells (isGlobalVar), and of those that use such moved ones.
// The interpreter fails on a package-level `var b = a * 2` when a was declared by an
// earlier compilation ("variable definition loop": it looks for a's declaration among
// the new file's); a top-level var statement declares the same global, in the same
// order relative to the cell's statements. A declaration that a function of the
// cell uses stays where it is: the function must see it declared.
func moveGlobalVarDecls(src []byte, items []item, isGlobalVar func(string) bool) []item {
	type varItem struct {
		idx   int
		names []string
		uses  map[string]bool
	}
	var vars []varItem
	declared := map[string]bool{} // names the cell's declarations declare
	funcUses := map[string]bool{} // names the cell's functions use
	for i, it := range items {
		if it.kind != partDecl {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", append([]byte("package main\n"), src[it.start:it.end]...), parser.SkipObjectResolution)
		if err != nil || len(f.Decls) != 1 {
			continue
		}
		switch d := f.Decls[0].(type) {
		case *ast.FuncDecl:
			declared[d.Name.Name] = true
			usedNames(d, funcUses)
		case *ast.GenDecl:
			vi := varItem{idx: i, uses: map[string]bool{}}
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.ValueSpec:
					for _, id := range sp.Names {
						declared[id.Name] = true
						vi.names = append(vi.names, id.Name)
					}
					for _, v := range sp.Values {
						usedNames(v, vi.uses)
					}
				case *ast.TypeSpec:
					declared[sp.Name.Name] = true
				}
			}
			if d.Tok == token.VAR {
				vars = append(vars, vi)
			}
		}
	}
	moved := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, v := range vars {
			if items[v.idx].kind == partStmt {
				continue
			}
			move := false
			for n := range v.uses {
				if moved[n] || (!declared[n] && isGlobalVar(n)) {
					move = true
				}
			}
			for _, n := range v.names {
				if funcUses[n] {
					move = false
				}
			}
			if move {
				items[v.idx].kind = partStmt
				for _, n := range v.names {
					moved[n] = true
				}
				changed = true
			}
		}
	}
	return items
}

// usedNames adds to names the identifiers under n, but for selected names (x.f).
func usedNames(n ast.Node, names map[string]bool) {
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			names[n.Name] = true
		case *ast.SelectorExpr:
			ast.Inspect(n.X, walk)
			return false
		}
		return true
	}
	ast.Inspect(n, walk)
}

// splitTypedGlobalVars turns each `var x T = v` of the file whose value uses a variable
// of an earlier cell (see moveGlobalVarDecls, which moves those it can) into `var x T`
// and returns the assignments `x = v`, to run after the file's declarations. One that
// another variable's value uses stays: that value would see x's zero value.
func splitTypedGlobalVars(f *ast.File, isGlobalVar func(string) bool) []ast.Stmt {
	declared := map[string]bool{}
	valueUses := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			declared[d.Name.Name] = true
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.ValueSpec:
					for _, id := range sp.Names {
						declared[id.Name] = true
					}
					for _, v := range sp.Values {
						usedNames(v, valueUses)
					}
				case *ast.TypeSpec:
					declared[sp.Name.Name] = true
				}
			}
		}
	}
	var post []ast.Stmt
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			if vs.Type == nil || len(vs.Values) != len(vs.Names) {
				continue
			}
			uses := map[string]bool{}
			for _, v := range vs.Values {
				usedNames(v, uses)
			}
			global, used := false, false
			for n := range uses {
				global = global || (!declared[n] && isGlobalVar(n))
			}
			for _, id := range vs.Names {
				used = used || valueUses[id.Name]
			}
			if !global || used {
				continue
			}
			as := &ast.AssignStmt{TokPos: vs.Pos(), Tok: token.ASSIGN, Rhs: vs.Values}
			for _, id := range vs.Names {
				as.Lhs = append(as.Lhs, &ast.Ident{NamePos: id.Pos(), Name: id.Name})
			}
			vs.Values = nil
			post = append(post, as)
		}
	}
	return post
}
