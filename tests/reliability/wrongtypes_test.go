package reliability

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParquetWrongTypes streams parquet files whose columns do not match the schema the
// query gives, and a file that is not parquet at all: the query fails with an error that
// names the file (no panic, no hang); ignoreCorruptFiles skips the garbage file.
func TestParquetWrongTypes(t *testing.T) {
	s := newSession(t)
	src := t.TempDir()
	good := filepath.Join(src, "good")
	if err := s.CreateDataFrame([][]any{{"a", int64(1)}}, "s", "n").Write().Parquet(good); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(good, "*.parquet"))
	if err != nil || len(files) != 1 {
		t.Fatalf("parquet files %v %v", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, schema string }{
		{"string as int", "s INT, n LONG"},
		{"long as struct", "s STRING, n STRUCT<x: INT>"},
		{"long as array", "s STRING, n ARRAY<INT>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeAt(t, dir, "x.parquet", data, 0)
			_, err := runToEnd(t, s.ReadStream().SchemaDDL(c.schema).Parquet(dir), "")
			if err == nil || !strings.Contains(err.Error(), p) {
				t.Fatalf("got %v, want an error naming %s", err, p)
			}
			t.Logf("%s: %v", c.name, err)
		})
	}
	t.Run("garbage", func(t *testing.T) {
		dir := t.TempDir()
		rng := rand.New(rand.NewPCG(1, 2))
		junk := make([]byte, 4096)
		for i := range junk {
			junk[i] = byte(rng.UintN(256))
		}
		writeAt(t, dir, "0.parquet", data, 0)
		p := writeAt(t, dir, "1.parquet", junk, 1)
		// PAR1 magic at both ends, garbage between: the footer length is nonsense.
		fake := append(append([]byte("PAR1"), junk...), []byte("\xff\xff\xff\x7fPAR1")...)
		q := writeAt(t, dir, "2.parquet", fake, 2)
		_, err := runToEnd(t, s.ReadStream().SchemaDDL("s STRING, n LONG").Option("maxFilesPerTrigger", 1).Parquet(dir), "")
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("got %v, want an error naming %s", err, p)
		}
		got, err := runToEnd(t, s.ReadStream().SchemaDDL("s STRING, n LONG").Option("ignoreCorruptFiles", true).Parquet(dir), "")
		if err != nil {
			t.Fatalf("with ignoreCorruptFiles: %v (%s)", err, q)
		}
		equalLines(t, "rows", got.sorted(), []string{"a|1"})
	})
}
