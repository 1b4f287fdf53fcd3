package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/kernel/interp"
)

// latency measures file arrival (a file renamed into the watched directory) to the
// foreachBatch call that gets its row, with the default trigger. Files arrive one at a
// time, at a random point 0-20 ms after the previous one was seen.
func latency(dir string, n int) (p50, p99 time.Duration, err error) {
	in := filepath.Join(dir, "latency-in")
	tmp := filepath.Join(dir, "latency-tmp")
	for _, d := range []string{in, tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return 0, 0, err
		}
	}
	s := newSession()
	defer s.Stop()
	seen := make(chan int64, 16)
	schema := T.NewStructType().Add("seq", "long")
	q, err := s.ReadStream().Schema(schema).CSV(in).WriteStream().
		ForeachBatch(func(df *engine.DataFrame, _ int64) error {
			rows, err := df.Collect()
			if err != nil {
				return err
			}
			for _, r := range rows {
				seen <- r.Get("seq").(int64)
			}
			return nil
		}).Start()
	if err != nil {
		return 0, 0, err
	}
	defer q.Stop()
	lat := make([]time.Duration, 0, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		time.Sleep(time.Duration(r.Int64N(int64(20 * time.Millisecond))))
		name := fmt.Sprintf("%06d.csv", i)
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(strconv.Itoa(i)+"\n"), 0o644); err != nil {
			return 0, 0, err
		}
		t0 := time.Now()
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(in, name)); err != nil {
			return 0, 0, err
		}
		select {
		case got := <-seen:
			if got != int64(i) {
				return 0, 0, fmt.Errorf("latency: got row %d, want %d", got, i)
			}
			lat = append(lat, time.Since(t0))
		case <-time.After(10 * time.Second):
			return 0, 0, fmt.Errorf("latency: file %d not seen after 10 s (query error: %v)", i, q.Exception())
		}
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100], nil
}

// rateQuery runs df (over a rate-micro-batch source of session s) in update mode into
// foreachBatch for the given number of batches, calling each(epoch, df) per batch and
// onProgress with the progress of each of those batches (from a listener, which sees every
// batch, where RecentProgress keeps only the latest). It returns the rows the source
// produced and the measurement.
func rateQuery(s *engine.Session, df *engine.DataFrame, batches int, each func(epoch int64, df *engine.DataFrame) error,
	onProgress func(p *engine.QueryProgress)) (int64, measurement, error) {
	done := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var rows int64
	remove := s.Streams().AddListener(func(ev engine.QueryEvent) {
		if ev.Kind == "progress" && ev.Progress != nil && ev.Progress.BatchID < int64(batches) && ev.Progress.NumInputRows > 0 {
			mu.Lock()
			defer mu.Unlock()
			rows += ev.Progress.NumInputRows
			if onProgress != nil {
				onProgress(ev.Progress)
			}
		}
	})
	defer remove()
	m, err := measure(func() error {
		q, err := df.WriteStream().OutputMode("update").ForeachBatch(func(out *engine.DataFrame, epoch int64) error {
			if each != nil {
				if err := each(epoch, out); err != nil {
					return err
				}
			}
			if epoch+1 >= int64(batches) {
				once.Do(func() { close(done) })
			}
			return nil
		}).Start()
		if err != nil {
			return err
		}
		select {
		case <-done:
		case <-q.Done():
			return fmt.Errorf("query ended early: %v", q.Exception())
		}
		return q.Stop()
	})
	mu.Lock()
	defer mu.Unlock()
	return rows, m, err
}

func rateSource(s *engine.Session, rowsPerBatch int, advanceMs int) *engine.DataFrame {
	return s.ReadStream().Format("rate-micro-batch").Option("rowsPerBatch", rowsPerBatch).
		Option("advanceMillisPerBatch", advanceMs).Load()
}

// keyedTumbling is the Yahoo-benchmark-like query: 1000 keys, 10-second tumbling windows,
// sum per key and window, a 10-second watermark; each batch advances event time 1 s.
func keyedTumbling(rowsPerBatch, batches int) (int64, measurement, error) {
	s := newSession()
	defer s.Stop()
	return rateQuery(s, keyedTumblingQuery(s, rowsPerBatch), batches, nil, nil)
}

// keyedTumblingQuery is keyedTumbling's DataFrame, on the rate-micro-batch source.
func keyedTumblingQuery(s *engine.Session, rowsPerBatch int) *engine.DataFrame {
	return rateSource(s, rowsPerBatch, 1000).
		SelectExpr("timestamp", "value % 1000 as key", "value").
		WithWatermark("timestamp", "10 seconds").
		GroupBy(F.Window(F.Col("timestamp"), "10 seconds"), F.Col("key")).
		Agg(F.Sum("value").Alias("total"))
}

// keyedTumblingHand is the same in a Go loop over the same values.
func keyedTumblingHand(rowsPerBatch, batches int) measurement {
	type key struct{ win, k int64 }
	m, _ := measure(func() error {
		sums := map[key]int64{}
		var v int64
		for b := 0; b < batches; b++ {
			ts := int64(b) * 1e6
			win := ts - floorMod(ts, 10e6)
			for i := 0; i < rowsPerBatch; i++ {
				sums[key{win, v % 1000}] += v
				v++
			}
			wm := ts - 10e6
			for k := range sums {
				if k.win+10e6 <= wm {
					delete(sums, k)
				}
			}
		}
		return nil
	})
	return m
}

// overlap runs one window over event times spread 1 ms apart (rows of a batch cover
// rowsPerBatch ms), unkeyed as the tutorial's average price: sum and avg per window.
func overlap(size, slide string, rowsPerBatch, batches int) (int64, measurement, error) {
	s := newSession()
	defer s.Stop()
	df := rateSource(s, rowsPerBatch, 1000).
		SelectExpr("timestamp_millis(value) as ts", "value % 100 as price").
		WithWatermark("ts", "1 minute").
		GroupBy(F.Window(F.Col("ts"), size, slide)).
		Agg(F.Sum("price").Alias("sum"), F.Avg("price").Alias("avg"))
	return rateQuery(s, df, batches, nil, nil)
}

type memSample struct {
	batch      int64
	heap       uint64
	stateRows  int64
	stateBytes int64
}

// stateMemory runs the keyed tumbling query for many batches and samples, every
// batches/samples batches, the live heap after a GC and the state operator's size.
func stateMemory(rowsPerBatch, batches, samples int) ([]memSample, error) {
	s := newSession()
	defer s.Stop()
	df := keyedTumblingQuery(s, rowsPerBatch)
	var out []memSample
	state := map[int64][2]int64{} // sampled batch -> state rows, bytes
	every := int64(max(1, batches/samples))
	_, _, err := rateQuery(s, df, batches, func(epoch int64, _ *engine.DataFrame) error {
		if (epoch+1)%every != 0 {
			return nil
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		out = append(out, memSample{batch: epoch, heap: ms.HeapAlloc})
		return nil
	}, func(p *engine.QueryProgress) {
		if (p.BatchID+1)%every == 0 && len(p.StateOperators) > 0 {
			state[p.BatchID] = [2]int64{p.StateOperators[0].NumRowsTotal, p.StateOperators[0].MemoryUsedBytes}
		}
	})
	if err != nil {
		return nil, err
	}
	for i, sm := range out {
		out[i].stateRows, out[i].stateBytes = state[sm.batch][0], state[sm.batch][1]
	}
	return out, nil
}

// nopPublisher drops a cell's output.
type nopPublisher struct{}

func (nopPublisher) Stream(string, string)                                   {}
func (nopPublisher) Display(kernel.MIMEBundle, map[string]any, string)       {}
func (nopPublisher) UpdateDisplay(kernel.MIMEBundle, map[string]any, string) {}
func (nopPublisher) ClearOutput(bool)                                        {}
func (nopPublisher) Input(context.Context, string, bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}
func (p nopPublisher) Active() kernel.Publisher { return p }

// kernelRoundTrip times Execute("1+1") on an in-process interp.Session (yaegi), without
// the zmq transport.
func kernelRoundTrip(n int) (p50, p99 time.Duration, err error) {
	sess, err := interp.New(interp.Options{})
	if err != nil {
		return 0, 0, err
	}
	defer sess.Shutdown(false)
	ctx := context.Background()
	times := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		res := sess.Execute(ctx, kernel.ExecuteRequest{Code: "1+1", StoreHistory: true, ExecutionCount: i + 1}, nopPublisher{})
		times = append(times, time.Since(t0))
		if res.Status != "ok" {
			return 0, 0, fmt.Errorf("kernel: execute 1+1: %s %s", res.Ename, res.Evalue)
		}
		if txt, _ := res.Data["text/plain"].(string); txt != "2" {
			return 0, 0, fmt.Errorf("kernel: execute 1+1 gave %v", res.Data)
		}
	}
	slices.Sort(times)
	return times[len(times)/2], times[len(times)*99/100], nil
}
