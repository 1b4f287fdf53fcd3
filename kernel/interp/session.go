// Package interp runs Go notebook cells with the yaegi interpreter: it is the
// kernel.Handler of Runnel. A Session holds one interpreter for the life of the kernel
// process; definitions of every cell persist and may be redefined by later cells.
//
// A cell may mix imports, declarations and statements. It is cut into its top-level
// items, evaluated as a Go file would be (imports, then declarations, then statements),
// with positions kept so that errors name the cell's line and column. Before
// evaluation, the cell's go statements become calls that run the goroutine under a
// recover and bind its output to the cell, and its final expression becomes a call
// that records the values to show.
//
// Hooks for the layers above (display, engine): Options.Render turns a final value
// into a MIME bundle, Options.Symbols adds symbol tables, Session.Publisher and
// Session.CellWriter give compiled code the calling cell's output, Session.RunFor runs
// a callback for a cell (Session.RunCallback too, and stops it when its context ends),
// Session.InterruptChan lets a blocking call end on interrupt.
//
// Some Go the interpreter gets wrong is rewritten first (cellfix.go): a compound
// statement at the top level runs in a function literal (yaegi mishandles nested
// blocks in package scope: `x, err := f()` in a top-level loop), loop variables are
// per iteration as in Go 1.22, a range over an integer becomes a three-clause loop,
// f(g()) with a generic f and a multi-value g gets temporaries, type parameters get
// names that cannot hide an import, and a var declaration using an earlier cell's
// variable runs as a statement. min, max and clear, and the sorting functions of
// slices, which yaegi lacks, are declared by the session (builtins.go).
//
// A query's callback (ForeachBatch) of a finished cell is stopped without yaegi: every
// loop of a cell polls a per-goroutine stop request, which q.Stop and an interrupt
// while no cell runs make (callback.go).
//
// Limits inherited from yaegi: an interrupt of a running cell stops every interpreted
// goroutine, not only the cell's (yaegi cancels by a global run id); a call blocked in compiled code
// other than time.Sleep is abandoned, and stopped at its next top-level statement if
// it ever returns; `x := GenericFunc(...)` at the top level of a cell is refused when
// the result's type is a type parameter (assign to a declared variable instead), and
// inference of more than one type parameter from a function argument may fail
// (instantiate explicitly); return and defer at the top level of a cell are refused;
// range over a function (Go 1.23 iterators) is not supported.
package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"log"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/magics"
	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"
)

// Version is the kernel's implementation version.
const Version = "0.1.0"

// DefaultFlushInterval is how long output of a running cell may wait before it is sent.
const DefaultFlushInterval = 50 * time.Millisecond

// Options configure a Session.
type Options struct {
	// Symbols are extra symbol tables (as `yaegi extract` generates) that cells may
	// import, such as the engine's packages.
	Symbols []yaegi.Exports
	// Render turns the value of a cell's final expression into a MIME bundle; ok false
	// falls back to text/plain. Nil means text/plain only.
	Render func(v reflect.Value) (bundle kernel.MIMEBundle, ok bool)
	// Magics runs magic lines and cell magics (magics.Set satisfies it). Nil makes a
	// magic an error.
	Magics Magics
	// DocSources maps import paths of Symbols to Go sources of their exported
	// declarations and doc comments (function bodies may be absent), which inspect
	// shows as it shows the standard library's documentation from GOROOT.
	DocSources map[string]fs.FS
	// FlushInterval bounds how long output waits before it is sent; 0 means
	// DefaultFlushInterval.
	FlushInterval time.Duration
}

// Magics is what a Session needs from the magics package.
type Magics interface {
	// RunLine runs one magic line ("%cd /tmp", "!ls"), or a whole cell magic
	// ("%%bash\n...").
	RunLine(ctx context.Context, line string, env magics.Env) error
	// Names lists the magics ("%cd", "%%bash") for completion.
	Names() []string
	// Close stops every background job the magics started.
	Close() error
}

// Session is one interpreter session; it implements kernel.Handler.
type Session struct {
	opts   Options
	in     *yaegi.Interpreter
	router *router

	// execMu is held while the interpreter compiles or runs; completion, which may
	// evaluate an expression's type, only tries to take it.
	execMu sync.Mutex

	holdMu sync.Mutex
	held   chan struct{} // released when a stop of the interpreter is done, see stopInterpreter

	stops stopper // goroutines asked to stop, see callback.go

	mu      sync.Mutex        // guards the fields below
	gen     int               // generation of the file scope, see importScope
	imports map[string]string // import name -> path, in the current file scope
	types   map[string]int    // type name -> times it was defined
	defs    map[string]defKind
	// For completion and inspection: the type name a variable was made of, the
	// methods cells declared per type, and the declarations of cell-defined names.
	varTypes map[string]string
	methods  map[string][]string
	docs     map[string]string
	generics map[string]int // generic function name -> its number of parameters
	closed   bool
	stop     chan struct{} // closed by Shutdown: ends the stack watchdog

	pkgs     packages
	docCache sync.Map // import path -> *docPkg, of Options.DocSources
	cellIDs  atomic.Int64
}

var _ kernel.Handler = (*Session)(nil)

// defKind is what a name defined by a cell is, for completion.
type defKind string

// New starts a session.
func New(opts Options) (*Session, error) {
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	s := &Session{
		opts:    opts,
		router:  newRouter(opts.FlushInterval),
		imports: map[string]string{},
		types:   map[string]int{},
		defs:    map[string]defKind{},

		varTypes: map[string]string{},
		methods:  map[string][]string{},
		docs:     map[string]string{},
		generics: map[string]int{},
	}
	out := streamWriter{r: s.router, name: "stdout"}
	errw := streamWriter{r: s.router, name: "stderr"}
	s.in = yaegi.New(yaegi.Options{
		Stdin:        stdinReader{r: s.router},
		Stdout:       out,
		Stderr:       panicLog{r: s.router},
		Unrestricted: true, // the real environment: this is the user's own machine
	})
	if err := s.in.Use(stdlib.Symbols); err != nil {
		return nil, fmt.Errorf("loading the standard library symbols: %w", err)
	}
	var stdin io.Reader = stdinReader{r: s.router}
	var stdout, stderr io.Writer = out, errw
	logger := log.New(errw, "", log.LstdFlags)
	overrides := yaegi.Exports{
		"os/exec/exec": unrestricted.Symbols["os/exec/exec"],
		"os/os": {
			"Stdin":  reflect.ValueOf(&stdin).Elem(),
			"Stdout": reflect.ValueOf(&stdout).Elem(),
			"Stderr": reflect.ValueOf(&stderr).Elem(),
		},
		// log writes to the cell's stderr; Fatal panics rather than exit the kernel.
		"log/log": {
			"Fatal": reflect.ValueOf(logger.Panic), "Fatalf": reflect.ValueOf(logger.Panicf),
			"Fatalln": reflect.ValueOf(logger.Panicln), "Panic": reflect.ValueOf(logger.Panic),
			"Panicf": reflect.ValueOf(logger.Panicf), "Panicln": reflect.ValueOf(logger.Panicln),
			"Print": reflect.ValueOf(logger.Print), "Printf": reflect.ValueOf(logger.Printf),
			"Println": reflect.ValueOf(logger.Println), "Flags": reflect.ValueOf(logger.Flags),
			"SetFlags": reflect.ValueOf(logger.SetFlags), "Prefix": reflect.ValueOf(logger.Prefix),
			"SetPrefix": reflect.ValueOf(logger.SetPrefix), "Writer": reflect.ValueOf(logger.Writer),
			"SetOutput": reflect.ValueOf(logger.SetOutput), "Output": reflect.ValueOf(logger.Output),
			"Default": reflect.ValueOf(func() *log.Logger { return logger }),
		},
	}
	for _, e := range []yaegi.Exports{overrides, s.runtimeSymbols()} {
		if err := s.in.Use(e); err != nil {
			return nil, fmt.Errorf("loading the kernel's symbols: %w", err)
		}
	}
	for _, e := range opts.Symbols {
		if err := s.in.Use(e); err != nil {
			return nil, fmt.Errorf("loading symbols: %w", err)
		}
	}
	s.imports[rtName] = rtPath
	if err := s.importScope(); err != nil {
		return nil, err
	}
	if err := s.declareBuiltins(); err != nil {
		return nil, err
	}
	s.stop = make(chan struct{})
	go s.watchStacks(s.stop)
	return s, nil
}

// KernelInfo describes the kernel and Go.
func (s *Session) KernelInfo() kernel.KernelInfo {
	return kernel.KernelInfo{
		Implementation:        "runnel",
		ImplementationVersion: Version,
		Banner:                "Runnel " + Version + ": Go (yaegi) with a streaming engine",
		LanguageInfo: kernel.LanguageInfo{
			Name:           "go",
			Version:        strings.TrimPrefix(runtime.Version(), "go"),
			MIMEType:       "text/x-go",
			FileExtension:  ".go",
			CodeMirrorMode: "go",
			PygmentsLexer:  "go",
		},
		HelpLinks: []kernel.HelpLink{
			{Text: "Go", URL: "https://go.dev/doc/"},
			{Text: "Go standard library", URL: "https://pkg.go.dev/std"},
			{Text: "yaegi", URL: "https://github.com/traefik/yaegi"},
		},
	}
}

// Publisher returns the Publisher of the cell the calling goroutine works for: the
// running cell, the cell whose go statement started the goroutine, or else the last
// cell; nil before the first cell. The display layer calls it from compiled code that
// a cell called.
func (s *Session) Publisher() kernel.Publisher {
	c, _ := s.router.cellFor()
	if c == nil {
		return nil
	}
	return cellPublisher{c}
}

// Stdout and Stderr are the cell-routed streams (as os.Stdout and os.Stderr are for
// interpreted code), for compiled code that prints on behalf of a cell.
func (s *Session) Stdout() io.Writer { return streamWriter{r: s.router, name: "stdout"} }

// Stderr: see Stdout.
func (s *Session) Stderr() io.Writer { return streamWriter{r: s.router, name: "stderr"} }

// CellWriter returns a writer bound for good to the stream ("stdout" or "stderr") of
// the cell the calling goroutine works for, wherever it is written from later: what a
// query started by a cell prints keeps landing in that cell (engine.SetOutput's
// function). Before the first cell it is the kernel's own os.Stdout or os.Stderr.
func (s *Session) CellWriter(stream string) io.Writer {
	c, _ := s.router.cellFor()
	if c == nil {
		if stream == "stderr" {
			return os.Stderr
		}
		return os.Stdout
	}
	return cellWriter{c: c, name: stream}
}

// RunFor runs call with the calling goroutine working for the cell of w, a CellWriter:
// what interpreted code prints during call, and the publisher it asks for, go to that
// cell (engine.SetCallbackHook's hook: a ForeachBatch function runs on a query's
// goroutine). With any other writer it just runs call.
func (s *Session) RunFor(w io.Writer, call func()) {
	cw, ok := w.(cellWriter)
	if !ok {
		call()
		return
	}
	id := goid()
	s.router.mu.Lock()
	prev, had := s.router.routines[id]
	s.router.routines[id] = &routine{cell: cw.c}
	s.router.mu.Unlock()
	defer func() {
		s.router.mu.Lock()
		if had {
			s.router.routines[id] = prev
		} else {
			delete(s.router.routines, id)
		}
		s.router.mu.Unlock()
	}()
	call()
}

// InterruptChan returns a channel closed by the next interrupt: compiled code that
// blocks on behalf of a cell (waiting for a query, say) selects on it to end early.
func (s *Session) InterruptChan() <-chan struct{} { return s.router.interruptChan() }

// Shutdown flushes pending output and stops the magics' background jobs.
func (s *Session) Shutdown(restart bool) {
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if closed {
		return
	}
	close(s.stop)
	s.router.interrupt() // wake sleeping goroutines of cells
	s.router.mu.Lock()
	last := s.router.last
	s.router.mu.Unlock()
	if last != nil {
		last.out.flush(true)
	}
	if s.opts.Magics != nil {
		if err := s.opts.Magics.Close(); err != nil {
			log.Printf("closing magics: %v", err)
		}
	}
}

// Execute runs one cell.
func (s *Session) Execute(ctx context.Context, req kernel.ExecuteRequest, pub kernel.Publisher) kernel.ExecuteResult {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &cell{id: s.cellIDs.Add(1), count: req.ExecutionCount, pub: pub, ctx: ctx, cancel: cancel, out: newStreams(pub, s.opts.FlushInterval)}
	s.router.begin(c)
	res := s.runCell(ctx, c, req.Code)
	c.out.flush(true)
	s.router.end()
	return res
}

// runCell routes a cell to the magics or the interpreter.
func (s *Session) runCell(ctx context.Context, c *cell, code string) kernel.ExecuteResult {
	if expr, detail, ok := helpRequest(code); ok {
		return s.page(expr, detail)
	}
	if !magics.HasMagic(code) {
		return s.eval(ctx, c, code)
	}
	chunks := magics.Split(code)
	env := magics.Env{
		Stdout: cellWriter{c: c, name: "stdout"},
		Stderr: cellWriter{c: c, name: "stderr"},
		RunCode: func(ctx context.Context, code string) error {
			if r := s.eval(ctx, c, code); r.Status != "ok" {
				return &cellError{r}
			}
			return nil
		},
	}
	var res kernel.ExecuteResult
	for _, ch := range chunks {
		if !ch.Magic {
			res = s.eval(ctx, c, ch.Padded())
			if res.Status != "ok" {
				return res
			}
			continue
		}
		res = kernel.ExecuteResult{Status: "ok"}
		if s.opts.Magics == nil {
			return errorResult("MagicError", "magics are not available in this kernel", nil)
		}
		if err := s.opts.Magics.RunLine(ctx, ch.Text, env); err != nil {
			var ce *cellError
			switch {
			case errors.As(err, &ce):
				return ce.res
			case ctx.Err() != nil:
				return interruptedResult()
			default:
				return errorResult("MagicError", err.Error(), nil)
			}
		}
	}
	return res
}

// cellError carries a failed Go chunk's result through a magic (%%time).
type cellError struct{ res kernel.ExecuteResult }

func (e *cellError) Error() string { return e.res.Ename + ": " + e.res.Evalue }

// fileName is the name the interpreter files of the current scope get: the interpreter
// keys imports by file name, so a new name is a fresh import scope.
func (s *Session) fileName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return genFileName(s.gen)
}

func genFileName(gen int) string {
	if gen <= 1 {
		return "cell.go"
	}
	return "cell" + strconv.Itoa(gen) + ".go"
}

// lineDirective makes positions of the text that follows read "In[3]/cell.go:L:C". The
// interpreter resolves imports by the base name of a position's file, so the cell's
// name can only be a directory; cleanPos removes the file part from messages.
func (s *Session) lineDirective(name string) string {
	return "//line " + name + "/" + s.fileName() + ":1:1\n"
}

var cellFileRE = regexp.MustCompile(`(In\[\d+\])/cell\d*\.go:`)

// cleanPos turns "In[3]/cell.go:2:5" into "In[3]:2:5" in a message.
func cleanPos(msg string) string { return cellFileRE.ReplaceAllString(msg, "$1:") }

// importScope imports every package of s.imports in a fresh file scope. It is how a
// cell may import a different package under a name already taken: the interpreter
// refuses to redeclare an import in the same file.
func (s *Session) importScope() error {
	s.mu.Lock()
	s.gen++
	names := make([]string, 0, len(s.imports))
	for n := range s.imports {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("package main\nimport (\n")
	for i, n := range names {
		// The parser needs identifiers; the real names are set on the tree below.
		fmt.Fprintf(&b, "_%d %q\n", i, s.imports[n])
	}
	b.WriteString(")\n")
	file := genFileName(s.gen)
	s.mu.Unlock()
	f, err := parser.ParseFile(s.in.FileSet(), file, b.String(), 0)
	if err != nil {
		return fmt.Errorf("importing: %w", err)
	}
	for i, spec := range f.Imports {
		spec.Name.Name = names[i]
	}
	if _, err := s.compileRun(context.Background(), f); err != nil {
		return fmt.Errorf("importing %v: %w", names, err)
	}
	return nil
}

func (s *Session) compileRun(ctx context.Context, n ast.Node) (reflect.Value, error) {
	prog, err := s.compile(n)
	if err != nil {
		return reflect.Value{}, err
	}
	return s.in.ExecuteWithContext(ctx, prog)
}

// compile compiles a tree; a panic of the interpreter's compiler is an error too.
func (s *Session) compile(n ast.Node) (prog *yaegi.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			pos := s.in.FileSet().Position(n.Pos())
			prog, err = nil, fmt.Errorf("%s: the interpreter failed to compile this code: %v", pos.Filename, r)
		}
	}()
	return s.in.CompileAST(n)
}

// cellName is how errors name a cell: In[3], as the frontend labels it.
func cellName(count int) string { return "In[" + strconv.Itoa(count) + "]" }

// eval runs Go source as one cell.
func (s *Session) eval(ctx context.Context, c *cell, code string) kernel.ExecuteResult {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	c.mu.Lock()
	c.panics, c.result, c.hasValue, c.at, c.mainG = nil, nil, false, -1, 0
	c.mu.Unlock()

	src := []byte(code)
	name := cellName(c.count)
	isGlobalVar := func(n string) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.defs[n] == "var"
	}
	items := moveGlobalVarDecls(src, splitCell(src), isGlobalVar)

	// Imports.
	if text, ok := mask(src, items, partImport); ok {
		if res, ok := s.evalImports(ctx, name, s.lineDirective(name)+string(text), code); !ok {
			return res
		}
	}
	// Declarations.
	if text, ok := mask(src, items, partDecl); ok {
		var post []ast.Stmt // run after the declarations
		parse := func(force bool) (*ast.File, []string, bool, error) {
			f, err := parser.ParseFile(s.in.FileSet(), s.fileName(), "package main\n"+s.lineDirective(name)+string(text), parser.SkipObjectResolution|parser.ParseComments)
			if err != nil {
				return nil, nil, false, err
			}
			names, isConst := s.minMaxNames(f)
			post = rewriteMinMax(f, nil, names, isConst)
			post = append(post, splitTypedGlobalVars(f, isGlobalVar)...)
			renameTypeParams(f)
			hoistMultiValueArgs(f, s.genericArities(f), "v·"+strconv.FormatInt(c.id, 10)+"·")
			unsure := rangeInts(f, newTypeFacts(f, s.globalKind), force)
			perIterationVars(f)
			insertPolls(f)
			rewriteGoStmts(f)
			rename := map[string]string{}
			s.mu.Lock()
			for _, t := range definedTypes(f) {
				if k := s.types[t]; k > 0 {
					rename[t] = t + "·" + strconv.Itoa(k+1)
				}
			}
			s.mu.Unlock()
			declared := definedTypes(f)
			renameTypes(f, rename)
			return f, declared, unsure, nil
		}
		f, declared, unsure, err := parse(false)
		if err != nil {
			return compileError(err, name, code)
		}
		hasMain := renameMain(f.Decls...)
		prog, err := s.compile(f)
		if err != nil && unsure {
			// A range over a name whose type the text does not tell: try it as an integer.
			if f2, declared2, _, err2 := parse(true); err2 == nil {
				renameMain(f2.Decls...)
				if prog2, err2 := s.compile(f2); err2 == nil {
					f, declared, prog, err = f2, declared2, prog2, nil
				}
			}
		}
		if err != nil {
			return compileError(s.hintStmtError(err, f), name, code)
		}
		c.forgetPanics()
		if _, err := s.in.ExecuteWithContext(ctx, prog); err != nil {
			return s.runError(ctx, c, s.hintStmtError(err, f), name, code)
		}
		if len(post) > 0 {
			if _, err := s.compileRun(ctx, &ast.BlockStmt{Lbrace: post[0].Pos(), List: post, Rbrace: post[0].Pos()}); err != nil {
				return s.runError(ctx, c, err, name, code)
			}
		}
		s.recordDecls(f, declared)
		if hasMain {
			// A pasted program: its main runs once, after its declarations.
			mf, err := parser.ParseFile(s.in.FileSet(), s.fileName(), "package main; func main() { main() }", 0)
			if err == nil {
				body := mf.Decls[0].(*ast.FuncDecl).Body
				renameMain(body)
				if _, err := s.compileRun(ctx, body); err != nil {
					return s.runError(ctx, c, err, name, code)
				}
			}
		}
	}
	// Statements.
	text, ok := mask(src, items, partStmt)
	if !ok {
		return kernel.ExecuteResult{Status: "ok"}
	}
	body, final, unsure, err := s.prepStmts(c, name, string(text), false)
	if err != nil {
		return compileError(err, name, code)
	}
	prog, err := s.compileStmts(body, &final)
	if err != nil && unsure {
		// A range over a name whose type the text does not tell: try it as an integer.
		if body2, final2, _, err2 := s.prepStmts(c, name, string(text), true); err2 == nil {
			if prog2, err2 := s.compileStmts(body2, &final2); err2 == nil {
				body, final, prog, err = body2, final2, prog2, nil
			}
		}
	}
	if err != nil {
		return compileError(s.hintStmtError(err, body), name, code)
	}
	s.recordStmts(body)
	// An interrupt is yaegi's own cancellation, and `go test -race` reports it: when the
	// cancelled program ends later, ExecuteWithContext's goroutine writes the results
	// its return already wrote, and the abandoned frames read interpreter state that
	// the next compilation writes. Neither is in our reach (stopInterpreter avoids the
	// first where we choose the program); the cell's goroutine is waited for (runError)
	// to keep the window short.
	c.forgetPanics()
	if _, err := s.in.ExecuteWithContext(ctx, prog); err != nil {
		return s.runError(ctx, c, err, name, code)
	}
	if final == nil {
		return kernel.ExecuteResult{Status: "ok"}
	}
	c.mu.Lock()
	vs, has := c.result, c.hasValue
	c.mu.Unlock()
	if !has {
		return kernel.ExecuteResult{Status: "ok"}
	}
	return s.show(vs, final.callee)
}

// prepStmts parses a cell's statements as the body of a function and rewrites them
// for the interpreter; force makes a range over an operand of unknown type a range
// over an integer (see rangeInts).
func (s *Session) prepStmts(c *cell, name, text string, force bool) (*ast.BlockStmt, *finalExpr, bool, error) {
	f, err := parser.ParseFile(s.in.FileSet(), s.fileName(), "package main; func main() {\n"+s.lineDirective(name)+text+"\n}", parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, false, err
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	if n := topLevelRefusal(body); n != nil {
		what := "defer at the top level of a cell never runs: put it in a function"
		if _, ok := n.(*ast.ReturnStmt); ok {
			what = "return at the top level of a cell is not supported: put the code in a function, or use if/else"
		}
		return nil, nil, false, fmt.Errorf("%s: %s", cleanPos(s.in.FileSet().Position(n.Pos()).String()), what)
	}
	names, isConst := s.minMaxNames(body)
	rewriteMinMax(body, body, names, isConst)
	hoistMultiValueArgs(body, s.genericArities(nil), "v·"+strconv.FormatInt(c.id, 10)+"·")
	unsure := rangeInts(body, newTypeFacts(body, s.globalKind), force)
	perIterationVars(body)
	insertPolls(body)
	wrapCompound(body)
	rewriteGoStmts(body)
	renameMain(body)
	final := wrapFinal(body)
	c.stmtPos = markStatements(body, c.id, func(p token.Pos) string {
		return cleanPos(s.in.FileSet().Position(p).String())
	})
	return body, final, unsure, nil
}

// minMaxNames tells which of min and max are the session's own (see builtins.go) in
// root, and which names are constants there or in earlier cells.
func (s *Session) minMaxNames(root ast.Node) (map[string]bool, func(string) bool) {
	consts := map[string]bool{}
	ast.Inspect(root, func(n ast.Node) bool {
		if gd, ok := n.(*ast.GenDecl); ok && gd.Tok == token.CONST {
			for _, sp := range gd.Specs {
				for _, id := range sp.(*ast.ValueSpec).Names {
					consts[id.Name] = true
				}
			}
		}
		return true
	})
	names := map[string]bool{}
	s.mu.Lock()
	for _, n := range []string{"min", "max"} {
		if _, defined := s.defs[n]; !defined && !declares(root, n) {
			names[n] = true
		}
	}
	for n, k := range s.defs {
		if k == "const" {
			consts[n] = true
		}
	}
	s.mu.Unlock()
	return names, func(n string) bool { return consts[n] }
}

// compileStmts compiles a cell's statements; when that fails and the last one was
// wrapped to record its value, it tries again without: the final expression may have
// no value (a call of a func without results). *final is then nil.
func (s *Session) compileStmts(body *ast.BlockStmt, final **finalExpr) (*yaegi.Program, error) {
	prog, err := s.compile(body)
	if err != nil && *final != nil {
		(*final).unwrap()
		*final = nil
		prog, err = s.compile(body)
	}
	return prog, err
}

// genericArities maps the generic functions of earlier cells, and of f when not nil,
// to their numbers of parameters (-1: variadic).
func (s *Session) genericArities(f *ast.File) map[string]int {
	s.mu.Lock()
	m := make(map[string]int, len(s.generics))
	for k, v := range s.generics {
		m[k] = v
	}
	s.mu.Unlock()
	if f != nil {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				if n := genericArity(fd); n != 0 {
					m[fd.Name.Name] = n
				} else {
					delete(m, fd.Name.Name)
				}
			}
		}
	}
	return m
}

// forgetPanics drops the trace lines of a probe's panic (globalKind evaluating a
// field of a nil pointer) before the cell's code runs.
func (c *cell) forgetPanics() {
	c.mu.Lock()
	c.panics = nil
	c.mu.Unlock()
}

// globalKind tells whether a variable of earlier cells, or a field of one (a.b.c),
// holds an integer, by evaluating it; execMu is held.
func (s *Session) globalKind(expr string) intness {
	root, _, _ := strings.Cut(expr, ".")
	s.mu.Lock()
	kind := s.defs[root]
	s.mu.Unlock()
	if kind != "var" {
		return unknownKind
	}
	f, err := parser.ParseFile(s.in.FileSet(), s.fileName(), "package main; func main() {\n"+expr+"\n}", parser.SkipObjectResolution)
	if err != nil {
		return unknownKind
	}
	prog, err := s.compile(f.Decls[0].(*ast.FuncDecl).Body)
	if err != nil {
		return unknownKind
	}
	v, err := s.in.Execute(prog)
	if err != nil || !v.IsValid() {
		return unknownKind
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint,
		reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return intKind
	}
	return otherKind
}

// hintStmtError explains two failures of the interpreter that name no position: on
// `x := GenericFunc(...)` at the top level of a cell, which it cannot type ("nil
// reflect type"), and on a range over something it cannot range over ("nil type"),
// such as an integer the kernel could not tell was one.
func (s *Session) hintStmtError(err error, root ast.Node) error {
	if root == nil || reflect.ValueOf(root).IsNil() {
		return err
	}
	if strings.HasSuffix(err.Error(), ": variable definition loop") {
		return fmt.Errorf("%w (if the value uses a variable of an earlier cell, the interpreter cannot declare it here: give it a type, var x T = ..., or declare it in a cell of its own)", err)
	}
	if strings.HasSuffix(err.Error(), ": nil type") {
		// The interpreter names no position: show the first range with one variable.
		var r *ast.RangeStmt
		ast.Inspect(root, func(n ast.Node) bool {
			if rs, ok := n.(*ast.RangeStmt); ok && rs.Value == nil && r == nil {
				r = rs
			}
			return r == nil
		})
		if r != nil {
			return fmt.Errorf("%s: cannot range over this: the interpreter ranges over slices, arrays, strings, maps and channels, not functions; and over an integer where the kernel can tell it is one (else write for i := 0; i < n; i++)",
				cleanPos(s.in.FileSet().Position(r.X.Pos()).String()))
		}
		return err
	}
	body, ok := root.(*ast.BlockStmt)
	if !ok || !strings.Contains(err.Error(), "nil reflect type") {
		return err
	}
	generics := s.genericArities(nil)
	for _, st := range body.List {
		as, ok := st.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Rhs) != 1 || len(as.Lhs) != 1 {
			continue
		}
		call, ok := as.Rhs[0].(*ast.CallExpr)
		if !ok {
			continue
		}
		fn := ""
		switch f := call.Fun.(type) {
		case *ast.Ident:
			if _, generic := generics[f.Name]; generic {
				fn = f.Name
			}
		case *ast.SelectorExpr: // a generic function of an (interpreted) package: slices.Max
			s.mu.Lock()
			_, pkg := s.imports[identName(typeIdent(f.X))]
			s.mu.Unlock()
			if pkg {
				fn = identName(typeIdent(f.X)) + "." + f.Sel.Name
			}
		}
		if fn != "" {
			x := identName(as.Lhs[0].(*ast.Ident))
			return fmt.Errorf("%s: %s := %s(...) at the top level of a cell is not supported by the interpreter when %s is generic: declare the variable first (var %s T) and assign it (%s = %s(...)), or do it inside a function",
				cleanPos(s.in.FileSet().Position(as.Pos()).String()), x, fn, fn, x, x, fn)
		}
	}
	return err
}

// evalImports imports a cell's packages, skipping those already imported under the
// same name and opening a fresh file scope when a name now means another package.
func (s *Session) evalImports(ctx context.Context, name, text, code string) (kernel.ExecuteResult, bool) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package main\n"+text, parser.ImportsOnly)
	if err != nil {
		return compileError(err, name, code), false
	}
	s.mu.Lock()
	var fresh []*ast.ImportSpec
	conflict := false
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		n := importName(spec, path)
		if old, ok := s.imports[n]; ok && n != "_" {
			if old == path {
				continue
			}
			conflict = true
		}
		fresh = append(fresh, spec)
	}
	s.mu.Unlock()
	if len(fresh) == 0 {
		return kernel.ExecuteResult{}, true
	}
	if !conflict {
		file := s.fileName()
		f, err := parser.ParseFile(s.in.FileSet(), file, "package main\n"+text, parser.ImportsOnly)
		if err != nil {
			return compileError(err, name, code), false
		}
		keep := map[string]bool{}
		for _, spec := range fresh {
			keep[spec.Path.Value+"|"+identName(spec.Name)] = true
		}
		for _, d := range f.Decls {
			gd := d.(*ast.GenDecl)
			specs := gd.Specs[:0]
			for _, sp := range gd.Specs {
				is := sp.(*ast.ImportSpec)
				if keep[is.Path.Value+"|"+identName(is.Name)] {
					specs = append(specs, is)
				}
			}
			gd.Specs = specs
		}
		if _, err := s.compileRun(ctx, f); err != nil {
			return compileError(err, name, code), false
		}
	}
	s.mu.Lock()
	for _, spec := range fresh {
		path, _ := strconv.Unquote(spec.Path.Value)
		if n := importName(spec, path); n != "_" {
			s.imports[n] = path
		}
	}
	s.mu.Unlock()
	if conflict {
		if err := s.importScope(); err != nil {
			return errorResult("ImportError", err.Error(), nil), false
		}
	}
	return kernel.ExecuteResult{}, true
}

func identName(id *ast.Ident) string {
	if id == nil {
		return ""
	}
	return id.Name
}

// importName is the name an import declares: its alias, or the package's name (the
// last path element, skipping a major version suffix such as /v2).
func importName(spec *ast.ImportSpec, path string) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	elems := strings.Split(path, "/")
	n := elems[len(elems)-1]
	if len(elems) > 1 && len(n) > 1 && n[0] == 'v' && strings.Trim(n[1:], "0123456789") == "" {
		n = elems[len(elems)-2]
	}
	return n
}

// recordDecls remembers what a cell's declarations defined, for completion and for
// renaming redefined types.
func (s *Session) recordDecls(f *ast.File, types []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range types {
		s.types[t]++
	}
	// Types first: a redefined type loses the methods of its former self.
	decls := append([]ast.Decl(nil), f.Decls...)
	sort.SliceStable(decls, func(i, j int) bool {
		_, fi := decls[i].(*ast.FuncDecl)
		_, fj := decls[j].(*ast.FuncDecl)
		return !fi && fj
	})
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				s.defs[d.Name.Name] = "func"
				if n := genericArity(d); n != 0 {
					s.generics[d.Name.Name] = n
				} else {
					delete(s.generics, d.Name.Name)
				}
				s.docs[d.Name.Name] = s.declText(&ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type}, d.Doc)
			} else if t := recvTypeName(d.Recv); t != "" {
				s.methods[t] = appendUnique(s.methods[t], d.Name.Name)
				s.docs[t+"."+d.Name.Name] = s.declText(&ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type}, d.Doc)
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					name := sp.Name.Name
					if i := strings.Index(name, "·"); i >= 0 {
						name = name[:i]
					}
					if !sp.Assign.IsValid() || !strings.Contains(identName(typeIdent(sp.Type)), "·") {
						s.defs[name] = "type"
						s.methods[name] = nil
						s.docs[name] = s.declText(&ast.GenDecl{Tok: token.TYPE, Specs: []ast.Spec{&ast.TypeSpec{Name: &ast.Ident{Name: name}, TypeParams: sp.TypeParams, Assign: sp.Assign, Type: sp.Type}}}, d.Doc)
					}
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						if d.Tok == token.CONST {
							s.defs[n.Name] = "const"
						} else {
							s.defs[n.Name] = "var"
						}
					}
				}
			}
		}
	}
}

// recordStmts remembers the names a cell's top-level statements defined.
func (s *Session) recordStmts(b *ast.BlockStmt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range b.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for i, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name != "_" && !strings.Contains(id.Name, "·") { // not the kernel's temporaries
						s.defs[id.Name] = "var"
						delete(s.varTypes, id.Name)
						if len(st.Rhs) == len(st.Lhs) {
							if t := litTypeName(st.Rhs[i]); t != "" {
								s.varTypes[id.Name] = t
							}
						}
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok {
				for _, sp := range gd.Specs {
					if vs, ok := sp.(*ast.ValueSpec); ok {
						for _, n := range vs.Names {
							s.defs[n.Name] = "var"
							delete(s.varTypes, n.Name)
							if t := identName(typeIdent(vs.Type)); t != "" {
								s.varTypes[n.Name] = t
							}
						}
					}
				}
			}
		}
	}
}

// declText prints a declaration and its doc comment, without the · that renamed type
// parameters end in (see renameTypeParams).
func (s *Session) declText(n ast.Node, doc *ast.CommentGroup) string {
	var b strings.Builder
	var decl strings.Builder
	printer.Fprint(&decl, token.NewFileSet(), n)
	b.WriteString(typeParamRE.ReplaceAllString(decl.String(), "$1$2"))
	if doc != nil {
		b.WriteString("\n\n" + doc.Text())
	}
	return b.String()
}

var typeParamRE = regexp.MustCompile(`(\w)·([^\w·]|$)`)

// recvTypeName is the type name of a method's receiver: T in (t T), (t *T), (t *T[K]).
func recvTypeName(fl *ast.FieldList) string {
	if fl == nil || len(fl.List) == 0 {
		return ""
	}
	return identName(typeIdent(fl.List[0].Type))
}

// typeIdent is the named type of a type expression, through pointers and type arguments.
func typeIdent(e ast.Expr) *ast.Ident {
	for {
		switch t := e.(type) {
		case *ast.Ident:
			return t
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		default:
			return nil
		}
	}
}

// litTypeName is the type name of a composite literal (T{...} or &T{...}).
func litTypeName(e ast.Expr) string {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	if cl, ok := e.(*ast.CompositeLit); ok {
		return identName(typeIdent(cl.Type))
	}
	return ""
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// show turns the values of the final expression into the cell's result: nothing for
// a nil value or nil error, an error output for a non-nil error, the value otherwise.
// A call's trailing error is checked, then dropped; a byte count from a Print or
// Write call is not shown.
func (s *Session) show(vs []any, callee string) kernel.ExecuteResult {
	ok := kernel.ExecuteResult{Status: "ok"}
	if len(vs) == 0 {
		return ok
	}
	if len(vs) > 1 {
		last := vs[len(vs)-1]
		if err, isErr := last.(error); isErr && err != nil {
			return errorValueResult(err)
		}
		if last == nil {
			vs = vs[:len(vs)-1]
			if len(vs) == 1 && isCountCall(callee) {
				if _, isInt := vs[0].(int); isInt {
					return ok
				}
			}
		}
	}
	if len(vs) == 1 {
		v := vs[0]
		if isNil(v) {
			return ok
		}
		if err, isErr := v.(error); isErr {
			return errorValueResult(err)
		}
		if s.opts.Render != nil {
			if b, ok := s.opts.Render(reflect.ValueOf(v)); ok {
				return kernel.ExecuteResult{Status: "ok", Data: b, Metadata: map[string]any{}}
			}
		}
		return kernel.ExecuteResult{Status: "ok", Data: kernel.MIMEBundle{"text/plain": formatValue(v)}, Metadata: map[string]any{}}
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = formatValue(v)
	}
	return kernel.ExecuteResult{Status: "ok", Data: kernel.MIMEBundle{"text/plain": "(" + strings.Join(parts, ", ") + ")"}, Metadata: map[string]any{}}
}

// isCountCall tells functions whose int result is a count of bytes or items written
// or scanned.
func isCountCall(name string) bool {
	for _, p := range []string{"Print", "Fprint", "Sprint", "Write", "Scan", "Fscan", "Sscan"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// formatValue is the text/plain form of a value: strings quoted, the rest as %v.
func formatValue(v any) string {
	if str, ok := v.(string); ok {
		return strconv.Quote(str)
	}
	return fmt.Sprintf("%v", v)
}

func errorValueResult(err error) kernel.ExecuteResult {
	ename := fmt.Sprintf("%T", err)
	if strings.HasPrefix(ename, "interp.") {
		ename = "error" // an interpreted type, seen through the interpreter's wrapper
	}
	return errorResult(ename, err.Error(), []string{red(ename) + ": " + err.Error()})
}

func errorResult(ename, evalue string, tb []string) kernel.ExecuteResult {
	if tb == nil {
		tb = []string{red(ename) + ": " + evalue}
	}
	return kernel.ExecuteResult{Status: "error", Ename: ename, Evalue: evalue, Traceback: tb}
}

func interruptedResult() kernel.ExecuteResult {
	return errorResult("Interrupted", "execution interrupted", nil)
}

func red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }

// runError turns an error of running cell code into the cell's result.
func (s *Session) runError(ctx context.Context, c *cell, err error, name, code string) kernel.ExecuteResult {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		s.stops.cuts.Add(1) // the interpreter stopped every frame: see RunCallback
		s.router.interrupt()
		c.mu.Lock()
		g := c.mainG
		c.mu.Unlock()
		// The cell's goroutine sees the interrupt at its next step; it must be gone
		// before resync makes interpreted frames runnable again. A goroutine blocked in
		// compiled code is not waited for long: rt.At stops it at its next statement.
		wait := 300 * time.Millisecond
		if c.overflow.Load() {
			wait = 5 * time.Second // a deep recursion takes a while to unwind
		}
		waitGone(g, wait)
		s.resyncLocked()
		if c.overflow.Load() {
			return errorResult("StackOverflow", "stack overflow: the goroutine stacks passed "+
				strconv.Itoa(stackLimit>>20)+" MB (runaway recursion?); the cell was stopped", nil)
		}
		return interruptedResult()
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		if _, ok := p.Value.(interrupted); ok {
			return interruptedResult()
		}
		c.mu.Lock()
		trace := append([]string(nil), c.panics...)
		at := c.at
		c.mu.Unlock()
		// The interpreter places a panic of top-level code at the cell's start; the
		// statement marks say which statement ran.
		if at >= 0 && at < len(c.stmtPos) {
			for i, l := range trace {
				if m := traceRE.FindStringSubmatch(l); m != nil && m[2] == "main(...)" && strings.HasPrefix(m[1], name+":") {
					trace[i] = c.stmtPos[at] + ": panic: main(...)"
				}
			}
		}
		evalue := fmt.Sprint(p.Value)
		tb := []string{red("panic") + ": " + evalue}
		tb = append(tb, traceLines(trace)...)
		if loc := firstLocation(trace, name); loc != "" {
			tb = append(tb, sourceContext(code, loc)...)
		}
		return kernel.ExecuteResult{Status: "error", Ename: "panic", Evalue: evalue, Traceback: tb}
	}
	return compileError(err, name, code)
}

// waitGone waits up to d for goroutine id to end.
func waitGone(id int64, d time.Duration) {
	if id <= 0 {
		return
	}
	deadline := time.Now().Add(d)
	for goroutineAlive(id) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// goroutineAlive looks for goroutine id in a dump of all goroutines.
func goroutineAlive(id int64) bool {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return bytes.Contains(buf, []byte("goroutine "+strconv.FormatInt(id, 10)+" ["))
}

// resyncLocked runs an empty program; execMu is held. Interrupting stops every interpreted frame started
// before it, including functions of cells that compiled code calls back (a query's
// ForeachBatch): until the next execution they would return zero values without
// running. Any execution makes the session's functions callable again.
func (s *Session) resyncLocked() {
	f, err := parser.ParseFile(s.in.FileSet(), s.fileName(), "package main; func main() {}", 0)
	if err != nil {
		return
	}
	if prog, err := s.compile(f.Decls[0].(*ast.FuncDecl).Body); err == nil {
		s.in.Execute(prog)
	}
}

// A trace line of the interpreter: "In[3]:2:5: panic: main.f(...)".
var traceRE = regexp.MustCompile(`^(.*?:\d+:\d+): panic: (.*)$`)

// traceLines rewrites the interpreter's panic lines as a Go-style stack: function and
// position, innermost first.
func traceLines(trace []string) []string {
	var out []string
	for _, l := range trace {
		if m := traceRE.FindStringSubmatch(l); m != nil {
			out = append(out, "  "+m[2]+"\n      "+m[1])
		}
	}
	return out
}

// firstLocation is the innermost position of the trace inside cell name.
func firstLocation(trace []string, name string) string {
	for _, l := range trace {
		if m := traceRE.FindStringSubmatch(l); m != nil && strings.HasPrefix(m[1], name+":") {
			return m[1]
		}
	}
	return ""
}

// A position in an error message: "In[3]:2:5".
var posRE = regexp.MustCompile(`^(In\[\d+\]):(\d+):(\d+)`)

// compileError turns a parse or type error into the cell's result, with the faulty
// line of the cell and a caret under the column.
func compileError(err error, name, code string) kernel.ExecuteResult {
	var msgs []string
	var list scanner.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			msgs = append(msgs, cleanPos(e.Error()))
		}
	} else {
		msgs = strings.Split(strings.TrimSpace(cleanPos(err.Error())), "\n")
	}
	ename := "CompileError"
	if len(list) > 0 {
		ename = "SyntaxError"
	}
	var tb []string
	for _, m := range msgs {
		tb = append(tb, red(ename)+": "+m)
		if loc := posRE.FindString(m); loc != "" && strings.HasPrefix(loc, name+":") {
			tb = append(tb, sourceContext(code, loc)...)
		}
	}
	return kernel.ExecuteResult{Status: "error", Ename: ename, Evalue: strings.Join(msgs, "\n"), Traceback: tb}
}

// sourceContext shows the cell line of loc ("In[3]:2:5") with a caret under its column.
func sourceContext(code, loc string) []string {
	m := posRE.FindStringSubmatch(loc)
	if m == nil {
		return nil
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	lines := strings.Split(code, "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	text := strings.TrimRight(lines[line-1], "\r")
	prefix := fmt.Sprintf("%4d | ", line)
	caret := strings.Repeat(" ", len(prefix)-2) + "| "
	for i, r := range text {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			caret += "\t"
		} else {
			caret += " "
		}
	}
	return []string{prefix + text, caret + red("^")}
}
