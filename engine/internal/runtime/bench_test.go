package runtime

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/source"
)

// wakingSource is a fakeSource that wakes the driver when a row arrives (a Waker).
type wakingSource struct {
	*fakeSource
	mu   sync.Mutex
	wake func()
}

func (s *wakingSource) SetWakeup(wake func()) {
	s.mu.Lock()
	s.wake = wake
	s.mu.Unlock()
}

func (s *wakingSource) add(v int64) {
	s.fakeSource.add(v)
	s.mu.Lock()
	w := s.wake
	s.mu.Unlock()
	if w != nil {
		w()
	}
}

// timingSink records when each batch reached it.
type timingSink struct{ at chan time.Time }

func (s *timingSink) AddBatch(context.Context, int64, *batch.Batch) error {
	s.at <- time.Now()
	return nil
}

func (s *timingSink) Description() string { return "TimingSink" }

// BenchmarkArrivalToSink measures the time from a row becoming visible in a source (as a
// file renamed into a watched directory) to the sink receiving its batch, with the default
// trigger: polling every 10 ms, or woken by the source. Arrivals fall at random points of
// the poll cycle. Reports p50 and p99 in ms.
func BenchmarkArrivalToSink(b *testing.B) {
	for _, waking := range []bool{false, true} {
		name := "poll"
		if waking {
			name = "waker"
		}
		b.Run(name, func(b *testing.B) {
			fs := newFakeSource("Fake")
			ws := &wakingSource{fakeSource: fs}
			sink := &timingSink{at: make(chan time.Time, 1)}
			cfg := Config{Executor: newFakeExecutor(), Sink: sink}
			add := fs.add
			if waking {
				cfg.Sources = append(cfg.Sources, ws)
				add = func(vs ...int64) { ws.add(vs[0]) }
			} else {
				cfg.Sources = append(cfg.Sources, fs)
			}
			q, err := Start(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer q.Stop()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				time.Sleep(time.Duration(rand.Int64N(int64(10 * time.Millisecond))))
				t0 := time.Now()
				add(int64(i))
				lat = append(lat, (<-sink.at).Sub(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
		})
	}
}

// passExecutor hands every source row to the sink unchanged.
type passExecutor struct{}

func (passExecutor) RunBatch(_ context.Context, in BatchInput) (BatchOutput, error) {
	var all []*batch.Batch
	for _, bs := range in.Sources {
		for _, b := range bs {
			if b != nil {
				all = append(all, b)
			}
		}
	}
	if len(all) == 0 {
		return BatchOutput{}, nil
	}
	return BatchOutput{Result: batch.Concat(all[0].Schema, all)}, nil
}

func (passExecutor) WatermarkDelays() []int64      { return nil }
func (passExecutor) HasPendingEviction(int64) bool { return false }

// BenchmarkFileArrivalToSink is the notebook's case: a text file renamed into a watched
// directory, read by the real file source, until its batch reaches the sink (default
// trigger, 10 ms polling), with and without a checkpoint (whose logs are synced to disk
// before each batch). Reports p50 and p99 in ms.
func BenchmarkFileArrivalToSink(b *testing.B) {
	b.Run("checkpoint", func(b *testing.B) { benchFileArrival(b, true) })
	b.Run("no-checkpoint", func(b *testing.B) { benchFileArrival(b, false) })
}

func benchFileArrival(b *testing.B, withCheckpoint bool) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		b.Fatal(err)
	}
	src, err := source.Open(source.Spec{Format: "text", Paths: []string{in}})
	if err != nil {
		b.Fatal(err)
	}
	sink := &timingSink{at: make(chan time.Time, 1)}
	cfg := Config{Sources: []source.Source{src}, Executor: passExecutor{}, Sink: sink}
	if withCheckpoint {
		cfg.CheckpointDir = filepath.Join(dir, "checkpoint")
	}
	q, err := Start(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Stop()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		time.Sleep(time.Duration(rand.Int64N(int64(10 * time.Millisecond))))
		tmp := filepath.Join(dir, fmt.Sprintf(".f%d", i))
		if err := os.WriteFile(tmp, []byte("a line\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := os.Rename(tmp, filepath.Join(in, fmt.Sprintf("f%d.txt", i))); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-sink.at).Sub(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
}
