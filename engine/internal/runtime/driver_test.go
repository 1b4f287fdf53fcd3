package runtime

import (
	"errors"
	"fmt"
	"reflect"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/source"
)

func mustStart(t *testing.T, cfg Config) *Query {
	t.Helper()
	q, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = q.Stop() })
	return q
}

func baseConfig(src source.Source, ex Executor, sink Sink) Config {
	return Config{Name: "q", Sources: []source.Source{src}, Executor: ex, Sink: sink}
}

func TestDefaultTriggerRunsABatchPerNewData(t *testing.T) {
	src := newFakeSource("Fake[a]")
	src.add(1, 2, 3)
	sink := newFakeSink()
	q := mustStart(t, baseConfig(src, newFakeExecutor(), sink))
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	src.add(4, 5)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	ids, vals := sink.snapshot()
	if !reflect.DeepEqual(ids, []int64{0, 1}) || !reflect.DeepEqual(vals, [][]int64{{1, 2, 3}, {4, 5}}) {
		t.Fatalf("batches %v %v, want [0 1] [[1 2 3] [4 5]]", ids, vals)
	}
	src.mu.Lock()
	commits := append([]source.Offset(nil), src.commits...)
	src.mu.Unlock()
	if !reflect.DeepEqual(commits, []source.Offset{`{"n":3}`, `{"n":5}`}) {
		t.Errorf("commits %v", commits)
	}
	if !q.IsActive() {
		t.Error("query not active")
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	if q.IsActive() || q.Exception() != nil {
		t.Errorf("after Stop: active %v exception %v", q.IsActive(), q.Exception())
	}
	if st := q.Status(); st != (Status{Message: "Stopped"}) {
		t.Errorf("status %+v", st)
	}
	src.mu.Lock()
	closed := src.closed
	src.mu.Unlock()
	if !closed {
		t.Error("source not closed")
	}
}

func TestProcessingTimeTriggersOnIntervalMultiples(t *testing.T) {
	clock := newFakeClock(time.UnixMilli(10_250), true)
	src := newFakeSource("Fake")
	for i := range 100 {
		src.add(int64(i))
	}
	src.maxPerTrigger = 1
	ex := newFakeExecutor()
	ex.onBatch = func(in BatchInput) {
		if in.BatchID == 2 {
			clock.Advance(1500 * time.Millisecond) // overruns the interval
		} else {
			clock.Advance(300 * time.Millisecond)
		}
	}
	sink := newFakeSink()
	cfg := baseConfig(src, ex, sink)
	cfg.Clock = clock
	cfg.Trigger = Trigger{Kind: TriggerProcessingTime, IntervalMicros: 1_000_000}
	q := mustStart(t, cfg)
	for range 5 {
		<-sink.added
	}
	_ = q.Stop()
	var got []int64
	for _, in := range ex.recorded()[:5] {
		got = append(got, in.TimestampMicros/1000)
	}
	// Batch 0 at start; then on multiples of 1 s; batch 2 ends at 13.5 s, past 13 s, so
	// batch 3 starts at once; batch 4 on the next multiple.
	want := []int64{10_250, 11_000, 12_000, 13_500, 14_000}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batch times %v, want %v", got, want)
	}
}

func TestProcessingTimeRunsNoBatchWithoutData(t *testing.T) {
	clock := newFakeClock(time.UnixMilli(0), true)
	src := newFakeSource("Fake")
	src.add(1)
	ex := newFakeExecutor()
	sink := newFakeSink()
	cfg := baseConfig(src, ex, sink)
	cfg.Clock = clock
	cfg.Trigger = Trigger{Kind: TriggerProcessingTime, IntervalMicros: 1_000_000}
	q := mustStart(t, cfg)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	// Let many idle triggers pass (simulated time runs on).
	for clock.Now().Before(time.UnixMilli(60_000)) {
		goruntime.Gosched()
	}
	_ = q.Stop()
	if n := len(ex.recorded()); n != 1 {
		t.Fatalf("%d batches, want 1", n)
	}
}

func TestOnceRunsOneBatchThenStops(t *testing.T) {
	src := newFakeSource("Fake")
	src.add(1, 2, 3, 4, 5)
	src.maxPerTrigger = 2
	sink := newFakeSink()
	cfg := baseConfig(src, newFakeExecutor(), sink)
	cfg.Trigger = Trigger{Kind: TriggerOnce}
	q := mustStart(t, cfg)
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	ids, vals := sink.snapshot()
	if !reflect.DeepEqual(ids, []int64{0}) || !reflect.DeepEqual(vals, [][]int64{{1, 2}}) {
		t.Fatalf("batches %v %v", ids, vals)
	}
	if q.IsActive() {
		t.Error("still active")
	}
}

func TestAvailableNowHonoursLimitsThenStops(t *testing.T) {
	src := availableNowSource{newFakeSource("Fake")}
	src.add(1, 2, 3, 4, 5)
	src.maxPerTrigger = 2
	sink := newFakeSink()
	ex := newFakeExecutor()
	// Rows arriving while the query runs are not part of "available now".
	ex.onBatch = func(in BatchInput) {
		if in.BatchID == 0 {
			src.add(6, 7)
		}
	}
	cfg := baseConfig(src, ex, sink)
	cfg.Trigger = Trigger{Kind: TriggerAvailableNow}
	q := mustStart(t, cfg)
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	ids, vals := sink.snapshot()
	if !reflect.DeepEqual(ids, []int64{0, 1, 2}) || !reflect.DeepEqual(vals, [][]int64{{1, 2}, {3, 4}, {5}}) {
		t.Fatalf("batches %v %v", ids, vals)
	}
}

func TestAvailableNowRunsFinalNoDataBatch(t *testing.T) {
	src := availableNowSource{newFakeSource("Fake")}
	src.add(10_000_000, 20_000_000) // event times in micros: 10 s and 20 s
	src.maxPerTrigger = 1
	ex := newFakeExecutor()
	ex.delays = []int64{5_000_000}
	// State holds a window ending at 18 s: evictable once the watermark reaches it.
	ex.pending = func(wm int64) bool { return wm >= 15_000_000 }
	sink := newFakeSink()
	cfg := baseConfig(src, ex, sink)
	cfg.Trigger = Trigger{Kind: TriggerAvailableNow}
	q := mustStart(t, cfg)
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ex.recorded() {
		got = append(got, fmt.Sprintf("%d wm=%d nodata=%v", in.BatchID, in.WatermarkMicros, in.NoData))
	}
	want := []string{"0 wm=0 nodata=false", "1 wm=5000000 nodata=false", "2 wm=15000000 nodata=true"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batches %q, want %q", got, want)
	}
}

func TestStopWithinOneSecondLeavesNoGoroutine(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trigger Trigger
		block   bool
		ignore  bool
	}{
		{"idle default trigger", Trigger{}, false, false},
		{"waiting processing-time trigger", Trigger{Kind: TriggerProcessingTime, IntervalMicros: 3600e6}, false, false},
		{"source blocked on its context", Trigger{}, true, false},
		{"source ignoring its context", Trigger{}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := goruntime.NumGoroutine()
			src := newFakeSource("Fake")
			src.add(1)
			src.block, src.ignoreCtx = tc.block, tc.ignore
			sink := newFakeSink()
			cfg := baseConfig(src, newFakeExecutor(), sink)
			cfg.Trigger = tc.trigger
			q, err := Start(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.block {
				<-sink.added
			}
			time.Sleep(20 * time.Millisecond) // let it settle into its wait
			start := time.Now()
			if err := q.Stop(); err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el > time.Second {
				t.Errorf("Stop took %v", el)
			}
			if q.Exception() != nil {
				t.Errorf("exception after Stop: %v", q.Exception())
			}
			var after int
			for range 100 {
				if after = goruntime.NumGoroutine(); after <= before {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if after > before {
				t.Errorf("goroutines: %d before, %d after Stop", before, after)
			}
		})
	}
}

func TestFailuresBecomeTheQueryException(t *testing.T) {
	cases := []struct {
		name  string
		setup func(src *fakeSource, ex *fakeExecutor, sink *fakeSink)
		cause string
	}{
		{"sink error", func(_ *fakeSource, _ *fakeExecutor, s *fakeSink) { s.err = errors.New("disk full") }, "disk full"},
		{"sink panic", func(_ *fakeSource, _ *fakeExecutor, s *fakeSink) { s.panics = true }, "panic in sink: sink panicked at batch 0"},
		{"executor error", func(_ *fakeSource, e *fakeExecutor, _ *fakeSink) { e.failAt = 0 }, "executor failed on purpose"},
		{"executor panic", func(_ *fakeSource, e *fakeExecutor, _ *fakeSink) { e.panicAt = 0 }, "panic in executor: executor kaput"},
		{"source error", func(s *fakeSource, _ *fakeExecutor, _ *fakeSink) { s.latestErr = errors.New("no such directory") }, "no such directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := newFakeSource("Fake")
			src.add(1)
			ex, sink := newFakeExecutor(), newFakeSink()
			tc.setup(src, ex, sink)
			cfg := baseConfig(src, ex, sink)
			cfg.Name = "wordcount"
			cfg.ID = "11111111-2222-3333-4444-555555555555"
			cfg.RunID = "66666666-7777-8888-9999-000000000000"
			q := mustStart(t, cfg)
			err := q.AwaitTermination()
			want := "Query wordcount [id = 11111111-2222-3333-4444-555555555555, runId = 66666666-7777-8888-9999-000000000000] terminated with exception: " + tc.cause
			if err == nil || err.Error() != want {
				t.Fatalf("AwaitTermination = %v\nwant %s", err, want)
			}
			if ex := q.Exception(); ex == nil || ex.Error() != want {
				t.Fatalf("Exception = %v", ex)
			}
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("not a *QueryError: %T", err)
			}
			if q.IsActive() {
				t.Error("still active")
			}
			if err := q.ProcessAllAvailable(); err == nil || err.Error() != want {
				t.Errorf("ProcessAllAvailable = %v", err)
			}
			ok, err := q.AwaitTerminationTimeout(time.Millisecond)
			if !ok || err == nil || err.Error() != want {
				t.Errorf("AwaitTerminationTimeout = %v, %v", ok, err)
			}
		})
	}
}

func TestUnnamedQueryExceptionText(t *testing.T) {
	src := newFakeSource("Fake")
	src.add(1)
	sink := newFakeSink()
	sink.err = errors.New("boom")
	cfg := baseConfig(src, newFakeExecutor(), sink)
	cfg.Name = ""
	cfg.ID, cfg.RunID = "a", "b"
	q := mustStart(t, cfg)
	if err := q.AwaitTermination(); err == nil || err.Error() != "Query [id = a, runId = b] terminated with exception: boom" {
		t.Fatalf("got %v", err)
	}
}

func TestStopFromInsideTheSink(t *testing.T) {
	src := newFakeSource("Fake")
	src.add(1)
	sink := newFakeSink()
	var q *Query
	started := make(chan struct{})
	sink.onBatch = func(int64) {
		<-started
		if err := q.Stop(); err != nil {
			t.Errorf("Stop inside sink: %v", err)
		}
		if err := q.AwaitTermination(); err != errOwnGoroutine {
			t.Errorf("AwaitTermination inside sink: %v", err)
		}
	}
	q, err := Start(baseConfig(src, newFakeExecutor(), sink))
	if err != nil {
		t.Fatal(err)
	}
	close(started)
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
}

func TestNoDataBatchRunsWhenStateIsPending(t *testing.T) {
	src := newFakeSource("Fake")
	ex := newFakeExecutor()
	ex.delays = []int64{2_000_000}
	ex.pending = func(wm int64) bool { return wm >= 8_000_000 }
	sink := newFakeSink()
	q := mustStart(t, baseConfig(src, ex, sink))
	src.add(5_000_000)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	// Watermark 3 s: nothing to evict, no extra batch.
	src.add(10_000_000)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	// Watermark 8 s after batch 1: a no-data batch runs, once.
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	_ = q.Stop()
	var got []string
	for _, in := range ex.recorded() {
		got = append(got, fmt.Sprintf("%d wm=%d nodata=%v rows=%d", in.BatchID, in.WatermarkMicros, in.NoData, rowsIn(in)))
	}
	want := []string{"0 wm=0 nodata=false rows=1", "1 wm=3000000 nodata=false rows=1", "2 wm=8000000 nodata=true rows=0"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batches %q\nwant %q", got, want)
	}
	p := q.RecentProgress()
	last := p[len(p)-1]
	if last.BatchID != 2 || last.NumInputRows != 0 || last.EventTime["watermark"] != "1970-01-01T00:00:08.000Z" {
		t.Errorf("no-data batch progress %s", last.JSON())
	}
}

func rowsIn(in BatchInput) int {
	n := 0
	for _, bs := range in.Sources {
		for _, b := range bs {
			n += b.N
		}
	}
	return n
}

func TestNoDataBatchesCanBeDisabled(t *testing.T) {
	src := newFakeSource("Fake")
	ex := newFakeExecutor()
	ex.delays = []int64{0}
	ex.pending = func(int64) bool { return true }
	cfg := baseConfig(src, ex, newFakeSink())
	cfg.Conf = map[string]string{"spark.sql.streaming.noDataMicroBatches.enabled": "false"}
	q := mustStart(t, cfg)
	src.add(5_000_000)
	for range 3 {
		if err := q.ProcessAllAvailable(); err != nil {
			t.Fatal(err)
		}
	}
	_ = q.Stop()
	if n := len(ex.recorded()); n != 1 {
		t.Fatalf("%d batches, want 1", n)
	}
}

// finishingSource is a fakeSource whose data ends for good once finished is set.
type finishingSource struct {
	*fakeSource
	finished bool
}

func (s *finishingSource) Finished() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finished
}

func TestQueryEndsWhenEverySourceFinished(t *testing.T) {
	src := &finishingSource{fakeSource: newFakeSource("Socket")}
	src.add(1, 2)
	sink := newFakeSink()
	q := mustStart(t, baseConfig(src, newFakeExecutor(), sink))
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	if !q.IsActive() {
		t.Fatal("ended before its source finished")
	}
	src.mu.Lock()
	src.rows = append(src.rows, 3)
	src.finished = true // the peer sent a last line and closed
	src.mu.Unlock()
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	if _, vals := sink.snapshot(); !reflect.DeepEqual(vals, [][]int64{{1, 2}, {3}}) {
		t.Fatalf("batches %v", vals)
	}
}

func TestStopTimesOutOnAStuckSink(t *testing.T) {
	src := newFakeSource("Fake")
	src.add(1)
	sink := newFakeSink()
	release := make(chan struct{})
	entered := make(chan struct{})
	sink.onBatch = func(int64) {
		close(entered)
		<-release // a user function that ignores cancellation
	}
	cfg := baseConfig(src, newFakeExecutor(), sink)
	cfg.ID, cfg.RunID = "i", "r"
	cfg.Conf = map[string]string{"spark.sql.streaming.stopTimeout": "600"}
	q := mustStart(t, cfg)
	<-entered
	err := q.Stop()
	want := "Stream Execution thread for stream q [id = i, runId = r] failed to stop within 600 milliseconds (specified by spark.sql.streaming.stopTimeout). See the cause on what was being executed in the streaming query thread."
	if err == nil || err.Error() != want {
		t.Fatalf("Stop = %v", err)
	}
	if !q.IsActive() {
		t.Error("inactive while its sink still runs")
	}
	close(release)
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
}
