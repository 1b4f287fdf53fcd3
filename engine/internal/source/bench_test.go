package source

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

const benchRows = 200_000

func benchCSVData() string {
	var b strings.Builder
	for i := 0; i < benchRows; i++ {
		fmt.Fprintf(&b, "%d,word%d,%d.%d,%d\n", i, i%1000, i%977, i%100, int64(i)*1_000_003)
	}
	return b.String()
}

func benchJSONData() string {
	var b strings.Builder
	for i := 0; i < benchRows; i++ {
		fmt.Fprintf(&b, `{"id":%d,"word":"word%d","score":%d.%d,"count":%d}`+"\n", i, i%1000, i%977, i%100, int64(i)*1_000_003)
	}
	return b.String()
}

func reportRows(b *testing.B, start time.Time) {
	b.ReportMetric(float64(benchRows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkCSVIngest parses CSV into typed batches through the Reader.
func BenchmarkCSVIngest(b *testing.B) {
	data := []byte(benchCSVData())
	st := schemaOfB(b, "id", "int", "word", "string", "score", "double", "count", "long")
	r, err := NewReader("csv", st, nil, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		bs, err := r.Parse("bench.csv", data)
		if err != nil || len(bs) == 0 {
			b.Fatal(err)
		}
	}
	reportRows(b, start)
}

// BenchmarkCSVHandLoop does the same work by hand: split lines and fields, strconv each
// field into typed slices.
func BenchmarkCSVHandLoop(b *testing.B) {
	data := []byte(benchCSVData())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		s := string(data)
		ids := make([]int32, 0, 1024)
		words := make([]string, 0, 1024)
		scores := make([]float64, 0, 1024)
		counts := make([]int64, 0, 1024)
		for len(s) > 0 {
			j := strings.IndexByte(s, '\n')
			line := s[:j]
			s = s[j+1:]
			f := strings.Split(line, ",")
			id, _ := strconv.ParseInt(f[0], 10, 32)
			sc, _ := strconv.ParseFloat(f[2], 64)
			c, _ := strconv.ParseInt(f[3], 10, 64)
			ids = append(ids, int32(id))
			words = append(words, f[1])
			scores = append(scores, sc)
			counts = append(counts, c)
		}
		if len(ids) != benchRows || len(words) != benchRows || len(scores) != benchRows || len(counts) != benchRows {
			b.Fatal("bad count")
		}
	}
	reportRows(b, start)
}

// BenchmarkJSONIngest parses JSON lines into typed batches through the Reader.
func BenchmarkJSONIngest(b *testing.B) {
	data := []byte(benchJSONData())
	st := schemaOfB(b, "id", "int", "word", "string", "score", "double", "count", "long")
	r, err := NewReader("json", st, nil, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		bs, err := r.Parse("bench.json", data)
		if err != nil || len(bs) == 0 {
			b.Fatal(err)
		}
	}
	reportRows(b, start)
}

// BenchmarkJSONHandLoop extracts the same four fields by hand: split lines, find each
// key, strconv the value.
func BenchmarkJSONHandLoop(b *testing.B) {
	data := []byte(benchJSONData())
	b.SetBytes(int64(len(data)))
	field := func(line, key string) string {
		k := strings.Index(line, key)
		v := line[k+len(key):]
		end := strings.IndexAny(v, ",}")
		return v[:end]
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		s := string(data)
		ids := make([]int32, 0, 1024)
		words := make([]string, 0, 1024)
		scores := make([]float64, 0, 1024)
		counts := make([]int64, 0, 1024)
		for len(s) > 0 {
			j := strings.IndexByte(s, '\n')
			line := s[:j]
			s = s[j+1:]
			id, _ := strconv.ParseInt(field(line, `"id":`), 10, 32)
			w := field(line, `"word":`)
			sc, _ := strconv.ParseFloat(field(line, `"score":`), 64)
			c, _ := strconv.ParseInt(field(line, `"count":`), 10, 64)
			ids = append(ids, int32(id))
			words = append(words, w[1:len(w)-1])
			scores = append(scores, sc)
			counts = append(counts, c)
		}
		if len(ids) != benchRows || len(words) != benchRows {
			b.Fatal("bad count")
		}
	}
	reportRows(b, start)
}

func schemaOfB(b *testing.B, pairs ...string) *typesStruct {
	b.Helper()
	st := newStruct()
	for i := 0; i+1 < len(pairs); i += 2 {
		st.Add(pairs[i], pairs[i+1])
	}
	return st
}

// BenchmarkParquetIngest reads a flat parquet file into batches.
func BenchmarkParquetIngest(b *testing.B) {
	type rec struct {
		ID    int32   `parquet:"id"`
		Word  string  `parquet:"word"`
		Score float64 `parquet:"score"`
		Count int64   `parquet:"count"`
	}
	recs := make([]rec, benchRows)
	for i := range recs {
		recs[i] = rec{int32(i), "word" + strconv.Itoa(i%1000), float64(i%977) + 0.5, int64(i) * 1_000_003}
	}
	p := b.TempDir() + "/bench.parquet"
	if err := parquet.WriteFile(p, recs); err != nil {
		b.Fatal(err)
	}
	st := schemaOfB(b, "id", "int", "word", "string", "score", "double", "count", "long")
	r, err := NewReader("parquet", st, nil, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		bs, err := r.ReadFile(p)
		if err != nil || len(bs) == 0 {
			b.Fatal(err)
		}
	}
	reportRows(b, start)
}
