package main

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/magics"
)

// recorder is a kernel.Publisher that keeps what a cell sends.
type recorder struct {
	mu  sync.Mutex
	out strings.Builder
}

func (r *recorder) Stream(name, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.WriteString(text)
}

// Display keeps the text/plain form: a table shown as display_data reads as the text
// Show prints.
func (r *recorder) Display(data kernel.MIMEBundle, metadata map[string]any, displayID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if text, ok := data["text/plain"].(string); ok {
		r.out.WriteString(text)
	}
}
func (r *recorder) UpdateDisplay(data kernel.MIMEBundle, metadata map[string]any, displayID string) {
}
func (r *recorder) ClearOutput(wait bool) {}
func (r *recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}
func (r *recorder) Active() kernel.Publisher { return r }

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func startSession(t *testing.T) *interpSession {
	t.Helper()
	set := magics.New()
	s, closeDisplay, err := newSession(set)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(false); closeDisplay() })
	return &interpSession{t: t, s: s}
}

type interpSession struct {
	t *testing.T
	s interface {
		Execute(context.Context, kernel.ExecuteRequest, kernel.Publisher) kernel.ExecuteResult
		Complete(string, int) kernel.CompleteReply
		Inspect(string, int, int) kernel.InspectReply
	}
	n int
}

func (is *interpSession) run(code string) (kernel.ExecuteResult, string) {
	is.t.Helper()
	is.n++
	rec := &recorder{}
	res := is.s.Execute(context.Background(), kernel.ExecuteRequest{Code: code, StoreHistory: true, ExecutionCount: is.n}, rec)
	if res.Status == "error" {
		is.t.Fatalf("cell %q: %s: %s", code, res.Ename, res.Evalue)
	}
	return res, rec.String()
}

const prelude = `import (
	"fmt"
	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)
spark := engine.Builder().AppName("test").GetOrCreate()
schema := T.NewStructType().Add("value", "string")
df := spark.CreateDataFrame([][]any{{"a b"}, {"b"}}).ToDF("value")
words := df.Select(F.Explode(F.Split(df.Col("value"), " ")).Alias("word"))
fmt.Println(schema.Names())`

// TestEngineInCells runs the engine from cells by the import paths of API.md and checks
// that Show prints Spark's table into the cell.
func TestEngineInCells(t *testing.T) {
	is := startSession(t)
	_, out := is.run(prelude)
	if out != "[value]\n" {
		t.Fatalf("prelude printed %q", out)
	}
	_, out = is.run(`words.GroupBy("word").Count().OrderBy("word").Show()`)
	want := "+----+-----+\n|word|count|\n+----+-----+\n|   a|    1|\n|   b|    2|\n+----+-----+"
	if strings.TrimSpace(out) != want {
		t.Errorf("Show printed\n%q\nwant\n%q", out, want)
	}
}

// TestEngineCompletion: completion and inspection know the engine API (issue 5.5).
func TestEngineCompletion(t *testing.T) {
	is := startSession(t)
	is.run(prelude)
	for _, c := range []struct {
		code string
		want []string
		not  []string
	}{
		{"df.", []string{"Select", "WithWatermark", "GroupBy", "WriteStream", "Show"}, []string{"plan", "err"}},
		{"F.Win", []string{"Window"}, nil},
		{"spark.ReadStream().", []string{"Format", "Option", "Schema", "CSV", "Load"}, nil},
		{`spark.ReadStream().Option("sep", ".").Schema(schema).CSV("x").`, []string{"Select", "WithWatermark"}, nil},
		{`df.WriteStream().OutputMode("update").`, []string{"Format", "ForeachBatch", "Start", "Trigger"}, nil},
		{`df.GroupBy("word").`, []string{"Count", "Agg"}, nil},
		{"spark.", []string{"ReadStream", "SQL", "CreateDataFrame"}, []string{"mu", "views"}},
	} {
		got := is.s.Complete(c.code, len([]rune(c.code)))
		for _, w := range c.want {
			if !slices.Contains(got.Matches, w) {
				t.Errorf("%q: %q not among %q", c.code, w, got.Matches)
			}
		}
		for _, n := range c.not {
			if slices.Contains(got.Matches, n) {
				t.Errorf("%q: unexported %q offered", c.code, n)
			}
		}
	}
	for _, c := range []struct{ code, want string }{
		{"F.Window", "func Window(timeColumn any, windowDuration string, slideAndStart ...string) Column\n\nWindow groups event times"},
		{"df.WithWatermark", "func (df *DataFrame) WithWatermark(eventTime, delay string) *DataFrame\n\nWithWatermark declares"},
		{"spark.ReadStream().Format", "func (r *DataStreamReader) Format(f string) *DataStreamReader\n\nFormat sets the source format"},
		{"engine.DataFrame", "type DataFrame struct"},
	} {
		got := is.s.Inspect(c.code, len(c.code), 0)
		text, _ := got.Data["text/plain"].(string)
		if !got.Found || !strings.HasPrefix(text, c.want) {
			t.Errorf("inspect %q: found %v, %q; want prefix %q", c.code, got.Found, text, c.want)
		}
	}
}
