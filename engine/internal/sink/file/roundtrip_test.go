package file

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/source"
	"github.com/runnel-go/runnel/engine/types"
)

// TestReadBackWithEngineReader writes two batches with the sink (plus a replay and a
// partial file of a failed attempt) and reads the directory back with the engine's batch
// reader (spark.Read()), which must list files through the sink log and parse the exact
// values written.
func TestReadBackWithEngineReader(t *testing.T) {
	for _, format := range []string{"parquet", "json", "csv"} {
		t.Run(format, func(t *testing.T) {
			schema := tradeSchema()
			if format == "parquet" {
				win := types.NewStructType().Add("start", "timestamp").Add("end", "timestamp")
				schema = types.NewStructType().Add("id", "int").Add("name", "string").Add("price", "double").
					Add("ts", "timestamp").Add("day", "date").Add("ok", "boolean").Add("n", "long").
					Add("window", win).Add("tags", "array<string>").Add("m", "map<string,bigint>")
			}
			mk := func(rows [][]any) *batch.Batch {
				b := batch.New(schema, len(rows))
				for _, r := range rows {
					if format == "parquet" {
						r = append(r, []any{ts2021, ts2021 + 600_000_000}, []any{"x", nil}, &batch.MapValue{Keys: []any{"k"}, Values: []any{int64(1)}})
					}
					b.AppendRow(r)
				}
				return b
			}
			first := mk([][]any{
				{int32(1), "BTC", 100.5, ts2021, int32(18628), true, int64(10000000000)},
				{int32(2), "a,b \"q\"", 1e10, ts2021 + 123000, nil, false, nil},
			})
			second := mk([][]any{{int32(3), "ETH", -0.25, ts2021 + 1000, int32(0), true, int64(-1)}})
			dir := filepath.Join(t.TempDir(), "out")
			s, err := New(format, dir, nil, schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := s.AddBatch(ctx, 0, first); err != nil {
				t.Fatal(err)
			}
			if err := s.AddBatch(ctx, 0, second); err != nil { // a replay: skipped
				t.Fatal(err)
			}
			// A failed attempt's file, never committed.
			if _, err := s.writePart(second, "00000000-0000-0000-0000-000000000000", 0); err != nil {
				t.Fatal(err)
			}
			if err := s.AddBatch(ctx, 1, second); err != nil {
				t.Fatal(err)
			}
			spec := source.Spec{Format: format, Paths: []string{dir}}
			if format != "parquet" {
				spec.Schema = schema
			}
			gotSchema, batches, err := source.ReadStatic(spec)
			if err != nil {
				t.Fatal(err)
			}
			if gotSchema.SimpleString() != schema.SimpleString() {
				t.Fatalf("schema read back %s, want %s", gotSchema.SimpleString(), schema.SimpleString())
			}
			var got []string
			for _, b := range batches {
				for i := 0; i < b.N; i++ {
					got = append(got, rowString(b.Row(i)))
				}
			}
			var want []string
			for _, b := range []*batch.Batch{first, second} {
				for i := 0; i < b.N; i++ {
					want = append(want, rowString(b.Row(i)))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("read back\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func rowString(r []any) string {
	out := ""
	for _, v := range r {
		switch x := v.(type) {
		case *batch.MapValue:
			out += fmt.Sprintf("map%v%v|", x.Keys, x.Values)
		default:
			out += fmt.Sprintf("%v|", x)
		}
	}
	return out
}
