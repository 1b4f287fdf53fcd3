package reliability

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
)

// leakCheck records the goroutines and live heap before a load test and, when the test
// has stopped its queries and session, checks both came back: goroutines to the
// baseline, the heap after GC within slack bytes of it.
func leakCheck(t *testing.T, slack uint64) func() {
	t.Helper()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	return func() {
		t.Helper()
		if g := goroutinesBackTo(g0, 10*time.Second); g > g0 {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left running, %d before the load:\n%s", g, g0, buf[:runtime.Stack(buf, true)])
		}
		var after runtime.MemStats
		for range 3 {
			runtime.GC()
		}
		runtime.ReadMemStats(&after)
		if after.HeapAlloc > before.HeapAlloc+slack {
			t.Fatalf("live heap %d MB after the load stopped, %d MB before (allowed: +%d MB)",
				after.HeapAlloc>>20, before.HeapAlloc>>20, slack>>20)
		}
		t.Logf("goroutines %d -> %d; live heap %d MB -> %d MB", g0, runtime.NumGoroutine(), before.HeapAlloc>>20, after.HeapAlloc>>20)
	}
}

// TestTenMillionRowsThroughOneQuery streams at least 10M rate rows through a grouped
// aggregation; after every batch the running totals must be exact: as many rows as
// values seen, and their sum n(n-1)/2 (the rate source's values are 0, 1, 2, ...).
func TestTenMillionRowsThroughOneQuery(t *testing.T) {
	const target = 10_000_000
	check := leakCheck(t, 32<<20)
	s := engine.NewSession()
	// Stop waits for the batch in progress (millions of rows: slow on a loaded machine or
	// under -race) rather than giving up after the default 5 s.
	s.Conf().Set("spark.sql.streaming.stopTimeout", "120000")
	rate := s.ReadStream().Format("rate").Option("rowsPerSecond", 5_000_000).Load()
	agg := rate.SelectExpr("value % 7 AS k", "value").GroupBy("k").
		Agg(F.Count("*").Alias("n"), F.Sum("value").Alias("s"), F.Max("value").Alias("m"))
	var (
		mu      sync.Mutex
		rows    int64
		bad     error
		batches int
	)
	reached := make(chan struct{})
	q, err := agg.WriteStream().OutputMode("complete").ForeachBatch(func(df *engine.DataFrame, id int64) error {
		out, err := df.Collect()
		if err != nil {
			return err
		}
		var n, sum, maxV int64 = 0, 0, -1
		for _, r := range out {
			n += r.Get("n").(int64)
			sum += r.Get("s").(int64)
			maxV = max(maxV, r.Get("m").(int64))
		}
		mu.Lock()
		defer mu.Unlock()
		batches++
		if n != maxV+1 || sum != n*(n-1)/2 {
			bad = fmt.Errorf("batch %d: %d rows, sum %d, max %d: want max+1 rows and sum n(n-1)/2", id, n, sum, maxV)
		}
		if rows < target && n >= target {
			close(reached)
		}
		rows = n
		return nil
	}).Start()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	s.Stop()
	mu.Lock()
	defer mu.Unlock()
	if q.Exception() != nil || bad != nil || rows < target {
		t.Fatalf("exception %v; check %v; %d rows in %d batches (want %d)", q.Exception(), bad, rows, batches, target)
	}
	t.Logf("%d rows in %d batches in %v, totals exact after every batch", rows, batches, elapsed.Round(time.Millisecond))
	check()
}

// loadDuration is how long the concurrent-queries test runs: 15 s in the suite, or
// RUNNEL_SOAK (a Go duration, e.g. RUNNEL_SOAK=10m) for a soak.
func loadDuration(t *testing.T) time.Duration {
	if v := os.Getenv("RUNNEL_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("RUNNEL_SOAK=%q: %v", v, err)
		}
		return d
	}
	return 15 * time.Second
}

// loadQuery is one query of the concurrent load with the check its batches must pass.
type loadQuery struct {
	q    *engine.StreamingQuery
	mu   sync.Mutex
	rows int64
	err  error // the first failed check
	fin  func() error
}

func (l *loadQuery) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

func (l *loadQuery) add(n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows += n
}

// TestTwentyConcurrentQueries runs 20 queries of four kinds at once in one session for
// loadDuration, each checking its own results batch by batch: a projection of the rate
// source (values contiguous, computed column right), a grouped running count (exact
// totals), event-time windows with a watermark (each window once, never over-counted),
// and a file source fed by a writer while it runs (every row exactly once). Afterwards
// every query stops cleanly and goroutines and heap are back where they were.
func TestTwentyConcurrentQueries(t *testing.T) {
	check := leakCheck(t, 32<<20)
	d := loadDuration(t)
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	s.Conf().Set("spark.sql.shuffle.partitions", "4")
	stopWriters := make(chan struct{})
	var writers sync.WaitGroup
	var qs []*loadQuery
	for i := range 20 {
		l := &loadQuery{}
		var (
			w   *engine.DataStreamWriter
			err error
		)
		switch i % 4 {
		case 0:
			next := int64(0)
			w = s.ReadStream().Format("rate").Option("rowsPerSecond", 1000).Option("numPartitions", 2).Load().
				SelectExpr("value", "value * 3 AS triple").WriteStream().
				ForeachBatch(func(df *engine.DataFrame, id int64) error {
					rows, err := df.OrderBy("value").Collect()
					if err != nil {
						return err
					}
					for _, r := range rows {
						v, tr := r.Get("value").(int64), r.Get("triple").(int64)
						if v != next || tr != 3*v {
							l.fail(fmt.Errorf("batch %d: value %d triple %d, want value %d", id, v, tr, next))
						}
						next = v + 1
					}
					l.add(int64(len(rows)))
					return nil
				})
		case 1:
			w = s.ReadStream().Format("rate").Option("rowsPerSecond", 500).Load().
				SelectExpr("value % 5 AS k", "value").GroupBy("k").Agg(F.Count("*").Alias("n"), F.Max("value").Alias("m")).
				WriteStream().OutputMode("complete").
				ForeachBatch(func(df *engine.DataFrame, id int64) error {
					rows, err := df.Collect()
					if err != nil {
						return err
					}
					var n, m int64 = 0, -1
					for _, r := range rows {
						n += r.Get("n").(int64)
						m = max(m, r.Get("m").(int64))
					}
					if n != m+1 {
						l.fail(fmt.Errorf("batch %d: count %d, max value %d", id, n, m))
					}
					l.mu.Lock()
					l.rows = n
					l.mu.Unlock()
					return nil
				})
		case 2:
			// The rate source spaces its rows 2 ms apart (500 a second), so every 1-second
			// window holds exactly 500 rows but the first, which starts with the query.
			counts := map[time.Time]int64{}
			rate := s.ReadStream().Format("rate").Option("rowsPerSecond", 500).Load()
			w = rate.WithWatermark("timestamp", "1 second").GroupBy(F.Window(rate.Col("timestamp"), "1 second")).Count().
				SelectExpr("window.start AS start", "count").WriteStream().OutputMode("append").
				ForeachBatch(func(df *engine.DataFrame, id int64) error {
					rows, err := df.Collect()
					if err != nil {
						return err
					}
					for _, r := range rows {
						start, n := r.Get("start").(time.Time), r.Get("count").(int64)
						if _, dup := counts[start]; dup || n > 500 {
							l.fail(fmt.Errorf("batch %d: window %v count %d (emitted before: %v)", id, start, n, dup))
						}
						counts[start] = n
						l.add(n)
					}
					return nil
				})
			l.fin = func() error {
				var first time.Time
				for start := range counts {
					if first.IsZero() || start.Before(first) {
						first = start
					}
				}
				for start, n := range counts {
					if start != first && n != 500 {
						return fmt.Errorf("window %v holds %d rows, want 500", start, n)
					}
				}
				if len(counts) == 0 {
					return fmt.Errorf("no window emitted")
				}
				return nil
			}
		case 3:
			dir := t.TempDir()
			written := 0
			writers.Add(1)
			// The writer adds a file of 20 rows every 100 ms until the load ends.
			go func() {
				defer writers.Done()
				tick := time.NewTicker(100 * time.Millisecond)
				defer tick.Stop()
				for f := 0; ; f++ {
					select {
					case <-stopWriters:
						written = f * 20
						return
					case <-tick.C:
					}
					var b []byte
					for r := range 20 {
						b = fmt.Appendf(b, "{\"id\":%d}\n", f*20+r)
					}
					tmp := fmt.Sprintf("%s/.%d.tmp", dir, f)
					err := os.WriteFile(tmp, b, 0o644)
					if err == nil {
						err = os.Rename(tmp, fmt.Sprintf("%s/%06d.json", dir, f))
					}
					if err != nil {
						t.Errorf("writer: %v", err)
						written = f * 20
						return
					}
				}
			}()
			ids := map[int64]int{}
			w = s.ReadStream().SchemaDDL("id LONG").Option("maxFilesPerTrigger", 3).JSON(dir).WriteStream().
				ForeachBatch(func(df *engine.DataFrame, id int64) error {
					rows, err := df.Collect()
					if err != nil {
						return err
					}
					for _, r := range rows {
						ids[r.Get("id").(int64)]++
					}
					l.add(int64(len(rows)))
					return nil
				})
			l.fin = func() error {
				if err := l.q.ProcessAllAvailable(); err != nil {
					return err
				}
				for id := range int64(written) {
					if ids[id] != 1 {
						return fmt.Errorf("row %d read %d times (of %d written)", id, ids[id], written)
					}
				}
				if len(ids) != written {
					return fmt.Errorf("%d distinct rows read, %d written", len(ids), written)
				}
				return nil
			}
		}
		l.q, err = w.QueryName(fmt.Sprintf("load%d", i)).Trigger(engine.ProcessingTime("100 milliseconds")).Start()
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, l)
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		time.Sleep(min(time.Second, time.Until(deadline)))
		for i, l := range qs {
			if !l.q.IsActive() {
				t.Fatalf("query %d ended during the load: %v", i, l.q.Exception())
			}
		}
	}
	close(stopWriters)
	writers.Wait()
	var total int64
	for i, l := range qs {
		if l.fin != nil {
			if err := l.fin(); err != nil {
				t.Errorf("query %d: %v", i, err)
			}
		}
		if err := l.q.Stop(); err != nil {
			t.Errorf("query %d: Stop: %v", i, err)
		}
		l.mu.Lock()
		if l.err != nil || l.q.Exception() != nil || l.rows == 0 {
			t.Errorf("query %d: check %v, exception %v, %d rows", i, l.err, l.q.Exception(), l.rows)
		}
		total += l.rows
		l.mu.Unlock()
	}
	if n := len(s.Streams().Active()); n != 0 {
		t.Errorf("%d queries still active", n)
	}
	s.Stop()
	t.Logf("20 queries for %v: %d rows checked", d, total)
	qs = nil
	check()
}
