package reliability

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
)

// TestBadCallbacksStopOnlyTheirQuery: a panic, a nil dereference, an error in ForeachBatch
// or Foreach ends that query with an Exception saying what happened; the process and a
// neighbouring query keep running.
func TestBadCallbacksStopOnlyTheirQuery(t *testing.T) {
	s := newSession(t)
	src := s.ReadStream().Format("rate").Option("rowsPerSecond", 1000).Load()
	// The neighbour: a query that must outlive every bad one.
	var seen atomic.Int64
	neighbour, err := src.WriteStream().ForeachBatch(func(df *engine.DataFrame, _ int64) error {
		n, err := df.Count()
		seen.Add(n)
		return err
	}).Trigger(engine.ProcessingTime("50 milliseconds")).Start()
	if err != nil {
		t.Fatal(err)
	}
	defer neighbour.Stop()

	// The bad queries read one small file: their first batch starts at once.
	dir := t.TempDir()
	writeAt(t, dir, "a.json", []byte(`{"v":1}`+"\n"), 0)
	bad := s.ReadStream().SchemaDDL("v INT").JSON(dir)

	type point struct{ x int }
	cases := []struct {
		name string
		want string
		fb   func(*engine.DataFrame, int64) error
		fe   func(engine.Row) error
	}{
		{name: "panic", want: "panic in foreachBatch function: boom",
			fb: func(*engine.DataFrame, int64) error { panic("boom") }},
		{name: "nil dereference", want: "panic in foreachBatch function: runtime error: invalid memory address or nil pointer dereference",
			fb: func(*engine.DataFrame, int64) error {
				var p *point
				return fmt.Errorf("unreachable %d", p.x)
			}},
		{name: "error", want: "bad batch",
			fb: func(*engine.DataFrame, int64) error { return errors.New("bad batch") }},
		{name: "panic with error", want: "panic in foreachBatch function: runtime error: index out of range [3] with length 0",
			fb: func(*engine.DataFrame, int64) error {
				var xs []int
				i := 3
				return fmt.Errorf("unreachable %d", xs[i])
			}},
		{name: "foreach panic", want: "panic in foreach function: row boom",
			fe: func(engine.Row) error { panic("row boom") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := bad.WriteStream()
			if c.fb != nil {
				w = w.ForeachBatch(c.fb)
			} else {
				w = w.Foreach(c.fe)
			}
			q, err := w.Start()
			if err != nil {
				t.Fatal(err)
			}
			err = q.AwaitTermination()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("AwaitTermination = %v, want it to contain %q", err, c.want)
			}
			if q.Exception() == nil || q.Exception().Error() != err.Error() {
				t.Errorf("Exception() = %v, AwaitTermination = %v", q.Exception(), err)
			}
			if q.IsActive() {
				t.Error("the failed query is still active")
			}
		})
	}
	before := seen.Load()
	deadline := time.Now().Add(5 * time.Second)
	for seen.Load() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !neighbour.IsActive() || neighbour.Exception() != nil || seen.Load() == before {
		t.Fatalf("the neighbouring query: active %v, exception %v, rows %d then %d", neighbour.IsActive(), neighbour.Exception(), before, seen.Load())
	}
	if err := neighbour.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestStopReturnsWhileForeachBatchSpins: ForeachBatch stuck in a loop that checks nothing
// cannot be preempted (Go cannot kill a goroutine), but Stop still returns, after
// spark.sql.streaming.stopTimeout, with Spark's error; once the loop ends the query's
// goroutine exits and nothing is left behind.
func TestStopReturnsWhileForeachBatchSpins(t *testing.T) {
	s := newSession(t)
	s.Conf().Set("spark.sql.streaming.stopTimeout", "1000")
	base := runtime.NumGoroutine()
	var release, entered atomic.Bool
	dir := t.TempDir()
	writeAt(t, dir, "a.json", []byte(`{"v":1}`+"\n"), 0)
	q, err := s.ReadStream().SchemaDDL("v INT").JSON(dir).WriteStream().QueryName("spinner").
		ForeachBatch(func(*engine.DataFrame, int64) error {
			entered.Store(true)
			// The test's stand-in for an endless loop: it spins until the test lets it go,
			// so the goroutine does not burn a core for the rest of the run.
			for !release.Load() {
			}
			return nil
		}).Start()
	if err != nil {
		t.Fatal(err)
	}
	for !entered.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	err = q.Stop()
	want := "Stream Execution thread for stream spinner [id = " + q.ID() + ", runId = " + q.RunID() + "] failed to stop within 1000 milliseconds"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Stop = %v, want %q", err, want)
	}
	// A second Stop returns too.
	if err := q.Stop(); err == nil {
		t.Fatal("second Stop: nil while the batch still spins")
	}
	release.Store(true)
	if err := q.AwaitTermination(); err != nil {
		t.Fatalf("AwaitTermination after the loop ended: %v", err)
	}
	if q.IsActive() {
		t.Fatal("still active")
	}
	if g := goroutinesBackTo(base, 5*time.Second); g > base {
		t.Fatalf("%d goroutines after the query ended, %d before it", g, base)
	}
}
