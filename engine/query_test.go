package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
	T "github.com/runnel-go/runnel/engine/types"
)

// waitGoroutines waits until at most n goroutines run, reporting the count.
func waitGoroutines(n int) int {
	deadline := time.Now().Add(2 * time.Second)
	for {
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStopIsPromptAndLeavesNoGoroutine(t *testing.T) {
	s, _ := newSession(t)
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	df := s.ReadStream().Schema(T.NewStructType().Add("value", "string")).Text(dir)
	triggers := map[string]engine.Trigger{
		"default":        {},
		"processingTime": engine.ProcessingTime("1 hour"),
	}
	for name, tr := range triggers {
		w := df.WriteStream().Format("console")
		if name != "default" {
			w = w.Trigger(tr)
		}
		q, err := w.Start()
		if err != nil {
			t.Fatal(err)
		}
		if !q.IsActive() {
			t.Fatalf("%s: not active after Start", name)
		}
		time.Sleep(50 * time.Millisecond)
		t0 := time.Now()
		if err := q.Stop(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("%s: Stop took %v", name, d)
		}
		if q.IsActive() {
			t.Errorf("%s: active after Stop", name)
		}
		if g := waitGoroutines(before); g > before {
			t.Errorf("%s: %d goroutines after Stop, %d before", name, g, before)
		}
	}
}

func TestTriggers(t *testing.T) {
	s, out := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "txt", "a\n", "b\n", "c\n")
	df := s.ReadStream().Option("maxFilesPerTrigger", 1).Text(dir)

	// Once: one batch holding one file (the per-trigger limit holds).
	q, err := df.WriteStream().Format("memory").QueryName("once").Trigger(engine.Once()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	n, err := s.Table("once").Count()
	if err != nil || n != 1 {
		t.Errorf("Once: %d rows, %v", n, err)
	}
	// AvailableNow: everything, one file per batch, then the query stops by itself.
	q, err = df.WriteStream().Format("memory").QueryName("now").Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := q.AwaitTerminationTimeout(5 * time.Second); !ok || err != nil {
		t.Fatalf("AvailableNow did not end: %v %v", ok, err)
	}
	expectTable(t, s.SQL("select * from now"), "\n+-----+\n|value|\n+-----+\n|    a|\n|    b|\n|    c|\n+-----+\n")
	if got := len(q.RecentProgress()); got < 3 {
		t.Errorf("AvailableNow made %d progress reports, want 3 batches", got)
	}
	// ProcessingTime: a batch per interval; everything arrives.
	q, err = df.WriteStream().Format("console").Trigger(engine.ProcessingTimeEvery(20 * time.Millisecond)).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	q.Stop()
	if c := strings.Count(out.String(), "Batch: "); c != 3 {
		t.Errorf("ProcessingTime printed %d batches:\n%s", c, out.String())
	}
	_, err = df.WriteStream().Format("console").Trigger(engine.ProcessingTime("soon")).Start()
	if err == nil {
		t.Error("a bad interval must fail")
	}
}

func TestForeachBatchErrorAndPanicStopTheQuery(t *testing.T) {
	s, _ := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "txt", "a\n")
	df := s.ReadStream().Text(dir)
	boom := errors.New("boom")
	q, err := df.WriteStream().ForeachBatch(func(*engine.DataFrame, int64) error { return boom }).Start()
	if err != nil {
		t.Fatal(err)
	}
	err = q.AwaitTermination()
	if !errors.Is(err, boom) || !errors.Is(q.Exception(), boom) || q.IsActive() {
		t.Errorf("error: %v, exception: %v", err, q.Exception())
	}
	q, err = df.WriteStream().Foreach(func(r engine.Row) error { panic(fmt.Sprint("bad row ", r.Get("value"))) }).Start()
	if err != nil {
		t.Fatal(err)
	}
	err = q.AwaitTermination()
	if err == nil || !strings.Contains(err.Error(), "panic in foreach function: bad row a") {
		t.Errorf("panic became %v", err)
	}
}

func TestStreamsManagerAndCallbackHook(t *testing.T) {
	s, out := newSession(t)
	var hooked []string
	engine.SetCallbackHook(func(w io.Writer, call func()) {
		hooked = append(hooked, "call")
		call()
	})
	t.Cleanup(func() { engine.SetCallbackHook(nil) })
	dir := t.TempDir()
	writeFiles(t, dir, "txt", "a\n")
	df := s.ReadStream().Text(dir)
	q, err := df.WriteStream().QueryName("fb").ForeachBatch(func(b *engine.DataFrame, id int64) error {
		return b.Show()
	}).Start()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Streams().Get(q.ID()); got != q {
		t.Errorf("Get(id) = %v", got)
	}
	if a := s.Streams().Active(); len(a) != 1 || a[0] != q || a[0].Name() != "fb" {
		t.Errorf("Active = %v", a)
	}
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	_, err = df.WriteStream().QueryName("fb").Format("console").Start()
	if err == nil {
		t.Error("a second active query named fb must fail")
	}
	q.Stop()
	if ok, err := s.Streams().AwaitAnyTerminationTimeout(time.Second); !ok || err != nil {
		t.Errorf("AwaitAnyTermination: %v %v", ok, err)
	}
	if len(s.Streams().Active()) != 0 {
		t.Error("stopped query still active")
	}
	if len(hooked) != 1 || out.String() != "+-----+\n|value|\n+-----+\n|    a|\n+-----+\n\n" {
		t.Errorf("hook calls %v, output %q", hooked, out.String())
	}
}

func TestQueryListener(t *testing.T) {
	s, _ := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "txt", "a\nb\n", "c\n")
	df := s.ReadStream().Option("maxFilesPerTrigger", 1).Text(dir)
	var events []string
	remove := s.Streams().AddListener(func(ev engine.QueryEvent) {
		e := ev.Kind
		if ev.Result != nil {
			n, err := ev.Result.Count()
			e += fmt.Sprintf(" batch %d: %d rows %v", ev.Progress.BatchID, n, err)
		}
		events = append(events, e)
	})
	defer remove()
	q, err := df.WriteStream().Format("console").Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTerminationContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-q.Done()
	want := "started,progress batch 0: 2 rows <nil>,progress batch 1: 1 rows <nil>,terminated"
	if got := strings.Join(events, ","); got != want {
		t.Errorf("events %s\nwant %s", got, want)
	}
}

// A query prints where output went when it started, even after the embedding program
// points the output elsewhere (a notebook's next cell).
func TestQueryOutputBoundAtStart(t *testing.T) {
	s, first := newSession(t)
	dir := t.TempDir()
	df := s.ReadStream().Text(dir)
	q, err := df.WriteStream().Format("console").Start()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop()
	second := &syncBuffer{}
	engine.SetOutput(func() io.Writer { return second })
	writeFiles(t, dir, "txt", "late\n")
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDataFrame([][]any{{"x"}}, "v").Show(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first.String(), "|value|\n+-----+\n| late|\n") {
		t.Errorf("console output went elsewhere: first %q, second %q", first.String(), second.String())
	}
	if second.String() != "+---+\n|  v|\n+---+\n|  x|\n+---+\n\n" {
		t.Errorf("Show after the switch: %q", second.String())
	}
}
