package sink

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/types"
)

var wordSchema = types.NewStructType().Add("word", "string").Add("count", "long")

func words(rows ...[]any) *batch.Batch {
	b := batch.New(wordSchema, len(rows))
	for _, r := range rows {
		b.AppendRow(r)
	}
	return b
}

func TestConsolePrintsBannerAndTable(t *testing.T) {
	var out strings.Builder
	c, err := NewConsole(&out, wordSchema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.AddBatch(ctx, 0, words([]any{"hello", int64(2)}, []any{"a very long word indeed, longer than twenty", int64(10)})); err != nil {
		t.Fatal(err)
	}
	if err := c.AddBatch(ctx, 1, batch.New(wordSchema, 0)); err != nil {
		t.Fatal(err)
	}
	if err := c.AddBatch(ctx, 2, nil); err != nil {
		t.Fatal(err)
	}
	// A replay of batch 1 prints nothing.
	if err := c.AddBatch(ctx, 1, words([]any{"x", int64(1)})); err != nil {
		t.Fatal(err)
	}
	want := `-------------------------------------------
Batch: 0
-------------------------------------------
+--------------------+-----+
|                word|count|
+--------------------+-----+
|               hello|    2|
|a very long word ...|   10|
+--------------------+-----+

-------------------------------------------
Batch: 1
-------------------------------------------
+----+-----+
|word|count|
+----+-----+
+----+-----+

-------------------------------------------
Batch: 2
-------------------------------------------
+----+-----+
|word|count|
+----+-----+
+----+-----+

`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestConsoleOptions(t *testing.T) {
	var out strings.Builder
	c, err := NewConsole(&out, wordSchema, map[string]string{"numRows": "1", "TRUNCATE": "false"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddBatch(context.Background(), 7, words([]any{"a very long word indeed, longer than twenty", int64(10)}, []any{"b", int64(1)})); err != nil {
		t.Fatal(err)
	}
	want := `-------------------------------------------
Batch: 7
-------------------------------------------
+-------------------------------------------+-----+
|word                                       |count|
+-------------------------------------------+-----+
|a very long word indeed, longer than twenty|10   |
+-------------------------------------------+-----+
only showing top 1 row

`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
	for _, opts := range []map[string]string{{"numRows": "many"}, {"truncate": "yes"}} {
		if _, err := NewConsole(&out, wordSchema, opts, nil); err == nil {
			t.Errorf("options %v accepted", opts)
		}
	}
	if _, err := NewConsole(&out, wordSchema, map[string]string{"numRows": "x"}, nil); err == nil || err.Error() != `For input string: "x"` {
		t.Errorf("numRows=x: %v", err)
	}
}

func memRows(m *Memory) [][]any {
	_, bs := m.Rows()
	var out [][]any
	for _, b := range bs {
		for i := 0; i < b.N; i++ {
			out = append(out, b.Row(i))
		}
	}
	return out
}

func TestMemoryAppendAccumulates(t *testing.T) {
	m := NewMemory(wordSchema, runtime.Append)
	ctx := context.Background()
	in := words([]any{"a", int64(1)})
	_ = m.AddBatch(ctx, 0, in)
	// The sink keeps a copy: later changes to the executor's batch do not show.
	in.Cols[1].I64[0] = 99
	_ = m.AddBatch(ctx, 1, words([]any{"b", int64(2)}, []any{"c", int64(3)}))
	_ = m.AddBatch(ctx, 1, words([]any{"replayed", int64(0)}))
	_ = m.AddBatch(ctx, 2, nil)
	want := [][]any{{"a", int64(1)}, {"b", int64(2)}, {"c", int64(3)}}
	if got := memRows(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if s, _ := m.Rows(); s != wordSchema {
		t.Error("schema changed")
	}
	if m.LastBatchID() != 2 || m.Description() != "MemorySink" {
		t.Errorf("last %d description %q", m.LastBatchID(), m.Description())
	}
}

func TestMemoryCompleteReplaces(t *testing.T) {
	m := NewMemory(wordSchema, runtime.Complete)
	ctx := context.Background()
	_ = m.AddBatch(ctx, 0, words([]any{"a", int64(1)}))
	_ = m.AddBatch(ctx, 1, words([]any{"a", int64(2)}, []any{"b", int64(1)}))
	want := [][]any{{"a", int64(2)}, {"b", int64(1)}}
	if got := memRows(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	_ = m.AddBatch(ctx, 2, batch.New(wordSchema, 0))
	if got := memRows(m); len(got) != 0 {
		t.Fatalf("rows after an empty complete batch: %v", got)
	}
}

func TestMemoryConcurrentReads(t *testing.T) {
	m := NewMemory(wordSchema, runtime.Append)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 200 {
			_ = m.AddBatch(context.Background(), int64(i), words([]any{"w", int64(i)}))
		}
	}()
	for range 200 {
		rows := memRows(m)
		for i, r := range rows {
			if r[1] != int64(i) {
				t.Fatalf("row %d = %v", i, r)
			}
		}
	}
	wg.Wait()
	if n := len(memRows(m)); n != 200 {
		t.Fatalf("%d rows", n)
	}
}

func TestForeachBatchCallsForEveryBatchIncludingReplays(t *testing.T) {
	var got []string
	f := NewForeachBatch(func(_ context.Context, id int64, data *batch.Batch) error {
		got = append(got, fmt.Sprintf("%d:%d", id, data.N))
		if id == 3 {
			return errors.New("user function failed")
		}
		return nil
	})
	ctx := context.Background()
	for _, id := range []int64{0, 1, 1} {
		if err := f.AddBatch(ctx, id, words([]any{"a", int64(1)})); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.AddBatch(ctx, 3, words()); err == nil || err.Error() != "user function failed" {
		t.Fatalf("error %v", err)
	}
	if want := []string{"0:1", "1:1", "1:1", "3:0"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	if f.Description() != "ForeachBatchSink" {
		t.Error(f.Description())
	}
}
