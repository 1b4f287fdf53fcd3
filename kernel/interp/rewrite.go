package interp

import (
	"go/ast"
	"go/token"
	"strconv"
)

// voidBuiltins are builtins whose call yields no value (or is not worth echoing), and
// builtins that cannot be passed as a function value to rt.Spawn.
var builtins = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true,
	"delete": true, "imag": true, "len": true, "make": true, "max": true, "min": true,
	"new": true, "panic": true, "print": true, "println": true, "real": true, "recover": true,
}

var voidBuiltins = map[string]bool{
	"clear": true, "close": true, "delete": true, "panic": true, "print": true, "println": true,
}

func rtCall(pos token.Pos, fn string, args []ast.Expr, lparen, rparen token.Pos) *ast.CallExpr {
	return &ast.CallExpr{
		Fun:    &ast.SelectorExpr{X: &ast.Ident{NamePos: pos, Name: rtName}, Sel: &ast.Ident{NamePos: pos, Name: fn}},
		Lparen: lparen,
		Args:   args,
		Rparen: rparen,
	}
}

// rewriteGoStmts replaces every `go f(args)` under n by `rt.Spawn(f, args)`, which
// evaluates f and args where the go statement stood and runs the call on a goroutine
// that reports its panic to its cell instead of killing the kernel. Calls of builtins
// (`go close(c)`) stay as they are: they cannot be passed as values.
func rewriteGoStmts(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BlockStmt:
			rewriteList(n.List)
		case *ast.CaseClause:
			rewriteList(n.Body)
		case *ast.CommClause:
			rewriteList(n.Body)
		case *ast.LabeledStmt:
			if g, ok := n.Stmt.(*ast.GoStmt); ok {
				if s := spawnStmt(g); s != nil {
					n.Stmt = s
				}
			}
		}
		return true
	})
}

func rewriteList(list []ast.Stmt) {
	for i, s := range list {
		if g, ok := s.(*ast.GoStmt); ok {
			if r := spawnStmt(g); r != nil {
				list[i] = r
			}
		}
	}
}

func spawnStmt(g *ast.GoStmt) ast.Stmt {
	call := g.Call
	if id, ok := call.Fun.(*ast.Ident); ok && builtins[id.Name] {
		return nil
	}
	fn := "Spawn"
	if call.Ellipsis.IsValid() {
		fn = "SpawnSpread"
	}
	args := append([]ast.Expr{call.Fun}, call.Args...)
	return &ast.ExprStmt{X: rtCall(g.Go, fn, args, call.Lparen, call.Rparen)}
}

// finalExpr is a cell's last statement when it is an expression.
type finalExpr struct {
	stmt   *ast.ExprStmt
	orig   ast.Expr
	callee string // name of the called function, "" when not a call
}

// wrapFinal makes the block's last expression statement E into rt.Result(E), which
// records E's values (all of them, for a multi-value call).
func wrapFinal(b *ast.BlockStmt) *finalExpr {
	if len(b.List) == 0 {
		return nil
	}
	es, ok := b.List[len(b.List)-1].(*ast.ExprStmt)
	if !ok {
		return nil
	}
	f := &finalExpr{stmt: es, orig: es.X}
	if call, ok := es.X.(*ast.CallExpr); ok {
		switch fun := call.Fun.(type) {
		case *ast.Ident:
			f.callee = fun.Name
			if voidBuiltins[fun.Name] {
				return nil
			}
		case *ast.SelectorExpr:
			f.callee = fun.Sel.Name
		}
	}
	es.X = rtCall(es.X.Pos(), "Result", []ast.Expr{es.X}, es.X.Pos(), es.X.End())
	return f
}

// unwrap undoes wrapFinal.
func (f *finalExpr) unwrap() { f.stmt.X = f.orig }

// renameTypes gives each type of the file that redefines an existing one a fresh name
// and declares the old name as an alias of it: the interpreter keeps the first
// definition of a name, while an alias may be replaced. rename maps old to new names;
// references inside the cell's type expressions are renamed too, so that a recursive
// type refers to its new self.
func renameTypes(f *ast.File, rename map[string]string) {
	if len(rename) == 0 {
		return
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		var aliases []ast.Spec
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			renameTypeRefs(ts.Type, rename)
			if nn, ok := rename[ts.Name.Name]; ok && ts.TypeParams == nil && !ts.Assign.IsValid() {
				old := ts.Name.Name
				ts.Name = &ast.Ident{NamePos: ts.Name.NamePos, Name: nn}
				aliases = append(aliases, &ast.TypeSpec{
					Name:   &ast.Ident{NamePos: ts.Name.NamePos, Name: old},
					Assign: ts.Name.NamePos,
					Type:   &ast.Ident{NamePos: ts.Name.NamePos, Name: nn},
				})
			}
		}
		gd.Specs = append(gd.Specs, aliases...)
		if len(gd.Specs) > 1 && !gd.Lparen.IsValid() {
			gd.Lparen, gd.Rparen = gd.Pos(), gd.End()
		}
	}
}

// renameTypeRefs renames identifiers in type position under e (not field names, not
// selected names).
func renameTypeRefs(e ast.Node, rename map[string]string) {
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if nn, ok := rename[n.Name]; ok {
					n.Name = nn
				}
			case *ast.Field:
				if n.Type != nil {
					walk(n.Type)
				}
				return false
			case *ast.SelectorExpr:
				walk(n.X)
				return false
			case *ast.KeyValueExpr:
				walk(n.Value)
				return false
			}
			return true
		})
	}
	walk(e)
}

// definedTypes lists the names of the non-alias, non-generic types declared in f.
func definedTypes(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			if ts.TypeParams == nil && !ts.Assign.IsValid() {
				names = append(names, ts.Name.Name)
			}
		}
	}
	return names
}

// markStatements puts rt.At(i) before the i-th top-level statement of the block, so
// that a panic of top-level code can name its statement (the interpreter's trace does
// not), and returns the statements' positions as pos formats them.
func markStatements(b *ast.BlockStmt, cellID int64, pos func(token.Pos) string) []string {
	positions := make([]string, len(b.List))
	list := make([]ast.Stmt, 0, 2*len(b.List))
	for i, st := range b.List {
		positions[i] = pos(st.Pos())
		args := []ast.Expr{
			&ast.BasicLit{ValuePos: st.Pos(), Kind: token.INT, Value: strconv.FormatInt(cellID, 10)},
			&ast.BasicLit{ValuePos: st.Pos(), Kind: token.INT, Value: strconv.Itoa(i)},
		}
		mark := &ast.ExprStmt{X: rtCall(st.Pos(), "At", args, st.Pos(), st.Pos())}
		list = append(list, mark, st)
	}
	b.List = list
	return positions
}

// mainName is what a cell's func main is called in the interpreter: the interpreter
// runs a package's main after every later compilation once one exists.
const mainName = "main·"

// renameMain renames every identifier main under the nodes to mainName and tells
// whether a func main is declared there.
func renameMain[N ast.Node](nodes ...N) bool {
	declared := false
	for _, n := range nodes {
		if fd, ok := ast.Node(n).(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			declared = true
		}
		ast.Inspect(n, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == "main" {
				id.Name = mainName
			}
			return true
		})
	}
	return declared
}
