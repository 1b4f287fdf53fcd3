package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

var base = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func openFiles(t *testing.T, spec Spec) *FileSource {
	t.Helper()
	src, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src.(*FileSource)
}

// next runs one trigger: the new offset and the rows between start and it.
func next(t *testing.T, s Source, start Offset) (Offset, [][]any) {
	t.Helper()
	ctx := context.Background()
	end, err := s.LatestOffset(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if end == start {
		return end, nil
	}
	bs, err := s.GetBatch(ctx, start, end)
	if err != nil {
		t.Fatal(err)
	}
	return end, rowsOf(bs)
}

func textRows(vals ...string) [][]any {
	out := [][]any{}
	for _, v := range vals {
		out = append(out, []any{v})
	}
	return out
}

func TestFileSourceOrderAndHiddenNames(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "b.txt", "b1\nb2\n", base.Add(2*time.Second))
	writeFile(t, dir, "a.txt", "a1\n", base.Add(3*time.Second))
	writeFile(t, dir, "c.txt", "c1\n", base.Add(1*time.Second))
	writeFile(t, dir, "d.txt", "d1\n", base.Add(1*time.Second)) // same time as c: by name
	writeFile(t, dir, "_ignored.txt", "no\n", base)
	writeFile(t, dir, ".hidden.txt", "no\n", base)
	writeFile(t, dir, "sub/e.txt", "e1\n", base.Add(4*time.Second))
	writeFile(t, dir, "_tmp/f.txt", "no\n", base)
	s := openFiles(t, Spec{Format: "text", Paths: []string{dir}})
	if s.Description() != "FileStreamSource[file:"+dir+"]" {
		t.Fatalf("description %q", s.Description())
	}
	off, rows := next(t, s, "")
	if off != `{"logOffset":0}` {
		t.Fatalf("offset %s", off)
	}
	if !reflect.DeepEqual(rows, textRows("c1", "d1", "b1", "b2", "a1", "e1")) {
		t.Fatalf("rows %v", rows)
	}
	// Nothing new: the same offset.
	if off2, _ := next(t, s, off); off2 != off {
		t.Fatalf("offset moved to %s", off2)
	}
	writeFile(t, dir, "g.txt", "g1\n", base.Add(10*time.Second))
	off, rows = next(t, s, off)
	if off != `{"logOffset":1}` || !reflect.DeepEqual(rows, textRows("g1")) {
		t.Fatalf("%s %v", off, rows)
	}
}

func TestFileSourceMaxFilesAndLatestFirst(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []string{"1", "2", "3", "4", "5"} {
		writeFile(t, dir, "f"+n+".txt", "v"+n+"\n", base.Add(time.Duration(i)*time.Second))
	}
	s := openFiles(t, Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"maxFilesPerTrigger": "2"}})
	var got [][][]any
	off := Offset("")
	for i := 0; i < 4; i++ {
		var rows [][]any
		off, rows = next(t, s, off)
		got = append(got, rows)
	}
	want := [][][]any{textRows("v1", "v2"), textRows("v3", "v4"), textRows("v5"), nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}

	s = openFiles(t, Spec{Format: "text", Paths: []string{dir},
		Options: map[string]string{"maxFilesPerTrigger": "2", "latestFirst": "true"}})
	got = nil
	off = ""
	for i := 0; i < 3; i++ {
		var rows [][]any
		off, rows = next(t, s, off)
		got = append(got, rows)
	}
	want = [][][]any{textRows("v5", "v4"), textRows("v3", "v2"), textRows("v1")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("latestFirst got %v", got)
	}
}

func TestFileSourceMaxBytes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "aaaa\n", base)                          // 5 bytes
	writeFile(t, dir, "b.txt", "bbbb\n", base.Add(time.Second))         // 5
	writeFile(t, dir, "c.txt", "cccccccccc\n", base.Add(2*time.Second)) // 11
	s := openFiles(t, Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"maxBytesPerTrigger": "10"}})
	off, rows := next(t, s, "")
	if !reflect.DeepEqual(rows, textRows("aaaa", "bbbb")) {
		t.Fatalf("%v", rows)
	}
	// A file larger than the limit still goes, alone.
	_, rows = next(t, s, off)
	if !reflect.DeepEqual(rows, textRows("cccccccccc")) {
		t.Fatalf("%v", rows)
	}
	_, err := Open(Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"maxBytesPerTrigger": "10", "maxFilesPerTrigger": "1"}})
	if err == nil || err.Error() != "Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time" {
		t.Fatalf("got %v", err)
	}
	_, err = Open(Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"maxFilesPerTrigger": "0"}})
	if err == nil || err.Error() != "Invalid value '0' for option 'maxFilesPerTrigger', must be a positive integer" {
		t.Fatalf("got %v", err)
	}
}

func TestFileSourceMaxFileAge(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "new.txt", "new\n", base)
	s := openFiles(t, Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"maxFileAge": "1h"}})
	off, rows := next(t, s, "")
	if !reflect.DeepEqual(rows, textRows("new")) {
		t.Fatalf("%v", rows)
	}
	// Older than the newest file seen minus maxFileAge: skipped. Within it: taken.
	writeFile(t, dir, "old.txt", "old\n", base.Add(-2*time.Hour))
	writeFile(t, dir, "recent.txt", "recent\n", base.Add(-30*time.Minute))
	_, rows = next(t, s, off)
	if !reflect.DeepEqual(rows, textRows("recent")) {
		t.Fatalf("%v", rows)
	}

	// With latestFirst and maxFilesPerTrigger, maxFileAge is ignored.
	dir2 := t.TempDir()
	writeFile(t, dir2, "new.txt", "new\n", base)
	s = openFiles(t, Spec{Format: "text", Paths: []string{dir2},
		Options: map[string]string{"maxFileAge": "1h", "latestFirst": "true", "maxFilesPerTrigger": "5"}})
	off, _ = next(t, s, "")
	writeFile(t, dir2, "old.txt", "old\n", base.Add(-2*time.Hour))
	_, rows = next(t, s, off)
	if !reflect.DeepEqual(rows, textRows("old")) {
		t.Fatalf("%v", rows)
	}
}

func TestFileSourceFileNameOnly(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a/x.txt", "first\n", base)
	s := openFiles(t, Spec{Format: "text", Paths: []string{filepath.Join(dir, "*")}, Options: map[string]string{"fileNameOnly": "true"}})
	off, rows := next(t, s, "")
	if !reflect.DeepEqual(rows, textRows("first")) {
		t.Fatalf("%v", rows)
	}
	// The same name in another directory counts as seen.
	writeFile(t, dir, "b/x.txt", "second\n", base.Add(time.Second))
	writeFile(t, dir, "b/y.txt", "third\n", base.Add(time.Second))
	_, rows = next(t, s, off)
	if !reflect.DeepEqual(rows, textRows("third")) {
		t.Fatalf("%v", rows)
	}
}

func TestFileSourceLogAndRestart(t *testing.T) {
	dir := t.TempDir()
	meta := filepath.Join(t.TempDir(), "sources", "0")
	st := schemaOf(t, "id", "int", "name", "string")
	spec := Spec{Format: "csv", Paths: []string{dir}, Schema: st, MetadataDir: meta,
		Options: map[string]string{"maxFilesPerTrigger": "1", "header": "true"}}
	writeFile(t, dir, "1.csv", "id,name\n1,a\n", base)
	writeFile(t, dir, "2.csv", "id,name\n2,b\n", base.Add(time.Second))
	s := openFiles(t, spec)
	off0, rows := next(t, s, "")
	if !reflect.DeepEqual(rows, [][]any{{int32(1), "a"}}) {
		t.Fatalf("%v", rows)
	}
	off1, err := s.LatestOffset(context.Background(), off0)
	if err != nil || off1 != `{"logOffset":1}` {
		t.Fatalf("%s %v", off1, err)
	}
	data, err := os.ReadFile(filepath.Join(meta, "1"))
	if err != nil {
		t.Fatal(err)
	}
	want := "v1\n" + `{"path":"file://` + filepath.Join(dir, "2.csv") + `","timestamp":` +
		"1714564801000" + `,"batchId":1}`
	if string(data) != want {
		t.Fatalf("log file:\n%s\nwant\n%s", data, want)
	}

	// "Restart": batch 1 was logged but not run. A new source on the same log replays it
	// exactly, even though a newer file appeared and 2.csv's contents changed.
	writeFile(t, dir, "0.csv", "id,name\n0,early\n", base.Add(-time.Second))
	s2 := openFiles(t, spec)
	bs, err := s2.GetBatch(context.Background(), off0, off1)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, bs, [][]any{{int32(2), "b"}})
	// Files already in the log are not taken again; the new one is next.
	off2, rows := next(t, s2, off1)
	if off2 != `{"logOffset":2}` || !reflect.DeepEqual(rows, [][]any{{int32(0), "early"}}) {
		t.Fatalf("%s %v", off2, rows)
	}
	// Restart again, asking for the latest offset from the last processed batch: the
	// logged but unprocessed batch comes back first.
	s3 := openFiles(t, spec)
	off, err := s3.LatestOffset(context.Background(), off1)
	if err != nil || off != off2 {
		t.Fatalf("%s %v", off, err)
	}
	if _, rows := next(t, s3, off2); rows != nil {
		t.Fatalf("unexpected rows %v", rows)
	}
}

func TestFileSourceVanishedFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "a.txt", "x\n", base)
	s := openFiles(t, Spec{Format: "text", Paths: []string{dir}})
	off, err := s.LatestOffset(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	_, err = s.GetBatch(context.Background(), "", off)
	if err == nil || !errors.Is(err, os.ErrNotExist) ||
		!strings.HasPrefix(err.Error(), "[FAILED_READ_FILE.FILE_NOT_EXIST] Encountered error while reading file file://"+p+". File does not exist.") {
		t.Fatalf("got %v", err)
	}
	s = openFiles(t, Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"ignoreMissingFiles": "true"}})
	writeFile(t, dir, "b.txt", "y\n", base)
	writeFile(t, dir, "c.txt", "z\n", base.Add(time.Second))
	off, err = s.LatestOffset(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "b.txt"))
	bs, err := s.GetBatch(context.Background(), "", off)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, bs, textRows("z"))
}

func TestFileSourceEmptyAndMalformed(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "empty.json", "", base)
	writeFile(t, dir, "bad.json", "{\"a\":1}\n{oops\n", base.Add(time.Second))
	st := schemaOf(t, "a", "long")
	s := openFiles(t, Spec{Format: "json", Paths: []string{dir}, Schema: st, Options: map[string]string{"mode": "FAILFAST"}})
	off, err := s.LatestOffset(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetBatch(context.Background(), "", off)
	var me *MalformedError
	if !errors.As(err, &me) || me.Path != filepath.Join(dir, "bad.json") || me.Line != 2 {
		t.Fatalf("got %v", err)
	}
}

func TestFileSourceSchemaRules(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", `{"b":1,"a":"x"}`+"\n", base)
	for _, f := range []string{"csv", "json", "parquet"} {
		_, err := Open(Spec{Format: f, Paths: []string{dir}})
		if err == nil || err.Error() != "Schema must be specified when creating a streaming source DataFrame. If some files already exist in the directory, then depending on the file format you may be able to create a static DataFrame on that data with 'spark.read.load(directory)' and infer schema from it." {
			t.Fatalf("%s: got %v", f, err)
		}
	}
	s := openFiles(t, Spec{Format: "json", Paths: []string{dir}, SchemaInference: true})
	if got := s.Schema().SimpleString(); got != "struct<a:string,b:bigint>" {
		t.Fatalf("inferred %s", got)
	}
	_, err := Open(Spec{Format: "text"})
	if err != ErrPathNotSpecified {
		t.Fatalf("got %v", err)
	}
	_, err = Open(Spec{Format: "text", Paths: []string{filepath.Join(dir, "nope")}})
	if err == nil || err.Error() != "[PATH_NOT_FOUND] Path does not exist: file:"+filepath.Join(dir, "nope")+"." {
		t.Fatalf("got %v", err)
	}
	_, err = Open(Spec{Format: "avro", Paths: []string{dir}})
	if err == nil || err.Error() != "[DATA_SOURCE_NOT_FOUND] Failed to find the data source: avro. Please find packages at `https://spark.apache.org/third-party-projects.html`." {
		t.Fatalf("got %v", err)
	}
	// A glob over a directory that does not exist yet is fine: files come later.
	gs := openFiles(t, Spec{Format: "text", Paths: []string{filepath.Join(dir, "later", "*.txt")}})
	if off, _ := next(t, gs, ""); off != "" {
		t.Fatalf("offset %s", off)
	}
	writeFile(t, dir, "later/x.txt", "hello\n", base)
	if _, rows := next(t, gs, ""); !reflect.DeepEqual(rows, textRows("hello")) {
		t.Fatalf("%v", rows)
	}
}

func TestFileSourceAvailableNow(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "1.txt", "one\n", base)
	writeFile(t, dir, "2.txt", "two\n", base.Add(time.Second))
	writeFile(t, dir, "3.txt", "three\n", base.Add(2*time.Second))
	s := openFiles(t, Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"maxFilesPerTrigger": "2"}})
	if err := s.PrepareForAvailableNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "4.txt", "four\n", base.Add(3*time.Second))
	var got [][][]any
	off := Offset("")
	for i := 0; i < 3; i++ {
		var rows [][]any
		off, rows = next(t, s, off)
		got = append(got, rows)
	}
	want := [][][]any{textRows("one", "two"), textRows("three"), nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestFileSourceCleanSource(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "in/a.txt", "a\n", base)
	b := writeFile(t, dir, "in/b.txt", "b\n", base.Add(time.Second))
	in := filepath.Join(dir, "in")
	s := openFiles(t, Spec{Format: "text", Paths: []string{in}, Options: map[string]string{"cleanSource": "delete", "maxFilesPerTrigger": "1"}})
	off, rows := next(t, s, "")
	if !reflect.DeepEqual(rows, textRows("a")) {
		t.Fatalf("%v", rows)
	}
	if err := s.Commit(off); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a.txt not deleted: %v", err)
	}
	if _, err := os.Stat(b); err != nil {
		t.Fatalf("b.txt touched: %v", err)
	}

	archive := filepath.Join(dir, "archive")
	s = openFiles(t, Spec{Format: "text", Paths: []string{in}, Options: map[string]string{"cleanSource": "ARCHIVE", "sourceArchiveDir": archive}})
	off, _ = next(t, s, "")
	if err := s.Commit(off); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(archive, b)); err != nil || string(data) != "b\n" {
		t.Fatalf("archived: %q %v", data, err)
	}
	for opts, want := range map[[2]string]string{
		{"archive", ""}:           "Archive mode must be used with 'sourceArchiveDir' option.",
		{"bogus", ""}:             "Invalid mode for clean source option bogus. Must be one of ARCHIVE,DELETE,OFF",
		{"archive", in + "/arch"}: "Source archive directory " + in + "/arch should not be under the source path " + in,
	} {
		o := map[string]string{"cleanSource": opts[0]}
		if opts[1] != "" {
			o["sourceArchiveDir"] = opts[1]
		}
		if _, err := Open(Spec{Format: "text", Paths: []string{in}, Options: o}); err == nil || err.Error() != want {
			t.Fatalf("%v: got %v", opts, err)
		}
	}
}

func TestFileSourceOddFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "a\n", base)
	// A named pipe would block a reader forever: it is not a data file.
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openFiles(t, Spec{Format: "text", Paths: []string{dir}})
	off, rows := next(t, s, "")
	if !reflect.DeepEqual(rows, textRows("a")) {
		t.Fatalf("%v", rows)
	}
	// A logged file replaced by a directory: a clear error naming it.
	p := writeFile(t, dir, "b.txt", "b\n", base.Add(time.Second))
	end, err := s.LatestOffset(context.Background(), off)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	os.Mkdir(p, 0o755)
	_, err = s.GetBatch(context.Background(), off, end)
	if err == nil || !strings.Contains(err.Error(), "reading "+p) || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("got %v", err)
	}
	// A bad boolean option.
	if _, err := Open(Spec{Format: "text", Paths: []string{dir}, Options: map[string]string{"latestFirst": "maybe"}}); err == nil || err.Error() != "latestFirst flag can be true or false" {
		t.Fatalf("got %v", err)
	}
}

func TestFileSourceLogCompaction(t *testing.T) {
	dir := t.TempDir()
	meta := filepath.Join(t.TempDir(), "sources", "0")
	spec := Spec{Format: "text", Paths: []string{dir}, MetadataDir: meta, Options: map[string]string{"maxFilesPerTrigger": "1"}}
	s := openFiles(t, spec)
	off := Offset("")
	for i := 0; i < 12; i++ {
		writeFile(t, dir, fmt.Sprintf("f%02d.txt", i), fmt.Sprintf("v%d\n", i), base.Add(time.Duration(i)*time.Second))
		off, _ = next(t, s, off)
	}
	ents, err := os.ReadDir(meta)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "10,11,9.compact" {
		t.Fatalf("log files %v", names)
	}
	data, _ := os.ReadFile(filepath.Join(meta, "9.compact"))
	if lines := strings.Split(string(data), "\n"); len(lines) != 11 || lines[0] != "v1" ||
		lines[10] != `{"path":"`+fileURI(filepath.Join(dir, "f09.txt"))+`","timestamp":`+fmt.Sprint(base.Add(9*time.Second).UnixMilli())+`,"batchId":9}` {
		t.Fatalf("compact file:\n%s", data)
	}
	// A restart replays any batch, from the compaction or the files after it.
	s2 := openFiles(t, spec)
	for _, c := range []struct {
		from, to Offset
		want     string
	}{{"", logOffset(0), "v0"}, {logOffset(4), logOffset(5), "v5"}, {logOffset(9), logOffset(11), "v10,v11"}} {
		bs, err := s2.GetBatch(context.Background(), c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rowsOf(bs) {
			got = append(got, r[0].(string))
		}
		if strings.Join(got, ",") != c.want {
			t.Fatalf("%s..%s: %v", c.from, c.to, got)
		}
	}
	if end, _ := s2.LatestOffset(context.Background(), off); end != off {
		t.Fatalf("no new files, but offset %s", end)
	}
}

func TestCoalesce(t *testing.T) {
	st := TextSchema()
	mk := func(vals ...string) *batch.Batch {
		b := batch.New(st, len(vals))
		for _, v := range vals {
			b.AppendRow([]any{v})
		}
		return b
	}
	out := coalesce(st, []*batch.Batch{mk("a"), mk("b", "c"), mk("d", "e", "f"), mk("g")}, 3)
	var sizes []int
	for _, b := range out {
		sizes = append(sizes, b.N)
	}
	if !reflect.DeepEqual(sizes, []int{3, 3, 1}) {
		t.Fatalf("sizes %v", sizes)
	}
	checkRows(t, out, textRows("a", "b", "c", "d", "e", "f", "g"))
}
