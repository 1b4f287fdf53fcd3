package interp

import (
	"bytes"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/runnel-go/runnel/kernel"
	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"
)

// IsComplete tells whether code is ready to run: unclosed brackets, an unterminated
// raw string or comment, or a trailing operator make it incomplete.
func (s *Session) IsComplete(code string) kernel.IsCompleteReply {
	trimmed := strings.TrimSpace(code)
	if trimmed == "" || strings.HasPrefix(trimmed, "%") || strings.HasPrefix(trimmed, "!") {
		return kernel.IsCompleteReply{Status: "complete"}
	}
	src := []byte(code)
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var sc scanner.Scanner
	unterminated, bad := false, false
	sc.Init(file, src, func(_ token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			unterminated = true
		} else {
			bad = true
		}
	}, scanner.ScanComments)
	depth := 0
	last := token.ILLEGAL
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth < 0 {
				return kernel.IsCompleteReply{Status: "invalid"}
			}
		case token.COMMENT:
			continue
		case token.SEMICOLON:
			if lit == "\n" {
				continue // an inserted semicolon: keep the token before it
			}
		}
		last = tok
	}
	indent := strings.Repeat("\t", max(depth, 0))
	switch {
	case unterminated:
		return kernel.IsCompleteReply{Status: "incomplete", Indent: indent}
	case depth > 0:
		return kernel.IsCompleteReply{Status: "incomplete", Indent: indent}
	case continues(last):
		return kernel.IsCompleteReply{Status: "incomplete", Indent: "\t"}
	case bad:
		return kernel.IsCompleteReply{Status: "invalid"}
	}
	if parseCell(code) != nil {
		return kernel.IsCompleteReply{Status: "invalid"}
	}
	return kernel.IsCompleteReply{Status: "complete"}
}

// continues tells tokens after which a line cannot end a statement.
func continues(t token.Token) bool {
	switch t {
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR,
		token.SHL, token.SHR, token.AND_NOT, token.LAND, token.LOR, token.EQL, token.LSS,
		token.GTR, token.NEQ, token.LEQ, token.GEQ, token.ASSIGN, token.DEFINE, token.COMMA,
		token.PERIOD, token.ARROW, token.ADD_ASSIGN, token.SUB_ASSIGN, token.MUL_ASSIGN,
		token.QUO_ASSIGN, token.REM_ASSIGN, token.AND_ASSIGN, token.OR_ASSIGN, token.XOR_ASSIGN,
		token.SHL_ASSIGN, token.SHR_ASSIGN, token.AND_NOT_ASSIGN, token.COLON, token.ELSE:
		return true
	}
	return false
}

// parseCell parses a cell as eval would, without running it.
func parseCell(code string) error {
	src := []byte(code)
	items := splitCell(src)
	fset := token.NewFileSet()
	if text, ok := mask(src, items, partImport); ok {
		if _, err := parser.ParseFile(fset, "", "package main\n"+string(text), parser.ImportsOnly); err != nil {
			return err
		}
	}
	if text, ok := mask(src, items, partDecl); ok {
		if _, err := parser.ParseFile(fset, "", "package main\n"+string(text), parser.SkipObjectResolution); err != nil {
			return err
		}
	}
	if text, ok := mask(src, items, partStmt); ok {
		if _, err := parser.ParseFile(fset, "", "package main; func main() {\n"+string(text)+"\n}", parser.SkipObjectResolution); err != nil {
			return err
		}
	}
	return nil
}

var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
	"return", "select", "struct", "switch", "type", "var",
}

var predeclared = []string{
	"any", "bool", "byte", "comparable", "complex64", "complex128", "error", "float32",
	"float64", "int", "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8",
	"uint16", "uint32", "uint64", "uintptr", "true", "false", "iota", "nil",
	"append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make",
	"max", "min", "new", "panic", "print", "println", "real", "recover",
}

// packages indexes the symbol tables the interpreter knows: import path -> exported
// names, and package name -> import paths.
type packages struct {
	once    sync.Once
	symbols map[string]map[string]reflect.Value
	names   map[string][]string
}

func (s *Session) packages() *packages {
	s.pkgs.once.Do(func() {
		p := &s.pkgs
		p.symbols = map[string]map[string]reflect.Value{}
		p.names = map[string][]string{}
		add := func(e yaegi.Exports) {
			for k, syms := range e {
				path := filepath.Dir(k)
				if strings.HasPrefix(path, "github.com/traefik/yaegi") || path == rtPath || path == "." {
					continue
				}
				if p.symbols[path] == nil {
					p.symbols[path] = map[string]reflect.Value{}
					name := filepath.Base(k)
					p.names[name] = append(p.names[name], path)
				}
				for n, v := range syms {
					p.symbols[path][n] = v
				}
			}
		}
		add(stdlibSymbols())
		for _, e := range s.opts.Symbols {
			add(e)
		}
		for _, paths := range p.names {
			sort.Strings(paths)
		}
	})
	return &s.pkgs
}

// pathOf resolves a package name as cells see it: an import of the session first, then
// the only (or shortest) known package of that name.
func (s *Session) pathOf(name string) (string, bool) {
	s.mu.Lock()
	path, ok := s.imports[name]
	s.mu.Unlock()
	if ok {
		return path, true
	}
	paths := s.packages().names[name]
	if len(paths) == 0 {
		return "", false
	}
	best := paths[0]
	for _, p := range paths {
		if len(p) < len(best) {
			best = p
		}
	}
	return best, true
}

// Complete proposes names for the identifier before the cursor: a package's exported
// names after "pkg.", the fields and methods of a value after "v.", else keywords,
// builtins, package names and the names cells defined.
func (s *Session) Complete(code string, cursorPos int) kernel.CompleteReply {
	off := byteOffset(code, cursorPos)
	start := off
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= size
	}
	for start > 0 && code[start-1] == '%' {
		start-- // a magic's name: "%cd", "%%bash"
	}
	prefix := code[start:off]
	var cands []cand
	switch {
	case strings.HasPrefix(prefix, "%"):
		if s.opts.Magics != nil {
			for _, n := range s.opts.Magics.Names() {
				cands = append(cands, cand{n, "magic"})
			}
		}
	case start > 0 && code[start-1] == '.':
		cands = s.memberNames(exprBefore(code, start-1))
	default:
		cands = s.globalNames()
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].name < cands[j].name })
	seen := map[string]bool{}
	matches := []string{}
	types := []map[string]any{}
	cs, ce := utf8.RuneCountInString(code[:start]), utf8.RuneCountInString(code[:off])
	for _, c := range cands {
		if strings.HasPrefix(c.name, prefix) && !seen[c.name] {
			seen[c.name] = true
			matches = append(matches, c.name)
			types = append(types, map[string]any{"start": cs, "end": ce, "text": c.name, "type": c.kind})
		}
	}
	return kernel.CompleteReply{
		Matches:     matches,
		CursorStart: cs,
		CursorEnd:   ce,
		// JupyterLab shows the kind of each match from this.
		Metadata: map[string]any{"_jupyter_types_experimental": types},
	}
}

// cand is a completion candidate and its kind, in JupyterLab's words (function,
// class, module, keyword, instance, magic).
type cand struct{ name, kind string }

var defKinds = map[defKind]string{"func": "function", "type": "class", "var": "instance", "const": "instance"}

func (s *Session) globalNames() []cand {
	var out []cand
	for _, k := range keywords {
		out = append(out, cand{k, "keyword"})
	}
	for _, p := range predeclared {
		out = append(out, cand{p, "builtin"})
	}
	s.mu.Lock()
	for n, k := range s.defs {
		out = append(out, cand{n, defKinds[k]})
	}
	for n := range s.imports {
		if n != rtName && n != "_" && n != "." {
			out = append(out, cand{n, "module"})
		}
	}
	s.mu.Unlock()
	for n := range s.packages().names {
		out = append(out, cand{n, "module"})
	}
	return out
}

// memberNames lists what may follow "expr.": expr may be a chain of selectors and
// calls ("spark.ReadStream()"), typed without running the calls.
func (s *Session) memberNames(expr string) []cand {
	if expr == "" {
		return nil
	}
	if !strings.ContainsAny(expr, ".(") && !s.isDefined(expr) {
		if path, ok := s.pathOf(expr); ok {
			var out []cand
			for n, v := range s.packages().symbols[path] {
				out = append(out, cand{n, symbolKind(v)})
			}
			return out
		}
	}
	var out []cand
	s.mu.Lock()
	if t, ok := s.varTypes[expr]; ok {
		for _, m := range s.methods[t] {
			out = append(out, cand{m, "function"})
		}
	}
	s.mu.Unlock()
	t, ok := s.typeOf(expr)
	if !ok {
		return out
	}
	return append(out, typeMembers(t)...)
}

// typeOf gives the type of expr: the value's own type for identifiers and selectors
// (evaluated, they have no side effects), else the static type of a chain of calls.
func (s *Session) typeOf(expr string) (reflect.Type, bool) {
	if !strings.Contains(expr, "(") {
		if v, ok := s.evalQuiet(expr); ok {
			return v.Type(), true
		}
	}
	return s.chainType(expr)
}

// chainType types a chain such as `spark.ReadStream().Option("a", 1).CSV` from the
// signatures of its functions and methods: calls are never run while completing.
func (s *Session) chainType(expr string) (reflect.Type, bool) {
	segs := splitChain(expr)
	if len(segs) == 0 {
		return nil, false
	}
	var t reflect.Type
	first := segs[0]
	switch {
	case !s.isDefined(first.name) && len(segs) > 1:
		path, ok := s.pathOf(first.name)
		if !ok {
			return nil, false
		}
		v, ok := s.packages().symbols[path][segs[1].name]
		if !ok {
			return nil, false
		}
		switch {
		case v.Kind() == reflect.Func:
			t = v.Type()
			if segs[1].call {
				if t.NumOut() == 0 {
					return nil, false
				}
				t = t.Out(0)
			}
		case v.Kind() == reflect.Pointer && !v.IsNil():
			t = v.Type().Elem() // a variable
		default:
			return nil, false
		}
		segs = segs[2:]
	default:
		v, ok := s.evalQuiet(first.name)
		if !ok {
			return nil, false
		}
		t = v.Type()
		if first.call {
			if t.Kind() != reflect.Func || t.NumOut() == 0 {
				return nil, false
			}
			t = t.Out(0)
		}
		segs = segs[1:]
	}
	for _, seg := range segs {
		next, ok := memberType(t, seg)
		if !ok {
			return nil, false
		}
		t = next
	}
	return t, true
}

// memberType is the type of t.name, or of the call t.name(...).
func memberType(t reflect.Type, seg chainSeg) (reflect.Type, bool) {
	m, ok := t.MethodByName(seg.name)
	if !ok && t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		m, ok = reflect.PointerTo(t).MethodByName(seg.name)
	}
	if ok {
		if !seg.call {
			return m.Type, true
		}
		if m.Type.NumOut() == 0 {
			return nil, false
		}
		return m.Type.Out(0), true
	}
	st := t
	for st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct || seg.call {
		return nil, false
	}
	f, ok := st.FieldByName(seg.name)
	if !ok || (!f.IsExported() && st.PkgPath() != "") {
		return nil, false
	}
	return f.Type, true
}

// chainSeg is one link of a chain: a name, called or not.
type chainSeg struct {
	name string
	call bool
}

// splitChain splits `a.b(x, y).c` into a, b(), c; nil when expr is not such a chain.
func splitChain(expr string) []chainSeg {
	var segs []chainSeg
	for i := 0; i < len(expr); {
		j := i
		for j < len(expr) && isIdentRune(rune(expr[j])) {
			j++
		}
		if j == i {
			return nil
		}
		seg := chainSeg{name: expr[i:j]}
		if j < len(expr) && expr[j] == '(' {
			end := matchParen(expr, j)
			if end < 0 {
				return nil
			}
			seg.call = true
			j = end + 1
		}
		segs = append(segs, seg)
		if j == len(expr) {
			break
		}
		if expr[j] != '.' {
			return nil
		}
		i = j + 1
	}
	return segs
}

// matchParen returns the index of the parenthesis closing the one at open, skipping
// string and rune literals; -1 when it is not closed.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		case '"', '\'', '`':
			q := s[i]
			for i++; i < len(s) && s[i] != q; i++ {
				if s[i] == '\\' && q != '`' {
					i++
				}
			}
		}
	}
	return -1
}

// symbolKind is the kind of a package symbol: yaegi's tables hold types as nil
// pointers to them, functions as funcs, variables as pointers to them.
func symbolKind(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.Func:
		return "function"
	case v.Kind() == reflect.Pointer && v.IsNil():
		return "class"
	}
	return "instance"
}

// typeMembers lists the exported methods and fields of a type (and of a pointer to
// it, whose method set is larger).
func typeMembers(t reflect.Type) []cand {
	var out []cand
	for i := 0; i < t.NumMethod(); i++ {
		out = append(out, cand{t.Method(i).Name, "function"})
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		pt := reflect.PointerTo(t)
		for i := 0; i < pt.NumMethod(); i++ {
			out = append(out, cand{pt.Method(i).Name, "function"})
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			// A compiled package's unexported fields are not reachable from a cell;
			// interpreted structs have no package path.
			if f := t.Field(i); f.IsExported() || t.PkgPath() == "" {
				out = append(out, cand{f.Name, "instance"})
			}
		}
	}
	return out
}

func (s *Session) isDefined(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.defs[name]
	return ok
}

// evalQuiet evaluates a side-effect-free expression (identifiers and selectors only)
// when no cell runs.
func (s *Session) evalQuiet(expr string) (reflect.Value, bool) {
	for _, r := range expr {
		if !isIdentRune(r) && r != '.' {
			return reflect.Value{}, false
		}
	}
	if !s.execMu.TryLock() {
		return reflect.Value{}, false
	}
	defer s.execMu.Unlock()
	file := s.fileName()
	f, err := parser.ParseFile(s.in.FileSet(), file, "package main; func main() {\n"+expr+"\n}", parser.SkipObjectResolution)
	if err != nil {
		return reflect.Value{}, false
	}
	prog, err := s.compile(f.Decls[0].(*ast.FuncDecl).Body)
	if err != nil {
		return reflect.Value{}, false
	}
	v, err := s.in.Execute(prog)
	if err != nil || !v.IsValid() {
		return reflect.Value{}, false
	}
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	return v, v.IsValid()
}

// exprBefore returns the chain of identifiers, selectors and calls ending at end
// ("a.b" in "x := a.b.", `s.R().F("x")` in "y := s.R().F(\"x\").").
func exprBefore(code string, end int) string {
	start := end
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:start])
		if r == ')' {
			open := openParen(code[:start])
			if open < 0 {
				break
			}
			start = open
			continue
		}
		if !isIdentRune(r) && r != '.' {
			break
		}
		start -= size
	}
	return strings.Trim(code[start:end], ".")
}

// openParen returns the index of the parenthesis that opens the one closing s, or -1.
func openParen(s string) int {
	for i := len(s) - 2; i >= 0; i-- {
		if s[i] == '(' && matchParen(s, i) == len(s)-1 {
			return i
		}
	}
	return -1
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// byteOffset converts a position in code points to a byte offset.
func byteOffset(code string, pos int) int {
	if pos < 0 {
		return 0
	}
	i := 0
	for off := range code {
		if i == pos {
			return off
		}
		i++
	}
	return len(code)
}

// Inspect shows the signature and documentation of the name under the cursor.
func (s *Session) Inspect(code string, cursorPos, detailLevel int) kernel.InspectReply {
	off := byteOffset(code, cursorPos)
	end := off
	for end < len(code) {
		r, size := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += size
	}
	expr := exprBefore(code, end)
	notFound := kernel.InspectReply{Found: false, Data: kernel.MIMEBundle{}, Metadata: map[string]any{}}
	if expr == "" {
		return notFound
	}
	text := s.describe(expr, detailLevel)
	if text == "" {
		return notFound
	}
	return kernel.InspectReply{Found: true, Data: kernel.MIMEBundle{"text/plain": text}, Metadata: map[string]any{}}
}

// describe documents expr: pkg, pkg.Name, a name a cell defined, or a value.
func (s *Session) describe(expr string, detail int) string {
	head, rest, hasDot := strings.Cut(expr, ".")
	if !s.isDefined(head) {
		if path, ok := s.pathOf(head); ok {
			if !hasDot {
				return s.packageDoc(path, "", detail)
			}
			if !strings.ContainsAny(rest, ".(") {
				if text := s.packageDoc(path, rest, detail); text != "" {
					return text
				}
			}
		}
	}
	s.mu.Lock()
	src, ok := s.docs[expr]
	s.mu.Unlock()
	if ok {
		return src
	}
	if hasDot {
		if text := s.methodDoc(expr); text != "" {
			return text
		}
	}
	if v, ok := s.evalQuiet(expr); ok {
		if v.Kind() == reflect.Func {
			return expr + " " + v.Type().String()
		}
		return expr + " " + v.Type().String() + "\n\n" + formatValue(v.Interface())
	}
	return ""
}

// methodDoc documents x.M: a method cells declared on x's type, or a method of a
// standard library type.
func (s *Session) methodDoc(expr string) string {
	i := strings.LastIndex(expr, ".")
	recv, member := expr[:i], expr[i+1:]
	s.mu.Lock()
	text := s.docs[s.varTypes[recv]+"."+member]
	s.mu.Unlock()
	if text != "" {
		return text
	}
	t, ok := s.typeOf(recv)
	if !ok {
		return ""
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == "" {
		return ""
	}
	d := s.docFor(t.PkgPath())
	if d == nil {
		return ""
	}
	for _, dt := range d.pkg.Types {
		if dt.Name != t.Name() {
			continue
		}
		for _, m := range dt.Methods {
			if m.Name == member {
				fd := *m.Decl
				fd.Body, fd.Doc = nil, nil
				var b bytes.Buffer
				printer.Fprint(&b, d.fset, &fd)
				return b.String() + "\n\n" + m.Doc
			}
		}
	}
	return ""
}

// packageDoc documents a package or one of its names from GOROOT's sources (for the
// standard library), else from the symbol's Go type.
func (s *Session) packageDoc(path, name string, detail int) string {
	if d := s.docFor(path); d != nil {
		if text := docOf(d, path, name, detail); text != "" {
			return text
		}
	}
	if name == "" {
		return "package " + filepath.Base(path) + " // import \"" + path + "\""
	}
	v, ok := s.packages().symbols[path][name]
	if !ok {
		return ""
	}
	return path + "." + name + " " + v.Type().String()
}

// docCache holds parsed standard library packages.
var docCache sync.Map // import path -> *docPkg

type docPkg struct {
	once sync.Once
	pkg  *doc.Package
	fset *token.FileSet
}

// docFor returns the parsed documentation of path: from Options.DocSources, else from
// GOROOT for the standard library.
func (s *Session) docFor(path string) *docPkg {
	if src, ok := s.opts.DocSources[path]; ok {
		v, _ := s.docCache.LoadOrStore(path, &docPkg{})
		d := v.(*docPkg)
		d.once.Do(func() { d.load(src, path, ".txt") })
		if d.pkg == nil {
			return nil
		}
		return d
	}
	return stdDoc(path)
}

func stdDoc(path string) *docPkg {
	v, _ := docCache.LoadOrStore(path, &docPkg{})
	d := v.(*docPkg)
	d.once.Do(func() {
		root := goroot()
		if root == "" {
			return
		}
		d.load(os.DirFS(filepath.Join(root, "src", filepath.FromSlash(path))), path, ".go")
	})
	if d.pkg == nil {
		return nil
	}
	return d
}

// load parses the files of src ending in ext (test files excepted) as package path.
func (d *docPkg) load(src fs.FS, path, ext string) {
	entries, err := fs.ReadDir(src, ".")
	if err != nil {
		return
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ext) || strings.HasSuffix(n, "_test.go") {
			continue
		}
		text, err := fs.ReadFile(src, n)
		if err != nil {
			continue
		}
		// go/doc takes only names ending in .go.
		f, err := parser.ParseFile(fset, strings.TrimSuffix(n, ext)+".go", text, parser.ParseComments)
		if err != nil || f.Name.Name == "main" || f.Name.Name == "documentation" {
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return
	}
	p, err := doc.NewFromFiles(fset, files, path)
	if err != nil {
		return
	}
	d.pkg, d.fset = p, fset
}

var gorootOnce = sync.OnceValue(func() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return runtime.GOROOT() //nolint:staticcheck // the last resort when no go command is found
})

func goroot() string { return gorootOnce() }

// stdlibSymbols are the standard library's symbol tables as cells see them.
func stdlibSymbols() yaegi.Exports {
	e := yaegi.Exports{}
	for k, v := range stdlib.Symbols {
		e[k] = v
	}
	e["os/exec/exec"] = unrestricted.Symbols["os/exec/exec"]
	return e
}

// docOf renders the declaration and doc comment of name (the package itself when
// name is ""). Detail level 1 adds the full declaration of types.
func docOf(d *docPkg, path, name string, detail int) string {
	p := d.pkg
	if name == "" {
		return "package " + p.Name + " // import \"" + path + "\"\n\n" + p.Doc
	}
	decl := func(n ast.Node, docText string) string {
		var b bytes.Buffer
		printer.Fprint(&b, d.fset, n)
		return b.String() + "\n\n" + docText
	}
	funcDecl := func(f *doc.Func) string {
		fd := *f.Decl
		fd.Body, fd.Doc = nil, nil
		return decl(&fd, f.Doc)
	}
	for _, f := range p.Funcs {
		if f.Name == name {
			return funcDecl(f)
		}
	}
	for _, t := range p.Types {
		if t.Name == name {
			gd := *t.Decl
			gd.Doc = nil
			text := decl(&gd, t.Doc)
			if detail > 0 {
				for _, m := range t.Methods {
					text += "\n" + strings.SplitN(funcDecl(m), "\n", 2)[0]
				}
			}
			return text
		}
		for _, f := range t.Funcs {
			if f.Name == name {
				return funcDecl(f)
			}
		}
		for _, v := range append(append([]*doc.Value{}, t.Consts...), t.Vars...) {
			if containsName(v.Names, name) {
				return valueDecl(d, v)
			}
		}
	}
	for _, v := range append(append([]*doc.Value{}, p.Consts...), p.Vars...) {
		if containsName(v.Names, name) {
			return valueDecl(d, v)
		}
	}
	return ""
}

func valueDecl(d *docPkg, v *doc.Value) string {
	gd := *v.Decl
	gd.Doc = nil
	var b bytes.Buffer
	printer.Fprint(&b, d.fset, &gd)
	return b.String() + "\n\n" + v.Doc
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
