package interp

import (
	"go/scanner"
	"go/token"
)

// partKind says how a top-level item of a cell is evaluated.
type partKind int

const (
	partImport partKind = iota
	partDecl
	partStmt
	partPackage // a package clause pasted with a file: ignored
)

// item is one top-level item of a cell: [start, end) in bytes.
type item struct {
	kind       partKind
	start, end int
}

// splitCell cuts a cell into its top-level items (imports, declarations, statements).
// Imports and declarations are evaluated before the statements, as in a Go file; a var
// declaration that follows a statement stays a statement, so that it sees the values
// the statements before it computed. Scanning errors are left to the parser.
func splitCell(src []byte) []item {
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)

	type tok struct {
		pos int
		tok token.Token
		end int
	}
	var items []item
	var cur []tok // tokens of the item being read
	depth := 0
	docStart := -1 // start of the comments just before the next item
	header := false
	sawStmt := false
	finish := func() {
		if len(cur) == 0 {
			return
		}
		it := item{start: cur[0].pos, end: cur[len(cur)-1].end, kind: partStmt}
		if docStart >= 0 {
			it.start = docStart // the doc comment goes with its declaration
		}
		switch cur[0].tok {
		case token.IMPORT:
			it.kind = partImport
		case token.PACKAGE:
			it.kind = partPackage
		case token.TYPE, token.CONST:
			it.kind = partDecl
		case token.VAR:
			if !sawStmt {
				it.kind = partDecl
			}
		case token.FUNC:
			toks := make([]token.Token, len(cur))
			for i, t := range cur {
				toks[i] = t.tok
			}
			if isFuncDecl(toks) {
				it.kind = partDecl
			}
		}
		if it.kind == partStmt {
			sawStmt = true
		}
		if it.kind == partPackage {
			cur, docStart = cur[:0], -1
			return
		}
		items = append(items, it)
		cur = cur[:0]
		docStart = -1
	}
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		off := file.Offset(pos)
		end := off + len(lit)
		if lit == "" {
			end = off + len(t.String())
		}
		end = min(end, len(src))
		if t == token.COMMENT {
			if len(cur) == 0 && depth == 0 && docStart < 0 {
				docStart = off
			}
			continue
		}
		switch t {
		case token.FOR, token.IF, token.SWITCH:
			if depth == 0 {
				header = true // "for i := 0; i < n; i++ {": these semicolons do not end it
			}
		case token.LBRACE:
			if depth == 0 {
				header = false
			}
			depth++
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		case token.SEMICOLON:
			if depth == 0 && !header {
				if lit == ";" && len(cur) > 0 {
					cur[len(cur)-1].end = end // keep an explicit ";" with its item
				}
				finish()
				continue
			}
		}
		cur = append(cur, tok{pos: off, tok: t, end: end})
	}
	finish()
	return items
}

// isFuncDecl tells a function or method declaration from a statement that starts with
// a function literal: "func f(", "func (r T) M(" versus "func() {...}()".
func isFuncDecl(toks []token.Token) bool {
	if len(toks) < 2 {
		return false
	}
	if toks[1] == token.IDENT {
		return true
	}
	if toks[1] != token.LPAREN {
		return false
	}
	depth := 0
	for i := 1; i < len(toks); i++ {
		switch toks[i] {
		case token.LPAREN:
			depth++
		case token.RPAREN:
			depth--
			if depth == 0 {
				return i+2 < len(toks) && toks[i+1] == token.IDENT && toks[i+2] == token.LPAREN
			}
		}
	}
	return false
}

// mask returns src with every byte outside the items of the given kind blanked (newlines
// kept), so that positions in the result are positions in the cell.
func mask(src []byte, items []item, kind partKind) ([]byte, bool) {
	out := make([]byte, len(src))
	for i, c := range src {
		if c == '\n' {
			out[i] = '\n'
		} else {
			out[i] = ' '
		}
	}
	any := false
	for _, it := range items {
		if it.kind == kind {
			copy(out[it.start:it.end], src[it.start:it.end])
			any = true
		}
	}
	return out, any
}
