package interp

import (
	"slices"
	"strings"
	"testing"
)

func TestIsComplete(t *testing.T) {
	s := newSession(t)
	cases := []struct{ code, status, indent string }{
		{"x := 1", "complete", ""},
		{"func f() {", "incomplete", "\t"},
		{"m := map[string][]int{\n\t\"a\": {", "incomplete", "\t\t"},
		{"fmt.Println(1,", "incomplete", "\t"},
		{"s := `raw\nstring", "incomplete", ""},
		{"x := 1 +", "incomplete", "\t"},
		{"if x {\n} else", "incomplete", "\t"},
		{"q := df.Select(1).", "incomplete", "\t"},
		{"x := )", "invalid", ""},
		{"x := 1 1", "invalid", ""},
		{"%env A=1", "complete", ""},
		{"", "complete", ""},
		{"import \"fmt\"\nfmt.Println(1)", "complete", ""},
	}
	for _, c := range cases {
		got := s.IsComplete(c.code)
		if got.Status != c.status || (c.status == "incomplete" && got.Indent != c.indent) {
			t.Errorf("%q: got %+v, want %s %q", c.code, got, c.status, c.indent)
		}
	}
}

func TestComplete(t *testing.T) {
	r := newRunner(t)
	r.ok(`import ("strings"; "fmt")
type Person struct{ Name string; Age int }
func (p Person) Greet() string { return "hi " + p.Name }
func helperFunc() {}
p := Person{Name: "Ann"}
var sb strings.Builder
_ = fmt.Sprint`)
	cases := []struct {
		code  string
		want  []string // must be among the matches
		start int
	}{
		{"strings.ToU", []string{"ToUpper"}, 8},
		{"x := fmt.Spr", []string{"Sprint", "Sprintf", "Sprintln"}, 9},
		{"help", []string{"helperFunc"}, 0},
		{"p.", []string{"Greet", "Name", "Age"}, 2},
		{"sb.Wr", []string{"WriteString", "WriteByte"}, 3},
		{"for i := ra", []string{"range"}, 9},
		{"json.Unm", []string{"Unmarshal"}, 5}, // a package not imported yet
		{"str", []string{"strings", "string", "strconv"}, 0},
		{"héllo := 1; hé", []string{"héllo"}, 12}, // positions in code points
		// Chains of calls are typed from signatures, never run.
		{"strings.NewReplacer(\"(\", \")\").Repl", []string{"Replace"}, 30},
		{"x := time.Now().Add(time.Second).Tru", []string{"Truncate"}, 33},
		{"p.Greet().", nil, 10},
	}
	r.ok("héllo := 0")
	kinds := map[string]string{}
	for _, code := range []string{"strings.Buil", "strin", "helperF", "p.Na"} {
		for _, m := range r.s.Complete(code, len(code)).Metadata["_jupyter_types_experimental"].([]map[string]any) {
			kinds[m["text"].(string)] = m["type"].(string)
		}
	}
	for name, kind := range map[string]string{"Builder": "class", "strings": "module", "helperFunc": "function", "Name": "instance"} {
		if kinds[name] != kind {
			t.Errorf("kind of %s: %q, want %q", name, kinds[name], kind)
		}
	}
	for _, c := range cases {
		got := r.s.Complete(c.code, len([]rune(c.code)))
		for _, w := range c.want {
			if !slices.Contains(got.Matches, w) {
				t.Errorf("%q: %q not in %q", c.code, w, got.Matches)
			}
		}
		if got.CursorStart != c.start || got.CursorEnd != len([]rune(c.code)) {
			t.Errorf("%q: cursor %d-%d, want %d-%d", c.code, got.CursorStart, got.CursorEnd, c.start, len([]rune(c.code)))
		}
	}
}

func TestInspect(t *testing.T) {
	r := newRunner(t)
	r.ok(`import "strings"
// Double returns twice x.
func Double(x int) int { return 2 * x }
type Pt struct{ X, Y int }
// Norm is the taxicab norm.
func (p Pt) Norm() int { return p.X + p.Y }
pt := Pt{1, 2}
var sb strings.Builder
n := 21`)
	cases := []struct{ code, want string }{
		{"strings.ToUpper", "func ToUpper(s string) string\n\nToUpper returns s with all Unicode letters mapped to their upper case."},
		{"Double", "func Double(x int) int\n\nDouble returns twice x.\n"},
		{"n", "n int\n\n21"},
		{"strings", "package strings // import \"strings\""},
		{"sb.WriteString", "func (b *Builder) WriteString(s string) (int, error)\n\nWriteString appends"},
		{"pt.Norm", "func (p Pt) Norm() int\n\nNorm is the taxicab norm.\n"},
		{"strings.NewReader(\"x\").Len", "func (r *Reader) Len() int\n\nLen returns the number of bytes of the unread portion"},
	}
	for _, c := range cases {
		got := r.s.Inspect(c.code, len(c.code), 0)
		text, _ := got.Data["text/plain"].(string)
		if !got.Found || !strings.HasPrefix(text, c.want) {
			t.Errorf("%q: found %v, text %q, want prefix %q", c.code, got.Found, text, c.want)
		}
	}
	// The cursor inside the name works too.
	if got := r.s.Inspect("x := strings.ToLower(s)", 15, 0); !got.Found || !strings.HasPrefix(got.Data["text/plain"].(string), "func ToLower(") {
		t.Errorf("cursor inside: %+v", got)
	}
	// A chain's calls are not run while inspecting.
	r.ok("var calls int\nfunc bump() *strings.Builder { calls++; return &strings.Builder{} }")
	if got := r.s.Inspect("bump().WriteString", 18, 0); !got.Found || !strings.HasPrefix(got.Data["text/plain"].(string), "func (b *Builder) WriteString(") {
		t.Errorf("bump().WriteString: %+v", got)
	}
	if got := r.s.Complete("bump().Wri", 10); !slices.Contains(got.Matches, "WriteRune") {
		t.Errorf("bump().Wri: %q", got.Matches)
	}
	if got := r.s.Inspect("calls", 5, 0); got.Data["text/plain"] != "calls int\n\n0" {
		t.Errorf("completion ran a call: %q", got.Data["text/plain"])
	}
	if got := r.s.Inspect("nothingHere", 3, 0); got.Found {
		t.Errorf("unknown name found: %+v", got)
	}
}

func BenchmarkComplete(b *testing.B) {
	r := newRunner(b)
	r.ok(`import "strings"
var sb strings.Builder`)
	for _, code := range []string{"strings.To", "sb.Wr", "fm"} {
		b.Run(code, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r.s.Complete(code, len(code))
			}
		})
	}
}

func BenchmarkExecuteOnePlusOne(b *testing.B) {
	r := newRunner(b)
	for i := 0; i < b.N; i++ {
		r.ok("1 + 1")
	}
}

func BenchmarkNewSession(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Shutdown(false)
	}
}
