package sink

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/source"
	"github.com/runnel-go/runnel/engine/types"
)

// listSource serves the words added to it; its offset is the count as a JSON number.
type listSource struct {
	mu    sync.Mutex
	words []string
}

var lineSchema = types.NewStructType().Add("value", "string")

func (s *listSource) Schema() *types.StructType { return lineSchema }

func (s *listSource) LatestOffset(context.Context, source.Offset) (source.Offset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.words) == 0 {
		return "", nil
	}
	return source.Offset(strconv.Itoa(len(s.words))), nil
}

func (s *listSource) GetBatch(_ context.Context, start, end source.Offset) ([]*batch.Batch, error) {
	from, _ := strconv.Atoi(string(start))
	to, _ := strconv.Atoi(string(end))
	s.mu.Lock()
	defer s.mu.Unlock()
	b := batch.New(lineSchema, to-from)
	for _, w := range s.words[from:to] {
		b.AppendRow([]any{w})
	}
	return []*batch.Batch{b}, nil
}

func (s *listSource) Commit(source.Offset) error { return nil }
func (s *listSource) Description() string        { return "ListSource" }
func (s *listSource) Close() error               { return nil }

// countExecutor is a tiny word count in complete mode.
type countExecutor struct {
	counts map[string]int64
	order  []string
}

var countSchema = types.NewStructType().Add("value", "string").Add("count", "long")

func (e *countExecutor) RunBatch(_ context.Context, in runtime.BatchInput) (runtime.BatchOutput, error) {
	for _, bs := range in.Sources {
		for _, b := range bs {
			for _, w := range b.Cols[0].Str {
				if _, ok := e.counts[w]; !ok {
					e.order = append(e.order, w)
				}
				e.counts[w]++
			}
		}
	}
	out := batch.New(countSchema, len(e.order))
	for _, w := range e.order {
		out.AppendRow([]any{w, e.counts[w]})
	}
	return runtime.BatchOutput{Result: out}, nil
}

func (e *countExecutor) WatermarkDelays() []int64      { return nil }
func (e *countExecutor) HasPendingEviction(int64) bool { return false }

func TestQueryWithConsoleAndMemorySinks(t *testing.T) {
	src := &listSource{words: []string{"spark", "go", "spark"}}
	var out strings.Builder
	console, err := NewConsole(&out, countSchema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := runtime.Start(runtime.Config{Sources: []source.Source{src}, Executor: &countExecutor{counts: map[string]int64{}},
		Sink: console, Mode: runtime.Complete})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop()
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	src.mu.Lock()
	src.words = append(src.words, "go", "runnel")
	src.mu.Unlock()
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	want := `-------------------------------------------
Batch: 0
-------------------------------------------
+-----+-----+
|value|count|
+-----+-----+
|spark|    2|
|   go|    1|
+-----+-----+

-------------------------------------------
Batch: 1
-------------------------------------------
+------+-----+
| value|count|
+------+-----+
| spark|    2|
|    go|    2|
|runnel|    1|
+------+-----+

`
	if out.String() != want {
		t.Fatalf("console output\n%s\nwant\n%s", out.String(), want)
	}
	if lp := q.LastProgress(); lp == nil || lp.Sink.Description != "org.apache.spark.sql.execution.streaming.ConsoleTable$" || lp.Sink.NumOutputRows != 3 {
		t.Errorf("progress sink %+v", lp)
	}

	mem := NewMemory(countSchema, runtime.Complete)
	q2, err := runtime.Start(runtime.Config{Sources: []source.Source{src}, Executor: &countExecutor{counts: map[string]int64{}},
		Sink: mem, Mode: runtime.Complete, Trigger: runtime.Trigger{Kind: runtime.TriggerOnce}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q2.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	got := memRows(mem)
	wantRows := [][]any{{"spark", int64(2)}, {"go", int64(2)}, {"runnel", int64(1)}}
	if !reflect.DeepEqual(got, wantRows) {
		t.Fatalf("memory rows %v", got)
	}
}

func TestForeachBatchProgressCountsNoRows(t *testing.T) {
	src := &listSource{words: []string{"a"}}
	var seen []int
	q, err := runtime.Start(runtime.Config{Sources: []source.Source{src}, Executor: &countExecutor{counts: map[string]int64{}},
		Sink: NewForeachBatch(func(_ context.Context, _ int64, data *batch.Batch) error {
			seen = append(seen, data.N)
			return nil
		}), Trigger: runtime.Trigger{Kind: runtime.TriggerOnce}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	lp := q.LastProgress()
	if lp == nil || lp.Sink != (runtime.SinkProgress{Description: "ForeachBatchSink", NumOutputRows: -1}) || !reflect.DeepEqual(seen, []int{1}) {
		t.Fatalf("progress sink %+v, batches %v", lp, seen)
	}
}
