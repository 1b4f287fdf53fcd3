package file

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

const benchRows = 100_000

var benchSchema = types.NewStructType().Add("id", "long").Add("symbol", "string").Add("price", "double").Add("ts", "timestamp")

func benchBatch() *batch.Batch {
	b := batch.New(benchSchema, benchRows)
	syms := []string{"BTC-USD", "ETH-USD", "SOL-USD"}
	for i := range benchRows {
		b.AppendRow([]any{int64(i), syms[i%3], 20000 + float64(i%1000)/8, ts2021 + int64(i)*1000})
	}
	return b
}

func benchSink(b *testing.B, format string) {
	data := benchBatch()
	s, err := New(format, filepath.Join(b.TempDir(), "out"), nil, benchSchema, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := s.AddBatch(context.Background(), int64(i), data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSinkCSV: 100k-row batches through the sink (file, fsync, log entry).
func BenchmarkSinkCSV(b *testing.B) { benchSink(b, "csv") }

// BenchmarkSinkJSON: likewise for JSON lines.
func BenchmarkSinkJSON(b *testing.B) { benchSink(b, "json") }

// BenchmarkSinkParquet: likewise for snappy parquet.
func BenchmarkSinkParquet(b *testing.B) { benchSink(b, "parquet") }

// BenchmarkHandCSV is the hand-written baseline for BenchmarkSinkCSV: the same rows
// formatted with strconv into a buffered, synced file, without the sink's rules.
func BenchmarkHandCSV(b *testing.B) {
	data := benchBatch()
	dir := b.TempDir()
	b.ResetTimer()
	for i := range b.N {
		f, err := os.Create(filepath.Join(dir, strconv.Itoa(i)+".csv"))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 256<<10)
		var line []byte
		ids, syms, prices, tss := data.Cols[0].I64, data.Cols[1].Str, data.Cols[2].F64, data.Cols[3].I64
		for r := range data.N {
			line = strconv.AppendInt(line[:0], ids[r], 10)
			line = append(line, ',')
			line = append(line, syms[r]...)
			line = append(line, ',')
			line = append(line, show.FormatDouble(prices[r])...)
			line = append(line, ',')
			line = strconv.AppendInt(line, tss[r], 10)
			line = append(line, '\n')
			w.Write(line)
		}
		w.Flush()
		f.Sync()
		f.Close()
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkHandParquet is the baseline for BenchmarkSinkParquet: parquet-go's own generic
// writer fed Go structs of the same rows (snappy, synced file).
func BenchmarkHandParquet(b *testing.B) {
	type row struct {
		ID     int64   `parquet:"id,optional"`
		Symbol string  `parquet:"symbol,optional"`
		Price  float64 `parquet:"price,optional"`
		TS     int64   `parquet:"ts,optional,timestamp(microsecond)"`
	}
	data := benchBatch()
	rows := make([]row, data.N)
	for r := range rows {
		rows[r] = row{data.Cols[0].I64[r], data.Cols[1].Str[r], data.Cols[2].F64[r], data.Cols[3].I64[r]}
	}
	dir := b.TempDir()
	b.ResetTimer()
	for i := range b.N {
		f, err := os.Create(filepath.Join(dir, strconv.Itoa(i)+".parquet"))
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		w := parquet.NewGenericWriter[row](bw, parquet.Compression(&parquet.Snappy))
		if _, err := w.Write(rows); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		bw.Flush()
		f.Sync()
		f.Close()
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
}
