package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/runnel-go/runnel/engine/types"
)

func readStatic(t *testing.T, spec Spec) (*types.StructType, [][]any) {
	t.Helper()
	st, bs, err := ReadStatic(spec)
	if err != nil {
		t.Fatal(err)
	}
	return st, rowsOf(bs)
}

func TestReadStaticCSVInference(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "id,big,score,flag,when,day,name,mixed,empty\n"+
		"1,10000000000,1.5,true,2021-01-01 10:00:00,2021-01-01,ann,1,\n"+
		"2,3,2,false,2021-01-02T11:00:00,2021-01-02,bob,x,\n", base)
	writeFile(t, dir, "b.csv", "id,big,score,flag,when,day,name,mixed,empty\n"+
		"3,,NaN,,2021-01-03 12:00:00,2021-01-03 00:00:00,,2,\n", base.Add(time.Second))
	st, rows := readStatic(t, Spec{Format: "csv", Paths: []string{dir}, Options: map[string]string{"header": "true", "inferSchema": "true"}})
	if got := st.SimpleString(); got != "struct<id:int,big:bigint,score:double,flag:boolean,when:timestamp,day:timestamp,name:string,mixed:string,empty:string>" {
		t.Fatalf("schema %s", got)
	}
	if len(rows) != 3 || rows[2][0] != int32(3) || rows[2][5] != micros(t, "2021-01-03 00:00:00", time.UTC) {
		t.Fatalf("rows %v", rows)
	}

	// Without inferSchema: all strings; without header: _c0, _c1, ...
	st, rows = readStatic(t, Spec{Format: "csv", Paths: []string{filepath.Join(dir, "a.csv")}, Options: map[string]string{"header": "true"}})
	if got := st.SimpleString(); got != "struct<id:string,big:string,score:string,flag:string,when:string,day:string,name:string,mixed:string,empty:string>" {
		t.Fatalf("schema %s", got)
	}
	if rows[0][0] != "1" {
		t.Fatalf("rows %v", rows)
	}
	st, rows = readStatic(t, Spec{Format: "csv", Paths: []string{filepath.Join(dir, "a.csv")}, Options: map[string]string{"inferSchema": "true"}})
	if got := st.SimpleString(); got != "struct<_c0:string,_c1:string,_c2:string,_c3:string,_c4:string,_c5:string,_c6:string,_c7:string,_c8:string>" {
		t.Fatalf("schema %s", got)
	}
	if len(rows) != 3 || rows[0][0] != "id" {
		t.Fatalf("rows %v", rows)
	}
	// Dates alone stay dates; duplicate header names get their position.
	writeFile(t, dir, "c/d.csv", "d,x,x\n2021-01-01,1,2\n", base)
	st, _ = readStatic(t, Spec{Format: "csv", Paths: []string{filepath.Join(dir, "c")}, Options: map[string]string{"header": "true", "inferSchema": "true"}})
	if got := st.SimpleString(); got != "struct<d:date,x1:int,x2:int>" {
		t.Fatalf("schema %s", got)
	}
}

func TestReadStaticJSONInference(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", `{"name":"a","n":1,"tags":["x"],"s":{"z":1,"b":"q"}}
{"n":2.5,"extra":null,"e":{}}
{oops
{"name":5,"s":{"c":true}}
`, base)
	st, rows := readStatic(t, Spec{Format: "json", Paths: []string{dir}})
	want := "struct<_corrupt_record:string,extra:string,n:double,name:string,s:struct<b:string,c:boolean,z:bigint>,tags:array<string>>"
	if got := st.SimpleString(); got != want {
		t.Fatalf("schema\n got %s\nwant %s", got, want)
	}
	checkRowsPlain(t, rows, [][]any{
		{nil, nil, 1.0, "a", []any{"q", nil, int64(1)}, []any{"x"}},
		{nil, nil, 2.5, nil, nil, nil},
		{"{oops", nil, nil, nil, nil, nil},
		{nil, nil, nil, "5", []any{nil, true, nil}, nil},
	})
	st, _ = readStatic(t, Spec{Format: "json", Paths: []string{dir}, Options: map[string]string{"mode": "DROPMALFORMED"}})
	if got := st.SimpleString(); got != "struct<extra:string,n:double,name:string,s:struct<b:string,c:boolean,z:bigint>,tags:array<string>>" {
		t.Fatalf("schema %s", got)
	}
	_, _, err := ReadStatic(Spec{Format: "json", Paths: []string{dir}, Options: map[string]string{"mode": "FAILFAST"}})
	if err == nil || !strings.Contains(err.Error(), "a.json:3: Malformed records are detected in schema inference. Parse Mode: FAILFAST.") {
		t.Fatalf("got %v", err)
	}
}

func checkRowsPlain(t *testing.T, got, want [][]any) {
	t.Helper()
	if fmtRows(got) != fmtRows(want) {
		t.Fatalf("rows differ\n got: %s\nwant: %s", fmtRows(got), fmtRows(want))
	}
}

func TestReadStaticGlobsAndErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "2021/a.txt", "a\n", base)
	writeFile(t, dir, "2022/b.txt", "b\n", base)
	writeFile(t, dir, "2023/c.log", "c\n", base)
	writeFile(t, dir, "2022/_SUCCESS", "", base)
	_, rows := readStatic(t, Spec{Format: "text", Paths: []string{filepath.Join(dir, "202{1,2}", "*.txt")}})
	checkRowsPlain(t, rows, textRows("a", "b"))
	_, rows = readStatic(t, Spec{Format: "text", Options: map[string]string{"path": dir}})
	checkRowsPlain(t, rows, textRows("a", "b", "c"))
	_, _, err := ReadStatic(Spec{Format: "csv", Paths: []string{filepath.Join(dir, "missing")}})
	if err == nil || err.Error() != "[PATH_NOT_FOUND] Path does not exist: file:"+filepath.Join(dir, "missing")+"." {
		t.Fatalf("got %v", err)
	}
	empty := t.TempDir()
	_, _, err = ReadStatic(Spec{Format: "parquet", Paths: []string{empty}})
	if err == nil || err.Error() != "[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for Parquet. It must be specified manually." {
		t.Fatalf("got %v", err)
	}
	_, _, err = ReadStatic(Spec{Format: "rate"})
	if err == nil || err.Error() != "Data source rate does not support batch queries." {
		t.Fatalf("got %v", err)
	}
}

func writeSinkLog(t *testing.T, dir, name string, paths []string, action string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("v1")
	for _, p := range paths {
		b.WriteString("\n" + `{"path":"` + fileURI(p) + `","size":10,"isDir":false,"modificationTime":1,"blockReplication":1,"blockSize":33554432,"action":"` + action + `"}`)
	}
	writeFile(t, filepath.Join(dir, SinkLogDir), name, b.String(), time.Time{})
}

func TestSinkLog(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "part-0.txt", "a\n", base)
	b := writeFile(t, dir, "part-1.txt", "b\n", base)
	writeFile(t, dir, "part-2.txt", "partial, never committed\n", base)
	c := writeFile(t, dir, "part-3.txt", "c\n", base)
	if _, ok, err := ListSinkLog(dir); ok || err != nil {
		t.Fatalf("no log yet: %v %v", ok, err)
	}
	writeSinkLog(t, dir, "0", []string{a}, "add")
	writeSinkLog(t, dir, "1", []string{b}, "add")
	writeFile(t, filepath.Join(dir, SinkLogDir), ".2.tmp", "v1\ngarbage", time.Time{})
	files, ok, err := ListSinkLog(dir)
	if err != nil || !ok || strings.Join(files, ",") != a+","+b {
		t.Fatalf("%v %v %v", files, ok, err)
	}
	_, rows := readStatic(t, Spec{Format: "text", Paths: []string{dir}})
	checkRowsPlain(t, rows, textRows("a", "b"))

	// A compaction holds everything up to it; later batches add to it; deletes remove.
	writeSinkLog(t, dir, "9.compact", []string{b, c}, "add")
	writeSinkLog(t, dir, "10", []string{a}, "add")
	writeSinkLog(t, dir, "11", []string{b}, "delete")
	files, _, err = ListSinkLog(dir)
	if err != nil || strings.Join(files, ",") != c+","+a {
		t.Fatalf("%v %v", files, err)
	}
	writeFile(t, filepath.Join(dir, SinkLogDir), "12", "v9\n{}", time.Time{})
	if _, _, err := ListSinkLog(dir); err == nil || !strings.Contains(err.Error(), "UnsupportedLogVersion") {
		t.Fatalf("got %v", err)
	}
}

func TestParquetReadAndInfer(t *testing.T) {
	dir := t.TempDir()
	type rec struct {
		ID    int64     `parquet:"id"`
		Name  *string   `parquet:"name,optional"`
		When  time.Time `parquet:"when,timestamp(millisecond)"`
		Day   int32     `parquet:"day,date"`
		Score float64   `parquet:"score"`
		Small int32     `parquet:"small"`
		Ok    bool      `parquet:"ok"`
	}
	ann := "ann"
	t1 := time.Date(2021, 1, 1, 10, 0, 0, 0, time.UTC)
	recs := []rec{
		{ID: 1, Name: &ann, When: t1, Day: 18628, Score: 1.5, Small: 7, Ok: true},
		{ID: 2, Name: nil, When: t1.Add(time.Second), Day: 18629, Score: -2, Small: 8},
	}
	p := filepath.Join(dir, "part-0.parquet")
	if err := parquet.WriteFile(p, recs); err != nil {
		t.Fatal(err)
	}
	st, rows := readStatic(t, Spec{Format: "parquet", Paths: []string{dir}})
	if got := st.SimpleString(); got != "struct<id:bigint,name:string,when:timestamp,day:date,score:double,small:int,ok:boolean>" {
		t.Fatalf("schema %s", got)
	}
	t1u := t1.UnixMicro()
	checkRowsPlain(t, rows, [][]any{
		{int64(1), "ann", t1u, int32(18628), 1.5, int32(7), true},
		{int64(2), nil, t1u + 1000000, int32(18629), -2.0, int32(8), false},
	})
	// A user schema picks columns by name (any case), widens int to long, and reads a
	// missing column as null.
	user := schemaOf(t, "SCORE", "double", "small", "long", "missing", "string")
	_, rows = readStatic(t, Spec{Format: "parquet", Paths: []string{p}, Schema: user})
	checkRowsPlain(t, rows, [][]any{{1.5, int64(7), nil}, {-2.0, int64(8), nil}})
	_, _, err := ReadStatic(Spec{Format: "parquet", Paths: []string{p}, Schema: schemaOf(t, "name", "int")})
	if err == nil || !strings.HasPrefix(err.Error(), "Parquet column cannot be converted in file "+p+". Column: [name], Expected: int, Found:") {
		t.Fatalf("got %v", err)
	}
	// A file that is not parquet.
	os.WriteFile(filepath.Join(dir, "junk.parquet"), []byte("not parquet"), 0o644)
	_, _, err = ReadStatic(Spec{Format: "parquet", Paths: []string{filepath.Join(dir, "junk.parquet")}, Schema: user})
	if err == nil || !strings.Contains(err.Error(), "reading parquet file "+filepath.Join(dir, "junk.parquet")) {
		t.Fatalf("got %v", err)
	}
	_, rows = readStatic(t, Spec{Format: "parquet", Paths: []string{dir}, Schema: user, Options: map[string]string{"ignoreCorruptFiles": "true"}})
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
}

func TestReadStaticJSONOptions(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", `{'a': 1, 'b': true, 'c': null, 'd': [], 's': 'its'}`+"\n"+`{"a": 2.5, "e": {"x": null}}`+"\n", base)
	st, _ := readStatic(t, Spec{Format: "json", Paths: []string{dir}})
	if got := st.SimpleString(); got != "struct<a:double,b:boolean,c:string,d:array<string>,e:struct<x:string>,s:string>" {
		t.Fatalf("schema %s", got)
	}
	st, rows := readStatic(t, Spec{Format: "json", Paths: []string{dir}, Options: map[string]string{"primitivesAsString": "true", "dropFieldIfAllNull": "true"}})
	if got := st.SimpleString(); got != "struct<a:string,b:string,s:string>" {
		t.Fatalf("schema %s", got)
	}
	checkRowsPlain(t, rows, [][]any{{"1", "true", "its"}, {"2.5", nil, nil}})
	writeFile(t, dir, "a.json", `{'a': 1, 's': 'it\'s'}`+"\n", base)
	st, rows = readStatic(t, Spec{Format: "json", Paths: []string{dir}})
	if got := st.SimpleString(); got != "struct<a:bigint,s:string>" {
		t.Fatalf("schema %s", got)
	}
	checkRowsPlain(t, rows, [][]any{{int64(1), "it's"}})
	_, rows = readStatic(t, Spec{Format: "json", Paths: []string{dir}, Schema: schemaOf(t, "a", "long", "_corrupt_record", "string"),
		Options: map[string]string{"allowSingleQuotes": "false"}})
	checkRowsPlain(t, rows, [][]any{{nil, `{'a': 1, 's': 'it\'s'}`}})
}

func TestReadStaticCSVPreferDate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "d\n2021-01-01\n", base)
	st, rows := readStatic(t, Spec{Format: "csv", Paths: []string{dir}, Options: map[string]string{"header": "true", "inferSchema": "true", "preferDate": "false"}})
	if got := st.SimpleString(); got != "struct<d:timestamp>" {
		t.Fatalf("schema %s", got)
	}
	checkRowsPlain(t, rows, [][]any{{micros(t, "2021-01-01 00:00:00", time.UTC)}})
}
