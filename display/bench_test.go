package display

import (
	"testing"
	"time"
)

// countTarget counts updates.
type countTarget struct{ updates chan struct{} }

func (c countTarget) Display(data, metadata map[string]any, id string) {}
func (c countTarget) Update(data, metadata map[string]any, id string)  { c.updates <- struct{}{} }
func (c countTarget) Clear(bool)                                       {}
func (c countTarget) Active() Target                                   { return c }

// BenchmarkLiveBatches feeds batches to a live view as fast as a query could end them,
// with the real clock: ns/op is the cost a batch adds to its query's goroutine, and
// updates/s shows the coalescing (at most 1/DefaultMinInterval).
func BenchmarkLiveBatches(b *testing.B) {
	s := newSession(b)
	result := s.CreateDataFrame([][]any{{"a", 1}, {"b", 2}}, "k", "n")
	tgt := countTarget{updates: make(chan struct{}, 1<<20)}
	o := New(Options{Target: func() Target { return tgt }})
	q := newFakeQuery()
	v := o.newView(q, nil)
	v.show(tgt)
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q.batch(int64(i), result)
	}
	b.StopTimer()
	q.stop(nil)
	o.Close()
	elapsed := time.Since(start)
	b.ReportMetric(float64(len(tgt.updates))/elapsed.Seconds(), "updates/s")
}
