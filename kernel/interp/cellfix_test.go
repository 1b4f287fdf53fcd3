package interp

import (
	"strings"
	"testing"
)

// runErr runs code and fails unless it ended in an error of kind ename whose value
// contains want.
func (r *runner) runErr(code, ename, want string) {
	r.t.Helper()
	res, _ := r.run(code)
	if res.Status != "error" || res.Ename != ename || !strings.Contains(res.Evalue, want) {
		r.t.Fatalf("cell %q: got %s %s %q, want %s containing %q", code, res.Status, res.Ename, res.Evalue, ename, want)
	}
}

func TestMultiValueDefineInTopLevelBlocks(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("fmt"; "strconv")
func pair(i int) (int, error) { return i * 10, nil }`)
	_, out := r.ok(`sum := 0
for i := 0; i < 3; i++ {
	_, err := pair(i)
	x, err := pair(i)
	if err != nil {
		panic(err)
	}
	sum += x
}
if n, err := strconv.Atoi("7"); err == nil {
	v, err := pair(n)
	fmt.Println(v, err)
}
switch {
case sum > 0:
	a, b := strconv.Atoi("x")
	fmt.Println(a, b != nil)
}
{
	q, err := pair(1)
	fmt.Println(q, err)
}
fmt.Println(sum)`)
	if want := "70 <nil>\n0 true\n10 <nil>\n30\n"; out != want {
		t.Fatalf("stdout %q, want %q", out, want)
	}
	// Variables of the cell's top level set inside the loop persist.
	if got, _ := r.ok("sum * 2"); got != "60" {
		t.Fatalf("sum after: %q", got)
	}
	r.runErr("if true {\n\treturn\n}", "CompileError", "In[4]:2:2: return at the top level of a cell is not supported")
	r.runErr("for i := 0; i < 1; i++ {\n\tdefer fmt.Println(i)\n}", "CompileError", "In[5]:2:2: defer at the top level of a cell never runs")
}

func TestRangeOverInt(t *testing.T) {
	r := newRunner(t)
	r.ok(`import "fmt"
type Count uint8
type Cfg struct{ N int16; Xs []string }
var cfg = Cfg{N: 2, Xs: []string{"a", "b", "c"}}
var big int64 = 3
func count(n int) (s string) {
	for i := range n {
		s += fmt.Sprint(i)
	}
	return s
}`)
	cases := []struct{ code, out string }{
		{"for range 3 {\n\tfmt.Print(\".\")\n}", "..."},
		{"for i := range big {\n\tfmt.Printf(\"%T:%d \", i, i)\n}", "int64:0 int64:1 int64:2 "},
		{"var c Count = 2\nfor i := range c {\n\tfmt.Print(fmt.Sprintf(\"%T\", i) == fmt.Sprintf(\"%T\", c), i, \" \")\n}", "true 0 true 1 "},
		{"for i := range cfg.N {\n\tfmt.Printf(\"%T:%d \", i, i)\n}", "int16:0 int16:1 "},
		{"for i := range cfg.Xs {\n\tfmt.Print(i)\n}\nfor i := range cfg.N {\n\tfmt.Print(i)\n}", "01201"},
		{"fmt.Print(count(4))", "0123"},
		// The operand is evaluated once; changing the variable does not change the iterations.
		{"n := 3\nfor i := range n {\n\tn = 10\n\ti += 5\n\tfmt.Print(i)\n}", "567"},
		{"calls := 0\nnext := func() int { calls++; return 2 }\nfor range next() {\n}\nfmt.Print(calls)", "1"},
		{"xs := []int{4, 5, 6}\nfor i := range len(xs) - 1 {\n\tfmt.Print(xs[i])\n}", "45"},
		{"var j int\nfor j = range 3 {\n}\nfmt.Print(j)", "2"},
		{"outer:\nfor i := range 3 {\n\tfor j := range 3 {\n\t\tif j > i {\n\t\t\tcontinue outer\n\t\t}\n\t\tif i == 2 {\n\t\t\tbreak outer\n\t\t}\n\t\tfmt.Print(i, j, \" \")\n\t}\n}", "0 0 1 0 1 1 "},
		{"func() {\n\tfor i := range uint(2) {\n\t\tfmt.Printf(\"%T \", i)\n\t}\n}()", "uint uint "},
	}
	for _, c := range cases {
		if _, out := r.ok(c.code); out != c.out {
			t.Errorf("%s:\nstdout %q, want %q", c.code, out, c.out)
		}
	}
	// Telling a field's type reads it; a nil pointer's panic there is not the cell's.
	r.ok("var nilCfg *Cfg")
	res, _ := r.run("for i := range nilCfg.N {\n\t_ = i\n}")
	if tb := strings.Join(res.Traceback, "\n"); res.Ename != "panic" || strings.Contains(tb, "cell.go") || strings.Count(tb, "main(...)") != 1 {
		t.Errorf("nil pointer: %s %s\n%s", res.Ename, res.Evalue, tb)
	}
	// Go refuses to range over a float; so does the kernel, naming the operand.
	r.runErr("for i := range 2.5 {\n\t_ = i\n}", "CompileError", ":1:16: cannot range over this")
}

func TestGenericMultiValueArgument(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("errors"; "fmt"; "strconv")
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
func atoi(s string) int { return must(strconv.Atoi(s)) }
func both[K comparable, V any](k K, v V, ok bool) string { return fmt.Sprint(k, v, ok) }
func three() (string, int, bool) { return "k", 1, true }`)
	if got, _ := r.ok(`atoi("41") + must(strconv.Atoi("1"))`); got != "42" {
		t.Fatalf("must: %q", got)
	}
	if _, out := r.ok(`fmt.Println(both(three()))`); out != "k1 true\n" {
		t.Fatalf("three values: %q", out)
	}
	if got, _ := r.ok("var s string\ns = both(three())\ns"); got != `"k1 true"` {
		t.Fatalf("assigned: %q", got)
	}
	// The multi-value call runs once.
	if _, out := r.ok("n := 0\nnext := func() (int, error) { n++; return n, nil }\nfmt.Println(must(next()), n)"); out != "1 1\n" {
		t.Fatalf("once: %q", out)
	}
	res, _ := r.run(`must(strconv.Atoi("x"))`)
	if res.Status != "error" || res.Ename != "panic" || !strings.Contains(res.Evalue, `parsing "x"`) {
		t.Fatalf("panic of must: %+v", res)
	}
	// `x := Generic(...)` at the top level is beyond the interpreter: a clean error.
	r.runErr(`w := must(strconv.Atoi("3"))`, "CompileError", "In[7]:1:1: w := must(...) at the top level of a cell is not supported")
	if got, _ := r.ok(`errors.New("still works").Error()`); got != `"still works"` {
		t.Fatalf("after: %q", got)
	}
}

func TestLoopVariablesPerIteration(t *testing.T) {
	r := newRunner(t)
	r.ok(`import "fmt"
func collect() (out string) {
	var fs []func() int
	for i := 0; i < 3; i++ {
		fs = append(fs, func() int { return i })
	}
	for _, v := range []int{7, 8} {
		fs = append(fs, func() int { return v })
	}
	for _, f := range fs {
		out += fmt.Sprint(f())
	}
	return out
}`)
	if got, _ := r.ok("collect()"); got != `"01278"` {
		t.Fatalf("in a function: %q", got)
	}
	_, out := r.ok(`var fs []func() int
var ps []*int
for i := 0; i < 3; i++ {
	fs = append(fs, func() int { return i })
}
for _, v := range []int{7, 8} {
	ps = append(ps, &v)
}
for i := range 2 {
	fs = append(fs, func() int { return i * 10 })
}
for _, f := range fs {
	fmt.Print(f(), " ")
}
fmt.Println(*ps[0], *ps[1])`)
	if out != "0 1 2 0 10 7 8\n" {
		t.Fatalf("top level: %q", out)
	}
	// A loop whose body changes its variable keeps working (one variable for all).
	if _, out := r.ok("for i := 0; i < 6; i++ {\n\tif i == 1 {\n\t\ti += 2\n\t}\n\tfunc() { fmt.Print(i) }()\n}"); out != "0345" {
		t.Fatalf("assigned in the body: %q", out)
	}
}

func TestCommonIdioms(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("fmt"; "strings")
type Base struct{ N int }
func (b Base) Hello() string { return fmt.Sprint("base", b.N) }
func (b *Base) Inc() { b.N++ }
type Derived struct {
	Base
	M int
}`)
	cases := []struct{ code, want, out string }{
		// Method values, of a value and of a pointer receiver.
		{"var b strings.Builder\nw := b.WriteString\nw(\"hi\")\nb.String()", `"hi"`, ""},
		{"d := &Derived{Base{1}, 2}\ninc := d.Inc\ninc()\ninc()\nd.Hello()", `"base3"`, ""},
		// Struct embedding: promoted fields and methods.
		{"e := Derived{Base{4}, 5}\ne.N + e.M", "9", ""},
		// Labelled break and continue at the top level.
		{"outer:\nfor i := 0; i < 3; i++ {\n\tfor j := 0; j < 3; j++ {\n\t\tif j == 1 {\n\t\t\tcontinue outer\n\t\t}\n\t\tif i == 2 {\n\t\t\tbreak outer\n\t\t}\n\t\tfmt.Print(i, j, \" \")\n\t}\n}", "", "0 0 1 0 "},
		// A goto at the top level, to a label there.
		{"k := 0\nagain:\nk++\nif k < 3 {\n\tgoto again\n}\nk", "3", ""},
		// Switch with an init statement.
		{"switch x := 3; {\ncase x > 2:\n\tfmt.Print(\"big\")\n}", "", "big"},
		// Defer in a function literal runs when the literal returns.
		{"func() {\n\tdefer fmt.Print(\"deferred\")\n\tfmt.Print(\"body \")\n}()", "", "body deferred"},
	}
	for _, c := range cases {
		got, out := r.ok(c.code)
		if got != c.want || out != c.out {
			t.Errorf("%s:\nvalue %q stdout %q, want %q %q", c.code, got, out, c.want, c.out)
		}
	}
}

func TestMinMaxClear(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("fmt"; "math")
type Dur int64
const lim = 10
var f64 = 2.5
var i64 int64 = 7
var fromDecl float64 = max(1, 2)
func half() float64 { return fromDecl / 2 }`)
	cases := []struct{ code, want, out string }{
		{"min(3, 1, 2) + max(4, 5)", "6", ""},
		{"top := max(3, 9)\ntop", "9", ""},
		// The type is the first non-constant argument's, wherever it stands.
		{`fmt.Printf("%T %v %T %v", min(1, f64), min(1, f64), max(3, i64), max(3, i64))`, "", "float64 1 int64 7"},
		{"m := max(0.5, f64)\nfmt.Printf(\"%T %v\", m, m)", "", "float64 2.5"},
		{"fmt.Println(max(2, 1.5), min(lim, 3), max(Dur(3), 5), max(\"a\", \"b\"), min(f64))", "", "2 3 5 b 2.5\n"},
		{"var low float64 = min(1, 2)\nfmt.Printf(\"%T %v\", low, low)", "", "float64 1"},
		{"half()", "1", ""},
		{"fmt.Println(math.IsNaN(max(math.NaN(), 1)), math.IsNaN(min(1, math.NaN())))", "", "true true\n"},
		{"func() {\n\tx := min(4, 2)\n\tfmt.Print(x)\n}()", "", "2"},
		{"mm := map[string]int{\"a\": 1}\nclear(mm)\nlen(mm)", "0", ""},
		{"type P struct{ A int }\nps := []P{{1}, {2}}\nclear(ps[1:])\nps", "[{1} {0}]", ""},
		// A cell's own min, or a parameter named max, is not touched.
		{"func clamp(v, min, max int) int {\n\tif v < min {\n\t\treturn min\n\t}\n\tif v > max {\n\t\treturn max\n\t}\n\treturn v\n}\nclamp(12, 0, 10)", "10", ""},
		{"func min(a, b int) int { return a*100 + b }\nmin(1, 2)", "102", ""},
	}
	for _, c := range cases {
		got, out := r.ok(c.code)
		if got != c.want || out != c.out {
			t.Errorf("%s:\nvalue %q stdout %q, want %q %q", c.code, got, out, c.want, c.out)
		}
	}
	// The builtins' type parameters do not clash with a cell's names.
	if got, _ := r.ok("import T \"strings\"\nT.ToUpper(\"x\") + fmt.Sprint(max(2, 1))"); got != `"X2"` {
		t.Errorf("import named T: %q", got)
	}
	res, _ := r.run("clear(3)")
	if res.Status != "error" || !strings.Contains(res.Evalue, "clear: argument is a int, not a map or a slice") {
		t.Fatalf("clear(3): %+v", res)
	}
}

func TestTypeParameterDoesNotHideImport(t *testing.T) {
	r := newRunner(t)
	r.ok(`import T "strings"
func Map[T any](xs []T, f func(T) T) []T {
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
type Box[T any] struct{ T T }
func (b Box[T]) Get() T { return b.T }`)
	got, _ := r.ok(`var up []string
up = Map([]string{"a"}, T.ToUpper)
up[0] + Box[string]{T: "b"}.Get() + T.Repeat("c", 2)`)
	if got != `"Abcc"` {
		t.Fatalf("got %q", got)
	}
	r.s.mu.Lock()
	doc := r.s.docs["Map"]
	r.s.mu.Unlock()
	if !strings.HasPrefix(doc, "func Map[T any](xs []T, f func(T) T) []T") {
		t.Fatalf("doc %q", doc)
	}
}

func TestVarDeclarationUsingEarlierCell(t *testing.T) {
	r := newRunner(t)
	r.ok("var base int64 = 7\nstep := 5")
	cases := []struct{ code, want string }{
		{"var a = base\na", "7"},
		{"var b = step * 2\nvar c = b + 1\nc", "11"},
		{"var d int64 = base * 2\nfunc useD() int64 { return d }\nuseD()", "14"},
		{"func three() int { return 3 }\nvar e = three() + step\ne", "8"},
	}
	for _, c := range cases {
		if got, _ := r.ok(c.code); got != c.want {
			t.Errorf("%s: got %q, want %q", c.code, got, c.want)
		}
	}
	// Later cells see them as globals.
	if got, _ := r.ok("func sum() int64 { return a + int64(c) + d }\nsum()"); got != "32" {
		t.Fatalf("sum: %q", got)
	}
	// Untyped, and used by a function of the same cell: beyond the interpreter, said so.
	r.runErr("var g = base\nfunc useG() int64 { return g }", "CompileError", "give it a type")
}

func TestSlicesSorting(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("cmp"; "fmt"; "slices"; "strings")
type P struct {
	N string
	A int
}
type Names []string`)
	cases := []struct{ code, want string }{
		{"xs := []int{3, 1, 2}\nslices.Sort(xs)\nxs", "[1 2 3]"},
		{"ns := Names{\"z\", \"y\"}\nslices.Sort(ns)\nfmt.Sprint(ns, slices.IsSorted(ns))", `"[y z] true"`},
		{"ps := []P{{\"b\", 2}, {\"a\", 1}, {\"c\", 1}}\nslices.SortStableFunc(ps, func(a, b P) int { return cmp.Compare(a.A, b.A) })\nps", "[{a 1} {c 1} {b 2}]"},
		{"slices.SortFunc(ps, func(a, b P) int { return strings.Compare(b.N, a.N) })\nps", "[{c 1} {b 2} {a 1}]"},
		{"slices.BinarySearch([]string{\"a\", \"c\"}, \"c\")", "(1, true)"},
		{"fmt.Sprint(slices.Max([]float64{1, 5, 2}), slices.Min([]int{4, 3}))", `"5 3"`},
	}
	for _, c := range cases {
		if got, _ := r.ok(c.code); got != c.want {
			t.Errorf("%s: got %q, want %q", c.code, got, c.want)
		}
	}
	r.runErr("m := slices.Max([]int{1})", "CompileError", "m := slices.Max(...) at the top level of a cell is not supported by the interpreter when slices.Max is generic")
}
