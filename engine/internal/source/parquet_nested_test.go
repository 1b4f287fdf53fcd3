package source

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

func TestParquetNested(t *testing.T) {
	type window struct {
		Start time.Time `parquet:"start,timestamp(microsecond)"`
		End   time.Time `parquet:"end,timestamp(microsecond)"`
	}
	type item struct {
		ID  int64   `parquet:"id"`
		Tag *string `parquet:"tag,optional"`
	}
	type rec struct {
		Window *window          `parquet:"window,optional"`
		Tags   []string         `parquet:"tags,list"`
		Items  []item           `parquet:"items,list"`
		Attrs  map[string]int32 `parquet:"attrs"`
		Nested [][]int32        `parquet:"nested,list"`
		Count  int64            `parquet:"count"`
	}
	w0 := time.Date(2021, 1, 1, 10, 0, 0, 0, time.UTC)
	red := "red"
	recs := []rec{
		{Window: &window{w0, w0.Add(10 * time.Minute)}, Tags: []string{"a", "b"},
			Items: []item{{1, &red}, {2, nil}}, Attrs: map[string]int32{"x": 1}, Nested: [][]int32{{1, 2}, {}, {3}}, Count: 5},
		{Window: nil, Tags: []string{}, Items: nil, Attrs: map[string]int32{}, Nested: nil, Count: 6},
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "n.parquet")
	if err := parquet.WriteFile(p, recs); err != nil {
		t.Fatal(err)
	}
	st, rows := readStatic(t, Spec{Format: "parquet", Paths: []string{p}})
	want := "struct<window:struct<start:timestamp,end:timestamp>,tags:array<string>,items:array<struct<id:bigint,tag:string>>,attrs:map<string,int>,nested:array<array<int>>,count:bigint>"
	if got := st.SimpleString(); got != want {
		t.Fatalf("schema\n got %s\nwant %s", got, want)
	}
	us := w0.UnixMicro()
	checkRowsPlain(t, rows, [][]any{
		{[]any{us, us + 600_000_000}, []any{"a", "b"}, []any{[]any{int64(1), "red"}, []any{int64(2), nil}},
			&batch.MapValue{Keys: []any{"x"}, Values: []any{int32(1)}}, []any{[]any{int32(1), int32(2)}, []any{}, []any{int32(3)}}, int64(5)},
		{nil, []any{}, []any{}, &batch.MapValue{}, []any{}, int64(6)},
	})
	// Reading just some columns, in another order.
	user := schemaOf(t, "count", "long", "window", "struct<start:timestamp,end:timestamp>")
	_, rows = readStatic(t, Spec{Format: "parquet", Paths: []string{p}, Schema: user})
	checkRowsPlain(t, rows, [][]any{{int64(5), []any{us, us + 600_000_000}}, {int64(6), nil}})
}
