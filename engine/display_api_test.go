package engine_test

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine"
)

func TestShowCells(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{{"LiLei", 12}, {"a\tb", 3}, {"Lily", 15}}, "name", "age")
	got, err := df.ShowCells(2, 20)
	if err != nil {
		t.Fatal(err)
	}
	want := &engine.ShownTable{
		Header: []string{"name", "age"}, Rows: [][]string{{"LiLei", "12"}, {`a\tb`, "3"}},
		More: true, NumRows: 2, Truncate: 20,
		Text: "+-----+---+\n| name|age|\n+-----+---+\n|LiLei| 12|\n| a\\tb|  3|\n+-----+---+\nonly showing top 2 rows\n",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ShowCells = %#v, want %#v", got, want)
	}
}

// The hook's DataFrame carries the cells of the very evaluation its text came from:
// with rand() a second evaluation would differ.
func TestShowHookGetsShownTable(t *testing.T) {
	s, _ := newSession(t)
	df := s.Range(5).SelectExpr("id", "rand() as r")
	var shown *engine.ShownTable
	var text string
	engine.SetShowHook(func(w io.Writer, df *engine.DataFrame, txt string) bool {
		shown, text = df.Shown(), txt
		return true
	})
	t.Cleanup(func() { engine.SetShowHook(nil) })
	if err := df.ShowTruncate(3, 0); err != nil {
		t.Fatal(err)
	}
	if shown == nil || shown.Text+"\n" != text || shown.NumRows != 3 || shown.Truncate != 0 || len(shown.Rows) != 3 || !shown.More {
		t.Fatalf("hook got %#v with text %q", shown, text)
	}
	for _, r := range shown.Rows {
		if !strings.Contains(text, "|"+r[0]+" ") || !strings.Contains(text, r[1]) {
			t.Errorf("cell %q not in the text %q", r[1], text)
		}
	}
	if df.Shown() != nil {
		t.Error("Shown is set only on the hook's DataFrame")
	}
}

// LastResult is the result of the latest batch that ran: after AvailableNow ran one
// file per batch, the last file's rows and batch 2 (even once the query has ended).
func TestLastResult(t *testing.T) {
	s, _ := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "txt", "a\n", "b\nc\n", "d\n")
	df := s.ReadStream().Option("maxFilesPerTrigger", 1).Text(dir)
	q, err := df.WriteStream().Format("memory").QueryName("files").Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	res, id := q.LastResult()
	if res == nil || id != 2 {
		t.Fatalf("LastResult = %v, batch %d; want batch 2", res, id)
	}
	expectTable(t, res, "\n+-----+\n|value|\n+-----+\n|    d|\n+-----+\n")
	if p := q.LastProgress(); p == nil || p.BatchID != id {
		t.Errorf("LastProgress %v, want batch %d", p, id)
	}
}

// A query's own listener gets its terminated event even when the manager forgot the
// query's wrapper in between (listing the active queries forgets those that ended).
func TestQueryListenerGetsTerminated(t *testing.T) {
	s, _ := newSession(t)
	start := func(name string) *engine.StreamingQuery {
		q, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName(name).Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop() })
		return q
	}
	first, other := start("first"), start("other")
	remove := s.Streams().AddListener(func(ev engine.QueryEvent) {
		if ev.Kind == "terminated" && ev.Query.Name() == "first" {
			s.Streams().Active()
		}
	})
	defer remove()
	var kinds []string
	removeOwn := first.AddListener(func(ev engine.QueryEvent) {
		if ev.Kind == "terminated" {
			kinds = append(kinds, ev.Kind)
		}
	})
	defer removeOwn()
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	if !other.IsActive() || len(kinds) != 1 {
		t.Errorf("the query's listener got %v when it stopped, want its terminated event", kinds)
	}
}
