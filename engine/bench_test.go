package engine_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

const benchRows = 1 << 20

func benchWords() []string {
	words := make([]string, benchRows)
	for i := range words {
		words[i] = "w" + strconv.Itoa((i*7919)%1000)
	}
	return words
}

func benchSession(b *testing.B) *engine.Session {
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	b.Cleanup(s.Stop)
	return s
}

// BenchmarkGroupByCountMemory: groupBy(word).count() over an in-memory DataFrame of 1M
// rows, 1000 distinct words; BenchmarkGroupByCountMemoryHandLoop does the same with a Go
// map.
func BenchmarkGroupByCountMemory(b *testing.B) {
	s := benchSession(b)
	words := benchWords()
	rows := make([][]any, len(words))
	for i, w := range words {
		rows[i] = []any{w, int64(i)}
	}
	df := s.CreateDataFrame(rows, "word", "n").GroupBy("word").Count()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := df.Count()
		if err != nil || n != 1000 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkGroupByCountMemoryHandLoop(b *testing.B) {
	words := benchWords()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		counts := map[string]int64{}
		for _, w := range words {
			counts[w]++
		}
		if len(counts) != 1000 {
			b.Fatal(len(counts))
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func benchCSV(b *testing.B) string {
	path := filepath.Join(b.TempDir(), "words.csv")
	var buf bytes.Buffer
	for i, w := range benchWords() {
		fmt.Fprintf(&buf, "%s,%d\n", w, i)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	return path
}

// BenchmarkGroupByCountCSV reads a 1M-row CSV file and counts rows per word;
// BenchmarkGroupByCountCSVHandLoop reads and splits the lines itself.
func BenchmarkGroupByCountCSV(b *testing.B) {
	s := benchSession(b)
	path := benchCSV(b)
	schema := T.NewStructType().Add("word", "string").Add("n", "long")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := s.Read().Schema(schema).CSV(path).GroupBy("word").Count().Count()
		if err != nil || n != 1000 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkGroupByCountCSVHandLoop(b *testing.B) {
	path := benchCSV(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		counts := map[string]int64{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Bytes()
			j := bytes.IndexByte(line, ',')
			if _, err := strconv.ParseInt(string(line[j+1:]), 10, 64); err != nil {
				b.Fatal(err)
			}
			counts[string(line[:j])]++
		}
		f.Close()
		if len(counts) != 1000 {
			b.Fatal(len(counts))
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSlidingWindow aggregates 1M trades spread over 200 minutes into windows of
// ratio*1 minutes sliding by 1 minute: with pane aggregation a row costs one update
// whatever the overlap.
func BenchmarkSlidingWindow(b *testing.B) {
	s := benchSession(b)
	base := time.Date(2020, 12, 21, 8, 0, 0, 0, time.UTC)
	rows := make([][]any, benchRows)
	for i := range rows {
		rows[i] = []any{base.Add(time.Duration(i) * (200 * time.Minute / benchRows)), 100, float64(i % 100)}
	}
	df := s.CreateDataFrame(rows, "dt", "amount", "price")
	for _, ratio := range []int{1, 2, 12, 60} {
		agg := df.GroupBy(F.Window("dt", fmt.Sprintf("%d minutes", ratio), "1 minute")).
			Agg(F.Sum("amount").Alias("amount"), F.Avg("price").Alias("price"))
		b.Run(fmt.Sprintf("ratio=%d", ratio), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n, err := agg.Count()
				if err != nil || n != int64(200+ratio-1) {
					b.Fatal(n, err)
				}
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
