package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/internal/source"
	"github.com/runnel-go/runnel/engine/types"
)

const ts2021 = int64(1609459200000000) // 2021-01-01T00:00:00Z in micros

func tradeSchema() *types.StructType {
	return types.NewStructType().
		Add("id", "int").
		Add("name", "string").
		Add("price", "double").
		Add("ts", "timestamp").
		Add("day", "date").
		Add("ok", "boolean").
		Add("n", "long")
}

func tradeBatch() *batch.Batch {
	b := batch.New(tradeSchema(), 4)
	b.AppendRow([]any{int32(1), "BTC", 100.5, ts2021, int32(18628), true, int64(10000000000)})
	b.AppendRow([]any{int32(2), `a,b "q"`, 1e10, ts2021 + 123456, nil, false, nil})
	b.AppendRow([]any{nil, "", math.NaN(), nil, nil, nil, nil})
	b.AppendRow([]any{int32(4), "  pad  ", -0.001, ts2021 - 1, int32(-1), true, int64(-5)})
	return b
}

// addAndRead adds one batch and returns the single data file's path and content.
func addAndRead(t *testing.T, s *Sink, batchID int64, b *batch.Batch) (string, []byte) {
	t.Helper()
	if err := s.AddBatch(context.Background(), batchID, b); err != nil {
		t.Fatal(err)
	}
	files, ok, err := CommittedFiles(s.Dir())
	if err != nil || !ok || len(files) == 0 {
		t.Fatalf("CommittedFiles = %v %v %v", files, ok, err)
	}
	p := files[len(files)-1]
	content, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, content
}

func TestCSVContent(t *testing.T) {
	s, err := New("csv", filepath.Join(t.TempDir(), "out"), nil, tradeSchema(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, got := addAndRead(t, s, 0, tradeBatch())
	want := "1,BTC,100.5,2021-01-01T00:00:00.000Z,2021-01-01,true,10000000000\n" +
		`2,"a,b \"q\"",1.0E10,2021-01-01T00:00:00.123Z,,false,` + "\n" +
		`,"",NaN,,,,` + "\n" +
		"4,pad,-0.001,2020-12-31T23:59:59.999Z,1969-12-31,true,-5\n"
	if string(got) != want {
		t.Fatalf("csv =\n%s\nwant\n%s", got, want)
	}
	base := filepath.Base(p)
	if !strings.HasPrefix(base, "part-00000-") || !strings.HasSuffix(base, "-c000.csv") || len(base) != len("part-00000-")+36+len("-c000.csv") {
		t.Fatalf("file name %q is not Spark's part-00000-<uuid>-c000.csv", base)
	}
}

func TestCSVOptionsAndZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	schema := types.NewStructType().Add("name", "string").Add("ts", "timestamp")
	opts := map[string]string{"header": "true", "SEP": ";", "nullValue": "NA", "timestampFormat": "yyyy/MM/dd HH:mm:ss.SSSSSS xxx"}
	s, err := New("csv", filepath.Join(t.TempDir(), "out"), opts, schema, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	b := batch.New(schema, 2)
	b.AppendRow([]any{"x;y", ts2021 + 1})
	b.AppendRow([]any{nil, nil})
	_, got := addAndRead(t, s, 0, b)
	want := "name;ts\n\"x;y\";2021/01/01 08:00:00.000001 +08:00\nNA;NA\n"
	if string(got) != want {
		t.Fatalf("csv =\n%q\nwant\n%q", got, want)
	}
	// The default format in a non-UTC zone.
	s2, _ := New("csv", filepath.Join(t.TempDir(), "out2"), nil, schema, shanghai)
	_, got = addAndRead(t, s2, 0, b)
	if want := "x;y,2021-01-01T08:00:00.000+08:00\n,\n"; string(got) != want {
		t.Fatalf("csv =\n%q\nwant\n%q", got, want)
	}
}

func TestJSONContent(t *testing.T) {
	s, err := New("json", filepath.Join(t.TempDir(), "out"), nil, tradeSchema(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, got := addAndRead(t, s, 0, tradeBatch())
	want := `{"id":1,"name":"BTC","price":100.5,"ts":"2021-01-01T00:00:00.000Z","day":"2021-01-01","ok":true,"n":10000000000}` + "\n" +
		`{"id":2,"name":"a,b \"q\"","price":1.0E10,"ts":"2021-01-01T00:00:00.123Z","ok":false}` + "\n" +
		`{"name":"","price":"NaN"}` + "\n" +
		`{"id":4,"name":"  pad  ","price":-0.001,"ts":"2020-12-31T23:59:59.999Z","day":"1969-12-31","ok":true,"n":-5}` + "\n"
	if string(got) != want {
		t.Fatalf("json =\n%s\nwant\n%s", got, want)
	}
}

func TestJSONNested(t *testing.T) {
	win := types.NewStructType().Add("start", "timestamp").Add("end", "timestamp")
	schema := types.NewStructType().
		Add("window", win).
		Add("tags", "array<string>").
		Add("m", "map<string,bigint>").
		Add("bin", "binary").
		Add("s", "string")
	b := batch.New(schema, 2)
	b.AppendRow([]any{[]any{ts2021, nil}, []any{"a", nil}, &batch.MapValue{Keys: []any{"k", "z"}, Values: []any{int64(1), nil}},
		[]byte("hi"), "tab\there \u00e9 \x01 <&> / \\"})
	b.AppendRow([]any{nil, []any{}, nil, nil, nil})
	s, err := New("json", filepath.Join(t.TempDir(), "out"), nil, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, got := addAndRead(t, s, 0, b)
	want := `{"window":{"start":"2021-01-01T00:00:00.000Z"},"tags":["a",null],"m":{"k":1,"z":null},"bin":"aGk=","s":"tab\there é \u0001 <&> / \\"}` + "\n" +
		`{"tags":[]}` + "\n"
	if string(got) != want {
		t.Fatalf("json =\n%s\nwant\n%s", got, want)
	}
}

func TestParquetContent(t *testing.T) {
	s, err := New("parquet", filepath.Join(t.TempDir(), "out"), nil, tradeSchema(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := addAndRead(t, s, 0, tradeBatch())
	if !strings.HasSuffix(p, "-c000.snappy.parquet") {
		t.Fatalf("file name %q", p)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	wantSchema := `message spark_schema {
	optional int32 id (INT(32,true));
	optional binary name (STRING);
	optional double price;
	optional int64 ts (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional int32 day (DATE);
	optional boolean ok;
	optional int64 n (INT(64,true));
}`
	if got := pf.Schema().String(); got != wantSchema {
		t.Fatalf("schema =\n%s\nwant\n%s", got, wantSchema)
	}
	if pf.NumRows() != 4 {
		t.Fatalf("NumRows = %d", pf.NumRows())
	}
	rows := readParquetRows(t, pf)
	want := [][]any{
		{int32(1), "BTC", 100.5, ts2021, int32(18628), true, int64(10000000000)},
		{int32(2), `a,b "q"`, 1e10, ts2021 + 123456, nil, false, nil},
		{nil, "", math.NaN(), nil, nil, nil, nil},
		{int32(4), "  pad  ", -0.001, ts2021 - 1, int32(-1), true, int64(-5)},
	}
	for i := range want {
		if fmt.Sprint(rows[i]) != fmt.Sprint(want[i]) {
			t.Fatalf("row %d = %v, want %v", i, rows[i], want[i])
		}
	}
	meta, _ := pf.Lookup("org.apache.spark.sql.parquet.row.metadata")
	wantMeta := `{"type":"struct","fields":[{"name":"id","type":"integer","nullable":true,"metadata":{}},` +
		`{"name":"name","type":"string","nullable":true,"metadata":{}},{"name":"price","type":"double","nullable":true,"metadata":{}},` +
		`{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},{"name":"day","type":"date","nullable":true,"metadata":{}},` +
		`{"name":"ok","type":"boolean","nullable":true,"metadata":{}},{"name":"n","type":"long","nullable":true,"metadata":{}}]}`
	if meta != wantMeta {
		t.Fatalf("spark row metadata =\n%s\nwant\n%s", meta, wantMeta)
	}
}

// readParquetRows reads a flat file's rows as Go values (nil for null).
func readParquetRows(t *testing.T, pf *parquet.File) [][]any {
	t.Helper()
	var out [][]any
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 16)
		for {
			n, err := rr.ReadRows(buf)
			for _, row := range buf[:n] {
				vals := make([]any, len(row))
				for i, v := range row {
					switch {
					case v.IsNull():
					case v.Kind() == parquet.ByteArray:
						vals[i] = string(v.ByteArray())
					case v.Kind() == parquet.Int32:
						vals[i] = v.Int32()
					case v.Kind() == parquet.Int64:
						vals[i] = v.Int64()
					case v.Kind() == parquet.Double:
						vals[i] = v.Double()
					case v.Kind() == parquet.Boolean:
						vals[i] = v.Boolean()
					default:
						vals[i] = v.String()
					}
				}
				out = append(out, vals)
			}
			if err != nil {
				break
			}
		}
		rr.Close()
	}
	return out
}

func TestParquetNested(t *testing.T) {
	win := types.NewStructType().Add("start", "timestamp").Add("end", "timestamp")
	schema := types.NewStructType().
		Add("window", win).
		Add("tags", "array<string>").
		Add("m", "map<string,bigint>")
	b := batch.New(schema, 3)
	b.AppendRow([]any{[]any{int64(1), int64(2)}, []any{"a", nil, "c"}, &batch.MapValue{Keys: []any{"k"}, Values: []any{int64(7)}}})
	b.AppendRow([]any{nil, []any{}, nil})
	b.AppendRow([]any{[]any{nil, int64(3)}, nil, &batch.MapValue{Keys: []any{"x", "y"}, Values: []any{nil, int64(9)}}})
	s, err := New("parquet", filepath.Join(t.TempDir(), "out"), map[string]string{"compression": "none"}, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := addAndRead(t, s, 0, b)
	if !strings.HasSuffix(p, "-c000.parquet") || strings.HasSuffix(p, "snappy.parquet") {
		t.Fatalf("uncompressed file name %q", p)
	}
	f, _ := os.Open(p)
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	wantSchema := `message spark_schema {
	optional group window {
		optional int64 start (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
		optional int64 end (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	}
	optional group tags (LIST) {
		repeated group list {
			optional binary element (STRING);
		}
	}
	optional group m (MAP) {
		repeated group key_value {
			required binary key (STRING);
			optional int64 value (INT(64,true));
		}
	}
}`
	if got := pf.Schema().String(); got != wantSchema {
		t.Fatalf("schema =\n%s\nwant\n%s", got, wantSchema)
	}
	// Each leaf value as column:rep:def:value.
	var got []string
	rr := pf.RowGroups()[0].Rows()
	defer rr.Close()
	buf := make([]parquet.Row, 8)
	for {
		n, err := rr.ReadRows(buf)
		for _, row := range buf[:n] {
			var cells []string
			for _, v := range row {
				val := "null"
				if !v.IsNull() {
					val = fmt.Sprint(v)
				}
				cells = append(cells, fmt.Sprintf("%d:%d:%d:%s", v.Column(), v.RepetitionLevel(), v.DefinitionLevel(), val))
			}
			got = append(got, strings.Join(cells, " "))
		}
		if err != nil {
			break
		}
	}
	want := []string{
		"0:0:2:1 1:0:2:2 2:0:3:a 2:1:2:null 2:1:3:c 3:0:2:k 4:0:3:7",
		"0:0:0:null 1:0:0:null 2:0:1:null 3:0:0:null 4:0:0:null",
		"0:0:1:null 1:0:2:3 2:0:0:null 3:0:2:x 3:1:2:y 4:0:2:null 4:1:3:9",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMetadataLogFormatAndReplaySkip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	schema := types.NewStructType().Add("v", "string")
	s, err := New("csv", dir, nil, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Description() != "FileSink["+dir+"]" {
		t.Fatalf("Description = %q", s.Description())
	}
	b := batch.New(schema, 1)
	b.AppendRow([]any{"first"})
	p, _ := addAndRead(t, s, 0, b)
	fi, _ := os.Stat(p)
	entry, _ := os.ReadFile(filepath.Join(dir, "_spark_metadata", "0"))
	want := fmt.Sprintf("v1\n{\"path\":\"file://%s\",\"size\":6,\"isDir\":false,\"modificationTime\":%d,\"blockReplication\":1,\"blockSize\":33554432,\"action\":\"add\"}",
		p, fi.ModTime().UnixMilli())
	if string(entry) != want {
		t.Fatalf("_spark_metadata/0 =\n%s\nwant\n%s", entry, want)
	}
	// A replay of batch 0 (after a restart) writes nothing.
	b2 := batch.New(schema, 1)
	b2.AppendRow([]any{"replayed"})
	if err := s.AddBatch(context.Background(), 0, b2); err != nil {
		t.Fatal(err)
	}
	// So does an empty batch, except its (empty) log entry.
	if err := s.AddBatch(context.Background(), 1, batch.New(schema, 0)); err != nil {
		t.Fatal(err)
	}
	if e, _ := os.ReadFile(filepath.Join(dir, "_spark_metadata", "1")); string(e) != "v1" {
		t.Fatalf("_spark_metadata/1 = %q", e)
	}
	// A new sink on the same path (a restart) skips the replay too.
	s2, _ := New("csv", dir, nil, schema, nil)
	if err := s2.AddBatch(context.Background(), 1, b2); err != nil {
		t.Fatal(err)
	}
	files, _, _ := CommittedFiles(dir)
	if len(files) != 1 || files[0] != p {
		t.Fatalf("committed files = %v, want [%s]", files, p)
	}
	if got := dataFiles(t, dir); len(got) != 1 {
		t.Fatalf("data files on disk = %v", got)
	}
}

func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if strings.HasPrefix(de.Name(), "part-") {
			out = append(out, filepath.Join(dir, de.Name()))
		}
	}
	return out
}

func TestFailedAttemptNeverListed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	schema := types.NewStructType().Add("v", "long")
	s, err := New("parquet", dir, nil, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := batch.New(schema, 1)
	b.AppendRow([]any{int64(1)})
	committed, _ := addAndRead(t, s, 0, b)

	// A crashed attempt left a partial part file behind.
	orphan := filepath.Join(dir, "part-00000-deadbeef-0000-0000-0000-000000000000-c000.snappy.parquet")
	os.WriteFile(orphan, []byte("PAR1 half"), 0o644)

	// A cancelled batch writes nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.AddBatch(ctx, 1, b); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled AddBatch = %v", err)
	}
	// A batch whose log entry cannot be written removes its file and reports the error.
	os.Mkdir(filepath.Join(dir, "_spark_metadata", "1"), 0o755)
	if err := s.AddBatch(context.Background(), 1, b); err == nil {
		t.Fatal("AddBatch succeeded although its log entry could not be written")
	}
	files, ok, err := CommittedFiles(dir)
	if err != nil || !ok || !reflect.DeepEqual(files, []string{committed}) {
		t.Fatalf("CommittedFiles = %v %v %v, want only %s", files, ok, err, committed)
	}
	onDisk := dataFiles(t, dir)
	slices.Sort(onDisk)
	want := []string{committed, orphan}
	slices.Sort(want)
	if !reflect.DeepEqual(onDisk, want) {
		t.Fatalf("data files = %v, want %v (the failed attempt's file removed)", onDisk, want)
	}
	// A torn last log entry (crash) is absent: the batch is written again.
	os.Remove(filepath.Join(dir, "_spark_metadata", "1"))
	os.WriteFile(filepath.Join(dir, "_spark_metadata", "1"), []byte(`v1`+"\n"+`{"path":"file:///x`), 0o644)
	if id, ok, err := s.Log().Latest(); err != nil || !ok || id != 0 {
		t.Fatalf("Latest with torn entry 1 = %d %v %v", id, ok, err)
	}
	if err := s.AddBatch(context.Background(), 1, b); err != nil {
		t.Fatal(err)
	}
	if files, _, _ := CommittedFiles(dir); len(files) != 2 {
		t.Fatalf("after rewriting batch 1: %v", files)
	}
}

func TestMetadataLogCompaction(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	schema := types.NewStructType().Add("v", "long")
	s, err := New("json", dir, nil, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := int64(0); i < 23; i++ {
		b := batch.New(schema, 1)
		b.AppendRow([]any{i})
		p, _ := addAndRead(t, s, i, b)
		want = append(want, p)
	}
	for _, name := range []string{"9.compact", "19.compact", "22", "10"} {
		if _, err := os.Stat(filepath.Join(dir, MetadataDir, name)); err != nil {
			t.Fatalf("log entry %s: %v", name, err)
		}
	}
	c, _ := os.ReadFile(filepath.Join(dir, MetadataDir, "19.compact"))
	if n := strings.Count(string(c), "\n"); n != 20 {
		t.Fatalf("19.compact lists %d files, want 20", n)
	}
	// Readers need only the latest compaction and what follows (Spark deletes the rest).
	for i := 0; i < 19; i++ {
		os.Remove(filepath.Join(dir, MetadataDir, fmt.Sprint(i)))
	}
	os.Remove(filepath.Join(dir, MetadataDir, "9.compact"))
	got, _, err := CommittedFiles(dir)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("CommittedFiles = %v, %v; want %v", got, err, want)
	}
	if read, _, err := source.ListSinkLog(dir); err != nil || !reflect.DeepEqual(read, want) {
		t.Fatalf("source.ListSinkLog = %v, %v; want %v", read, err, want)
	}
	// A batch listed before the compaction is skipped as already committed.
	if err := s.AddBatch(context.Background(), 15, batch.New(schema, 0)); err != nil {
		t.Fatal(err)
	}
	if id, _, _ := s.Log().Latest(); id != 22 {
		t.Fatalf("Latest = %d", id)
	}
}

func TestDeleteActionAndMissingBatch(t *testing.T) {
	out := t.TempDir()
	l, err := OpenMetadataLog(out)
	if err != nil {
		t.Fatal(err)
	}
	a := FileStatus{Path: "file:///o/a", Action: ActionAdd}
	b := FileStatus{Path: "file:///o/b", Action: ActionAdd}
	l.Add(0, []FileStatus{a, b})
	l.Add(1, []FileStatus{{Path: "file:///o/a", Action: ActionDelete}})
	files, err := l.AllFiles()
	if err != nil || len(files) != 1 || files[0].Path != b.Path {
		t.Fatalf("AllFiles = %v %v", files, err)
	}
	if err := l.Add(1, nil); !errors.Is(err, checkpoint.ErrBatchExists) {
		t.Fatalf("second Add(1) = %v", err)
	}
	// Ids need not be contiguous (a batch write may use a timestamp as its id), and a
	// compaction at such an id still lists everything.
	big := int64(1795000000000000009)
	if err := l.Add(big, []FileStatus{{Path: "file:///o/c", Action: ActionAdd}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, MetadataDir, fmt.Sprint(big)+".compact")); err != nil {
		t.Fatal(err)
	}
	l.Add(big+1, []FileStatus{{Path: "file:///o/d", Action: ActionAdd}})
	files, err = l.AllFiles()
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if err != nil || !reflect.DeepEqual(paths, []string{"file:///o/b", "file:///o/c", "file:///o/d"}) {
		t.Fatalf("AllFiles with sparse ids = %v %v", paths, err)
	}
	if _, ok, _ := CommittedFiles(t.TempDir()); ok {
		t.Fatal("CommittedFiles found a log in an empty directory")
	}
}

func TestErrors(t *testing.T) {
	schema := types.NewStructType().Add("v", "string")
	if _, err := New("csv", "", nil, schema, nil); err == nil || err.Error() != "'path' is not specified" {
		t.Fatalf("no path: %v", err)
	}
	if err := CheckOutputMode("csv", "Update"); err == nil || err.Error() != "Data source csv does not support Update output mode" {
		t.Fatalf("update: %v", err)
	}
	if err := CheckOutputMode("parquet", "Append"); err != nil {
		t.Fatal(err)
	}
	if ErrCheckpointLocationRequired.Error() != `checkpointLocation must be specified either through option("checkpointLocation", ...) or SparkSession.conf.set("spark.sql.streaming.checkpointLocation", ...)` {
		t.Fatal(ErrCheckpointLocationRequired)
	}
	nested := types.NewStructType().Add("arr", "array<string>")
	_, err := New("csv", t.TempDir(), nil, nested, nil)
	if err == nil || err.Error() != "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `arr` of the type \"ARRAY<STRING>\"." {
		t.Fatalf("csv array: %v", err)
	}
	iv := types.NewStructType().Add("i", types.IntervalType)
	if _, err := New("parquet", t.TempDir(), nil, iv, nil); err == nil || !strings.Contains(err.Error(), "The Parquet datasource doesn't support the column `i` of the type \"INTERVAL\".") {
		t.Fatalf("parquet interval: %v", err)
	}
	if _, err := New("json", t.TempDir(), map[string]string{"compression": "brotli"}, schema, nil); err == nil {
		t.Fatal("json accepted an unknown codec")
	}
	s, _ := New("parquet", t.TempDir(), nil, schema, nil)
	wrong := batch.New(types.NewStructType().Add("v", "long"), 1)
	wrong.AppendRow([]any{int64(1)})
	if err := s.AddBatch(context.Background(), 0, wrong); err == nil || err.Error() != `file sink: column "v" is bigint in the batch but string in the sink's schema` {
		t.Fatalf("mismatched batch: %v", err)
	}
	dup := types.NewStructType().Add("a", "int").Add("A", "int")
	if _, err := New("json", t.TempDir(), nil, dup, nil); err == nil || !strings.Contains(err.Error(), "COLUMN_ALREADY_EXISTS") {
		t.Fatalf("duplicate columns: %v", err)
	}
}

func TestFileURIPath(t *testing.T) {
	dir := t.TempDir()
	for _, uri := range []string{"file://" + dir + "/a", "file:" + dir + "/b"} {
		s, err := New("json", uri, nil, types.NewStructType().Add("v", "long"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(dir, uri[len(uri)-1:]); s.Dir() != want || s.Description() != "FileSink["+uri+"]" {
			t.Fatalf("New(%q): dir %s, description %s", uri, s.Dir(), s.Description())
		}
	}
}

func TestGzipJSON(t *testing.T) {
	schema := types.NewStructType().Add("v", "long")
	s, err := New("json", filepath.Join(t.TempDir(), "out"), map[string]string{"compression": "gzip"}, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := batch.New(schema, 1)
	b.AppendRow([]any{int64(3)})
	p, content := addAndRead(t, s, 0, b)
	if !strings.HasSuffix(p, "-c000.json.gz") || len(content) < 10 || content[0] != 0x1f {
		t.Fatalf("gzip file %s: %x", p, content)
	}
}

func TestTimeFormatPatterns(t *testing.T) {
	cases := []struct{ pattern, want string }{
		{DefaultTimestampFormat, "2021-03-04T05:06:07.089Z"},
		{"yyyy-MM-dd HH:mm:ss", "2021-03-04 05:06:07"},
		{"dd/MM/yy hh:mm a EEE MMM", "04/03/21 05:06 AM Thu Mar"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ", "2021-03-04T05:06:07.089012+0000"},
		{"'at' H 'o''clock' D", "at 5 o'clock 63"},
	}
	micros := time.Date(2021, 3, 4, 5, 6, 7, 89012000, time.UTC).UnixMicro()
	for _, c := range cases {
		f, err := compileTimeFormat(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		if got := string(f.appendMicros(nil, micros, time.UTC)); got != c.want {
			t.Fatalf("%s: %q, want %q", c.pattern, got, c.want)
		}
	}
	if _, err := compileTimeFormat("yyyy-MM-dd qq"); err == nil || err.Error() != "Unknown pattern letter: q" {
		t.Fatalf("bad letter: %v", err)
	}
}

func TestFileStatusJSONFieldOrder(t *testing.T) {
	b, _ := json.Marshal(FileStatus{Path: "file:///a", Size: 1, ModificationTime: 2, BlockReplication: 1, BlockSize: 33554432, Action: "add"})
	if string(b) != `{"path":"file:///a","size":1,"isDir":false,"modificationTime":2,"blockReplication":1,"blockSize":33554432,"action":"add"}` {
		t.Fatal(string(b))
	}
}

func TestAppendDoubleMatchesJava(t *testing.T) {
	rng := uint64(1)
	for i := 0; i < 200000; i++ {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		var d float64
		switch i % 3 {
		case 0:
			d = math.Float64frombits(rng)
		case 1:
			d = float64(int64(rng%2000000)-1000000) / 1000
		default:
			d = float64(rng%100000000) * math.Pow(10, float64(int(rng%20))-10)
		}
		if got, want := string(appendDouble(nil, d)), show.FormatDouble(d); got != want {
			t.Fatalf("appendDouble(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestMaxRecordsPerFile(t *testing.T) {
	schema := types.NewStructType().Add("v", "long")
	dir := filepath.Join(t.TempDir(), "out")
	s, err := New("csv", dir, map[string]string{"maxRecordsPerFile": "2"}, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := batch.New(schema, 5)
	for i := range 5 {
		b.AppendRow([]any{int64(i)})
	}
	if err := s.AddBatch(context.Background(), 0, b); err != nil {
		t.Fatal(err)
	}
	files, _, _ := CommittedFiles(dir)
	var contents []string
	for i, f := range files {
		if want := fmt.Sprintf("-c%03d.csv", i); !strings.HasSuffix(f, want) || filepath.Base(f)[:47] != filepath.Base(files[0])[:47] {
			t.Fatalf("file %d = %s, want the batch's job id and suffix %s", i, f, want)
		}
		c, _ := os.ReadFile(f)
		contents = append(contents, string(c))
	}
	if !reflect.DeepEqual(contents, []string{"0\n1\n", "2\n3\n", "4\n"}) {
		t.Fatalf("contents = %q", contents)
	}
	if _, err := New("csv", dir, map[string]string{"maxRecordsPerFile": "x"}, schema, nil); err == nil {
		t.Fatal("accepted a bad maxRecordsPerFile")
	}
}

func TestParquetRowGroups(t *testing.T) {
	schema := types.NewStructType().Add("v", "long").Add("s", "string")
	s, err := New("parquet", filepath.Join(t.TempDir(), "out"), nil, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.parquet.rowGroupRows = 2 * parquetChunkRows
	const n = 5*parquetChunkRows + 17
	b := batch.New(schema, n)
	for i := range n {
		b.AppendRow([]any{int64(i), fmt.Sprint(i)})
	}
	p, _ := addAndRead(t, s, 0, b)
	f, _ := os.Open(p)
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.RowGroups()) != 3 || pf.NumRows() != n {
		t.Fatalf("%d row groups, %d rows; want 3 and %d", len(pf.RowGroups()), pf.NumRows(), n)
	}
	for i, row := range readParquetRows(t, pf) {
		if row[0] != int64(i) || row[1] != fmt.Sprint(i) {
			t.Fatalf("row %d = %v", i, row)
		}
	}
}
