package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/magics"
)

// fakePub records what a cell publishes.
type fakePub struct {
	mu     sync.Mutex
	events []event
	inputs []string // answers to Input, in order
	asked  []string
	// onStream, when set, is called for each stream message (outside the lock).
	onStream func(name, text string)
}

type event struct {
	kind string // "stream:stdout", "stream:stderr", "display", ...
	text string
	at   time.Time
}

func (p *fakePub) Stream(name, text string) {
	p.mu.Lock()
	p.events = append(p.events, event{kind: "stream:" + name, text: text, at: time.Now()})
	f := p.onStream
	p.mu.Unlock()
	if f != nil {
		f(name, text)
	}
}
func (p *fakePub) Display(data kernel.MIMEBundle, md map[string]any, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, event{kind: "display", at: time.Now()})
}
func (p *fakePub) UpdateDisplay(data kernel.MIMEBundle, md map[string]any, id string) {}
func (p *fakePub) ClearOutput(wait bool)                                              {}
func (p *fakePub) Input(ctx context.Context, prompt string, password bool) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.inputs) == 0 {
		return "", errors.New("no input")
	}
	in := p.inputs[0]
	p.inputs = p.inputs[1:]
	p.asked = append(p.asked, prompt)
	return in, nil
}
func (p *fakePub) Active() kernel.Publisher { return p }

func (p *fakePub) stream(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, e := range p.events {
		if e.kind == "stream:"+name {
			b.WriteString(e.text)
		}
	}
	return b.String()
}

func newSession(t testing.TB) *Session {
	t.Helper()
	s, err := New(Options{FlushInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(false) })
	return s
}

type runner struct {
	t     testing.TB
	s     *Session
	count int
}

func (r *runner) run(code string) (kernel.ExecuteResult, *fakePub) {
	r.t.Helper()
	return r.runCtx(context.Background(), code)
}

func (r *runner) runCtx(ctx context.Context, code string) (kernel.ExecuteResult, *fakePub) {
	r.t.Helper()
	r.count++
	pub := &fakePub{}
	res := r.s.Execute(ctx, kernel.ExecuteRequest{Code: code, ExecutionCount: r.count, AllowStdin: true}, pub)
	return res, pub
}

// ok runs code, fails unless it succeeded, and returns its text/plain result ("" when
// none) and stdout.
func (r *runner) ok(code string) (string, string) {
	r.t.Helper()
	res, pub := r.run(code)
	if res.Status != "ok" {
		r.t.Fatalf("cell %q: status %s: %s: %s\n%s", code, res.Status, res.Ename, res.Evalue, strings.Join(res.Traceback, "\n"))
	}
	text, _ := res.Data["text/plain"].(string)
	return text, pub.stream("stdout")
}

func newRunner(t testing.TB) *runner { return &runner{t: t, s: newSession(t)} }

func TestMixedCellAndPersistence(t *testing.T) {
	r := newRunner(t)
	got, out := r.ok(`fmt.Println("before import")
import "fmt"
type Point struct{ X, Y int }
func (p Point) Sum() int { return p.X + p.Y }
p := Point{1, 2}
fmt.Println("sum", p.Sum())
const K = 10
var total = K * 2
p.Sum() + total`)
	if got != "23" || out != "before import\nsum 3\n" {
		t.Fatalf("result %q, stdout %q", got, out)
	}
	// Everything persists into the next cell.
	if got, _ := r.ok(`q := Point{X: 5}
q.Sum() + K + total`); got != "35" {
		t.Fatalf("next cell: %q", got)
	}
	// Imports persist, and importing again is harmless.
	if got, _ := r.ok(`import "strings"
import "fmt"
strings.ToUpper(fmt.Sprint("go"))`); got != `"GO"` {
		t.Fatalf("imports: %q", got)
	}
}

func TestPastedFile(t *testing.T) {
	r := newRunner(t)
	got, out := r.ok(`package main

import "fmt"

func main() { fmt.Println("main ran") }

main()
for i := 0; i < 2; i++ { fmt.Print(i) }
if v := 3; v > 2 { fmt.Println(" big") }
switch x := 5; { case x > 4: fmt.Println("five") }
"done"`)
	// main runs once when declared (as go run would), then once more when called.
	if got != `"done"` || out != "main ran\nmain ran\n01 big\nfive\n" {
		t.Fatalf("got %q, stdout %q", got, out)
	}
}

func TestRedefinition(t *testing.T) {
	r := newRunner(t)
	r.ok(`func f() int { return 1 }
type T struct{ A int }
x := 1`)
	got, _ := r.ok(`f()`)
	if got != "1" {
		t.Fatalf("f: %q", got)
	}
	r.ok(`import "fmt"
func f() string { return "two" }
type T struct{ B string; Next *T }
func (t T) String() string { return "T(" + t.B + ")" }
x := "now a string"`)
	if got, _ := r.ok(`f()`); got != `"two"` {
		t.Fatalf("redefined f: %q", got)
	}
	if got, _ := r.ok(`t := T{B: "b", Next: &T{B: "c"}}
t.Next.B + t.String() + x`); got != `"cT(b)now a string"` {
		t.Fatalf("redefined T: %q", got)
	}
	// A third definition of the type, and a var redefined with another type.
	if got, _ := r.ok(`type T []int
var y T = T{1, 2, 3}
len(y)`); got != "3" {
		t.Fatalf("third T: %q", got)
	}
	if got, _ := r.ok(`var y = "s"
y`); got != `"s"` {
		t.Fatalf("var redefined: %q", got)
	}
	// An import name that now means another package.
	if got, _ := r.ok(`import "math/rand"
rand.New(rand.NewSource(1)) != nil`); got != "true" {
		t.Fatalf("math/rand: %q", got)
	}
	if got, _ := r.ok(`import "crypto/rand"
b := make([]byte, 4)
n, _ := rand.Read(b)
n`); got != "4" {
		t.Fatalf("crypto/rand: %q", got)
	}
	if got, _ := r.ok(`fmt.Sprint(f(), len(y))`); got != `"two1"` {
		t.Fatalf("after new import scope: %q", got)
	}
}

func TestGenerics(t *testing.T) {
	r := newRunner(t)
	r.ok(`func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
type Stack[T any] struct{ items []T }
func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }
func (s *Stack[T]) Len() int { return len(s.items) }`)
	got, _ := r.ok(`s := &Stack[string]{}
s.Push("a")
s.Push("b")
// The interpreter refuses "ys := Map(...)" at the top level; assignment works.
var ys []int
ys = Map([]int{1, 2, 3}, func(i int) int { return i * i })
s.Len() + ys[2] + Map[int, int]([]int{4}, func(i int) int { return i })[0]`)
	if got != "15" {
		t.Fatalf("generics: %q", got)
	}
	// A generic func redefined with another signature.
	r.ok(`func Map[T any](xs []T) int { return len(xs) }`)
	if got, _ := r.ok(`Map([]string{"a", "b"})`); got != "2" {
		t.Fatalf("redefined generic: %q", got)
	}
}

func TestEchoRules(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("errors"; "fmt"; "strconv")`)
	cases := []struct{ code, want string }{
		{`1 + 1`, "2"},
		{`"hi"`, `"hi"`},
		{`fmt.Println("x")`, ""},            // (n int, err error) of a Print call
		{`fmt.Fprintf(os.Stdout, "y")`, ""}, // same
		{`var e error; e`, ""},              // nil error
		{`var p *int; p`, ""},               // nil pointer
		{`strconv.Atoi("12")`, "12"},        // (value, nil error): the value
		{`func() {}()`, ""},                 // no value
		{`[]int{1, 2}`, "[1 2]"},
		{`struct{ A int; B string }{1, "x"}`, "{1 x}"},
	}
	r.ok(`import "os"`)
	for _, c := range cases {
		got, _ := r.ok(c.code)
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.code, got, c.want)
		}
	}
	res, _ := r.run(`errors.New("it broke")`)
	if res.Status != "error" || res.Ename != "*errors.errorString" || res.Evalue != "it broke" || res.Data != nil {
		t.Errorf("error value: %+v", res)
	}
	// Interpreted types: String and Error methods count.
	r.ok(`type T struct{ B string }
func (t T) String() string { return "T(" + t.B + ")" }
type E struct{ code int }
func (e E) Error() string { return fmt.Sprint("custom ", e.code) }
func fails() (int, error) { return 0, E{4} }`)
	if got, _ := r.ok(`T{"x"}`); got != "T(x)" {
		t.Errorf("Stringer: %q", got)
	}
	res, _ = r.run(`fails()`)
	if res.Status != "error" || res.Ename != "error" || res.Evalue != "custom 4" {
		t.Errorf("interpreted error: %+v", res)
	}
	res, _ = r.run(`strconv.Atoi("x")`)
	if res.Status != "error" || res.Ename != "*strconv.NumError" || res.Evalue != `strconv.Atoi: parsing "x": invalid syntax` {
		t.Errorf("(int, error) with error: %+v", res)
	}
}

func TestCompileErrorNamesLineAndColumn(t *testing.T) {
	r := newRunner(t)
	res, _ := r.run("a := 1\nb := a +\n  \"x\"\n_ = b")
	if res.Status != "error" || res.Ename != "CompileError" {
		t.Fatalf("%+v", res)
	}
	want := "In[1]:2:6: invalid operation: mismatched types int and untyped string"
	if res.Evalue != want {
		t.Fatalf("evalue %q, want %q", res.Evalue, want)
	}
	tb := strings.Join(res.Traceback, "\n")
	if !strings.Contains(tb, "   2 | b := a +") {
		t.Fatalf("traceback lacks the source line:\n%s", tb)
	}
	res, _ = r.run("x := (1 + \ny := 2")
	if res.Status != "error" || res.Ename != "SyntaxError" || !strings.HasPrefix(res.Evalue, "In[2]:2:3: ") {
		t.Fatalf("syntax error: %+v", res)
	}
	res, _ = r.run("fmt.Println(undefinedName)")
	if res.Status != "error" || !strings.HasPrefix(res.Evalue, "In[3]:1:1: undefined: fmt") {
		t.Fatalf("undefined: %+v", res)
	}
	// The kernel keeps working.
	if got, _ := r.ok("40 + 2"); got != "42" {
		t.Fatal(got)
	}
}

func TestPanicInCell(t *testing.T) {
	r := newRunner(t)
	r.ok(`func idx(xs []int, i int) int {
	return xs[i]
}`)
	res, _ := r.run("xs := []int{1, 2, 3}\nv := idx(xs, 5)\n_ = v")
	if res.Status != "error" || res.Ename != "panic" {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(res.Evalue, "index out of range") {
		t.Fatalf("evalue %q", res.Evalue)
	}
	tb := strings.Join(res.Traceback, "\n")
	if !strings.Contains(tb, "main.idx(...)\n      In[1]:2:9") || !strings.Contains(tb, "main(...)\n      In[2]:2:1") {
		t.Fatalf("traceback lacks the positions:\n%s", tb)
	}
	res, _ = r.run("x := 0\ny := 1\nz := y / x\n_ = z")
	tb = strings.Join(res.Traceback, "\n")
	if res.Evalue != "runtime error: integer divide by zero" || !strings.Contains(tb, "In[3]:3:1") || !strings.Contains(tb, "   3 | z := y / x") {
		t.Fatalf("top-level panic: %+v\n%s", res, tb)
	}
	res, _ = r.run(`panic("boom")`)
	if res.Status != "error" || res.Ename != "panic" || res.Evalue != "boom" {
		t.Fatalf("%+v", res)
	}
	if got, _ := r.ok("xs[1]"); got != "2" {
		t.Fatalf("after panic: %q", got)
	}
}

func TestPanicInGoroutine(t *testing.T) {
	r := newRunner(t)
	_, pub := r.run(`import "time"
done := make(chan bool)
go func() {
	defer close(done)
	time.Sleep(20 * time.Millisecond)
}()
go func(msg string) {
	panic(msg)
}("from goroutine")
<-done`)
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(pub.stream("stderr"), "from goroutine") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	errText := pub.stream("stderr")
	if !strings.Contains(errText, "panic in goroutine: from goroutine") || !strings.Contains(errText, "In[1]:8:") {
		t.Fatalf("stderr %q", errText)
	}
	// The kernel is alive and a goroutine's late output lands in its own cell.
	_, pub1 := r.run(`import "fmt"
go func() { time.Sleep(100 * time.Millisecond); fmt.Println("late") }()`)
	if got, out := r.ok(`fmt.Println("now"); 7`); got != "7" || out != "now\n" {
		t.Fatalf("cell 3: %q %q", got, out)
	}
	deadline = time.Now().Add(2 * time.Second)
	for pub1.stream("stdout") != "late\n" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := pub1.stream("stdout"); got != "late\n" {
		t.Fatalf("late output of cell 2: %q", got)
	}
	// A callback that time.AfterFunc runs on its own goroutine is guarded too.
	_, pubA := r.run(`time.AfterFunc(10*time.Millisecond, func() { fmt.Println("timer"); panic("in timer") })`)
	deadline = time.Now().Add(2 * time.Second)
	for !strings.Contains(pubA.stream("stderr"), "in timer") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if pubA.stream("stdout") != "timer\n" || !strings.Contains(pubA.stream("stderr"), "panic in goroutine: in timer") {
		t.Fatalf("AfterFunc: stdout %q stderr %q", pubA.stream("stdout"), pubA.stream("stderr"))
	}
	// Method values, arguments evaluated at the go statement, spread arguments.
	_, pub2 := r.run(`type W struct{ name string }
func (w W) Say(xs ...int) { fmt.Println(w.name, xs) }
w := W{"w"}
nums := []int{1, 2}
ch := make(chan bool)
go w.Say(nums...)
go func(f float64) { fmt.Println("f", f); ch <- true }(3)
<-ch
time.Sleep(50 * time.Millisecond)`)
	out := pub2.stream("stdout")
	if !strings.Contains(out, "w [1 2]\n") || !strings.Contains(out, "f 3\n") {
		t.Fatalf("goroutine forms: %q", out)
	}
}

func TestInterrupt(t *testing.T) {
	r := newRunner(t)
	r.ok(`import "time"
n := 41`)
	for _, code := range []string{
		"for {}",
		"time.Sleep(time.Hour)",
		"<-make(chan int)",
		"select {}",
		"for i := 0; ; i++ {}",
	} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan kernel.ExecuteResult)
		go func() {
			res, _ := r.runCtx(ctx, code)
			done <- res
		}()
		time.Sleep(50 * time.Millisecond)
		start := time.Now()
		cancel()
		select {
		case res := <-done:
			if res.Status != "error" || res.Ename != "Interrupted" {
				t.Fatalf("%s: %+v", code, res)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("%s: interrupt took %v", code, d)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: not interrupted", code)
		}
		if got, _ := r.ok("n + 1"); got != "42" {
			t.Fatalf("after interrupting %s: %q", code, got)
		}
	}
}

func TestLiveOutput(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("fmt"; "time")`)
	first := make(chan time.Time, 1)
	pub := &fakePub{}
	pub.onStream = func(name, text string) {
		select {
		case first <- time.Now():
		default:
		}
	}
	r.count++
	start := time.Now()
	res := r.s.Execute(context.Background(), kernel.ExecuteRequest{Code: `fmt.Println("tick")
time.Sleep(400 * time.Millisecond)
fmt.Println("tock")`, ExecutionCount: r.count}, pub)
	end := time.Now()
	if res.Status != "ok" {
		t.Fatalf("%+v", res)
	}
	at := <-first
	if at.Sub(start) > 200*time.Millisecond || end.Sub(at) < 200*time.Millisecond {
		t.Fatalf("first output %v after start, %v before the end", at.Sub(start), end.Sub(at))
	}
	if got := pub.stream("stdout"); got != "tick\ntock\n" {
		t.Fatalf("stdout %q", got)
	}
}

func TestStdoutStderrOrder(t *testing.T) {
	r := newRunner(t)
	_, pub := r.run(`import ("fmt"; "os"; "log")
fmt.Println("one")
fmt.Fprintln(os.Stderr, "two")
os.Stdout.Write([]byte("three\n"))
log.SetFlags(0)
log.Println("four")
println("five")`)
	pub.mu.Lock()
	defer pub.mu.Unlock()
	var got []string
	for _, e := range pub.events {
		got = append(got, e.kind+"="+e.text)
	}
	want := []string{"stream:stdout=one\n", "stream:stderr=two\n", "stream:stdout=three\n", "stream:stderr=four\n", "stream:stdout=five\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestStdin(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("bufio"; "fmt"; "os")`)
	pub := &fakePub{inputs: []string{"Gopher", "42 7"}}
	r.count++
	res := r.s.Execute(context.Background(), kernel.ExecuteRequest{Code: `fmt.Print("name? ")
line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
var a, b int
fmt.Scanln(&a, &b)
fmt.Sprint(line, a+b)`, ExecutionCount: r.count, AllowStdin: true}, pub)
	if res.Status != "ok" || res.Data["text/plain"] != `"Gopher\n49"` {
		t.Fatalf("%+v", res)
	}
	if len(pub.asked) != 2 || pub.stream("stdout") != "name? " {
		t.Fatalf("asked %q, stdout %q", pub.asked, pub.stream("stdout"))
	}
}

func TestTopLevelDeferRefused(t *testing.T) {
	r := newRunner(t)
	res, _ := r.run("import \"fmt\"\ndefer fmt.Println(1)")
	if res.Status != "error" || !strings.Contains(res.Evalue, "In[1]:2:1: defer at the top level") {
		t.Fatalf("%+v", res)
	}
}

// BenchmarkInterrupt measures the time from cancelling a running cell to its reply.
func BenchmarkInterrupt(b *testing.B) {
	r := newRunner(b)
	r.ok(`import "time"`)
	for _, code := range []string{"for {}", "time.Sleep(time.Hour)", "<-make(chan int)", "select {}"} {
		b.Run(code, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan time.Time)
				go func() {
					r.runCtx(ctx, code)
					done <- time.Now()
				}()
				time.Sleep(20 * time.Millisecond)
				start := time.Now()
				cancel()
				total += (<-done).Sub(start)
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/interrupt")
		})
	}
}

func TestMagics(t *testing.T) {
	set := magics.New()
	s, err := New(Options{Magics: set, FlushInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(false)
	r := &runner{t: t, s: s}
	dir := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) }) // %cd changes the process's directory
	_, pub := r.run("%cd " + dir + "\n!echo from-shell\nimport (\"fmt\"; \"os\")\nwd, _ := os.Getwd()\nwd")
	res, _ := r.run("%%writefile note.txt\nhello")
	if res.Status != "ok" {
		t.Fatalf("%%writefile: %+v", res)
	}
	if got, _ := r.ok(`b, _ := os.ReadFile("note.txt"); string(b)`); got != `"hello\n"` && got != `"hello"` {
		t.Fatalf("file written by %%%%writefile: %q", got)
	}
	if out := pub.stream("stdout"); !strings.Contains(out, "from-shell\n") {
		t.Fatalf("shell output %q", out)
	}
	res, pubT := r.run("%%time\ntimed := 6 * 7\nfmt.Println(\"in timed cell\")")
	if res.Status != "ok" || !strings.Contains(pubT.stream("stdout"), "in timed cell\n") || !strings.Contains(pubT.stream("stdout")+pubT.stream("stderr"), "Wall time") {
		t.Fatalf("%%%%time: %+v stdout %q stderr %q", res, pubT.stream("stdout"), pubT.stream("stderr"))
	}
	if got, _ := r.ok("timed"); got != "42" {
		t.Fatalf("state set under %%%%time: %q", got)
	}
	res, _ = r.run("%%time\nundefinedThing")
	if res.Status != "error" || res.Ename != "CompileError" {
		t.Fatalf("error under %%%%time: %+v", res)
	}
	res, _ = r.run("%nosuchmagic")
	if res.Status != "error" || res.Ename != "MagicError" {
		t.Fatalf("unknown magic: %+v", res)
	}
	got := s.Complete("%%wri", 5)
	if !slices.Contains(got.Matches, "%%writefile") || got.CursorStart != 0 {
		t.Fatalf("magic completion: %+v", got)
	}
}

func TestPublisherHookKeepsOrder(t *testing.T) {
	r := newRunner(t)
	show := func() { r.s.Publisher().Display(kernel.MIMEBundle{"text/plain": "table"}, nil, "") }
	if err := r.s.in.Use(map[string]map[string]reflect.Value{"demo/demo": {"Show": reflect.ValueOf(show)}}); err != nil {
		t.Fatal(err)
	}
	_, pub := r.run("import (\"fmt\"; \"demo\")\nfmt.Println(\"before\")\ndemo.Show()\nfmt.Println(\"after\")")
	pub.mu.Lock()
	defer pub.mu.Unlock()
	var kinds []string
	for _, e := range pub.events {
		kinds = append(kinds, e.kind+":"+e.text)
	}
	if strings.Join(kinds, "|") != "stream:stdout:before\n|display:|stream:stdout:after\n" {
		t.Fatalf("order %q", kinds)
	}
}

func TestInterruptedCellDoesNotResume(t *testing.T) {
	r := newRunner(t)
	release := make(chan struct{})
	block := func() { <-release } // compiled code the interpreter cannot cancel
	if err := r.s.in.Use(map[string]map[string]reflect.Value{"block/block": {"Wait": reflect.ValueOf(block)}}); err != nil {
		t.Fatal(err)
	}
	r.ok(`import ("block"; "fmt"; "time")
resumed := false`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan kernel.ExecuteResult)
	go func() {
		res, _ := r.runCtx(ctx, "block.Wait()\nresumed = true\nfmt.Println(\"after\")")
		done <- res
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if res := <-done; res.Ename != "Interrupted" {
		t.Fatalf("%+v", res)
	}
	// The next cell runs while the interrupted one is still blocked; then it unblocks.
	resCh := make(chan kernel.ExecuteResult)
	go func() {
		res, _ := r.runCtx(context.Background(), "time.Sleep(100 * time.Millisecond)\n7")
		resCh <- res
	}()
	time.Sleep(30 * time.Millisecond)
	close(release)
	res := <-resCh
	if res.Status != "ok" || res.Data["text/plain"] != "7" {
		t.Fatalf("next cell: %+v", res)
	}
	if got, out := r.ok("resumed"); got != "false" || out != "" {
		t.Fatalf("the interrupted cell resumed: %q %q", got, out)
	}
}

// TestCellWriterAndRunFor plays the engine: a query started by cell 1 keeps printing
// into cell 1, also through interpreted callbacks, while cell 2 runs.
func TestCellWriterAndRunFor(t *testing.T) {
	r := newRunner(t)
	type query struct {
		w  io.Writer
		cb func()
	}
	var q query
	start := func(cb func()) { q = query{w: r.s.CellWriter("stdout"), cb: cb} }
	if err := r.s.in.Use(map[string]map[string]reflect.Value{"engine/engine": {"Start": reflect.ValueOf(start)}}); err != nil {
		t.Fatal(err)
	}
	_, pub1 := r.run("import (\"engine\"; \"fmt\")\nengine.Start(func() { fmt.Println(\"from callback\") })")
	done := make(chan struct{})
	var pub2 *fakePub
	go func() {
		defer close(done)
		_, pub2 = r.run("import \"time\"\ntime.Sleep(150 * time.Millisecond)\nfmt.Println(\"cell 2\")")
	}()
	time.Sleep(50 * time.Millisecond)
	// The query's goroutine: its own output and its callback's output go to cell 1.
	qdone := make(chan struct{})
	go func() {
		defer close(qdone)
		fmt.Fprintln(q.w, "Batch: 0")
		r.s.RunFor(q.w, q.cb)
	}()
	<-qdone
	<-done
	time.Sleep(50 * time.Millisecond)
	if got := pub1.stream("stdout"); got != "Batch: 0\nfrom callback\n" {
		t.Fatalf("cell 1: %q", got)
	}
	if got := pub2.stream("stdout"); got != "cell 2\n" {
		t.Fatalf("cell 2: %q", got)
	}
}

// TestCallbackWorksRightAfterInterrupt: a function a cell handed to compiled code (a
// query's callback) runs again as soon as an interrupt of another cell returns.
func TestCallbackWorksRightAfterInterrupt(t *testing.T) {
	r := newRunner(t)
	var cb func(int) int
	keep := func(f func(int) int) { cb = f }
	if err := r.s.in.Use(map[string]map[string]reflect.Value{"hold/hold": {"Keep": reflect.ValueOf(keep)}}); err != nil {
		t.Fatal(err)
	}
	r.ok("import \"hold\"\nhold.Keep(func(x int) int { return x * 2 })")
	if got := cb(21); got != 42 {
		t.Fatalf("before: %d", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan kernel.ExecuteResult)
	go func() {
		res, _ := r.runCtx(ctx, "for {}")
		done <- res
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if res := <-done; res.Ename != "Interrupted" {
		t.Fatalf("%+v", res)
	}
	if got := cb(21); got != 42 {
		t.Fatalf("right after the interrupt: %d", got)
	}
}

func TestRunawayRecursion(t *testing.T) {
	r := newRunner(t)
	r.ok("func down(n int) int { return down(n+1) + 1 }\nkept := 5")
	start := time.Now()
	res, _ := r.run("down(0)")
	if res.Status != "error" || res.Ename != "StackOverflow" {
		t.Fatalf("%+v", res)
	}
	t.Logf("stopped after %v", time.Since(start))
	if got, _ := r.ok("kept + 1"); got != "6" {
		t.Fatalf("after: %q", got)
	}
}

func TestRunawayRecursionInGoroutine(t *testing.T) {
	r := newRunner(t)
	_, pub := r.run("func deeper(n int) int { return deeper(n+1) + 1 }\ngo deeper(0)")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(pub.stream("stderr"), "stack overflow") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(pub.stream("stderr"), "every interpreted goroutine was stopped") {
		t.Fatalf("stderr %q", pub.stream("stderr"))
	}
	if got, _ := r.ok("1 + 1"); got != "2" {
		t.Fatalf("after: %q", got)
	}
}
